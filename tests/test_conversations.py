"""Multi-turn conversations end to end (a spec with `turns: 3`): generate against a real HTTP server on 127.0.0.1 that
answers with conversations (tests/servers.py), a conversation one turn short failed with its raw text and reason and
asked for again, a later turn that contradicts the fact sheet flagged on its turn, and the chat and ShareGPT exports
valid multi-turn fine-tuning files that `datasets` loads."""
import json, re
import pandas as pd
import pytest
from synthnb.spec import PromptSpec, CONVERSATION
from synthnb.endpoints import Endpoint
from synthnb.generate import generate, summary, failures
from synthnb.quality import quality
from synthnb.export import export_chat_jsonl, export_sharegpt, chat_problems
from servers import ScriptedServer, completion

SPEC = PromptSpec.example("bakery_conversations")
WRONG_PHONE = "555-9876"   # the fact sheet says 555-1234

def asked(body) -> tuple:
    "(records, turns) a request asks for: from its schema when it sends one, else from its prompt."
    schema = (body.get("response_format") or {}).get("json_schema", {}).get("schema")
    if schema:
        recs = schema["properties"]["records"]
        return recs["minItems"], recs["items"]["properties"][CONVERSATION]["minItems"]
    prompt = body["messages"][-1]["content"]
    return int(re.search(r"Write (\d+) new records", prompt)[1]), int(re.search(r"a conversation of (\d+) turns", prompt)[1])

def conversation(seed, i, turns, phone="555-1234"):
    "A conversation that follows up on its own answers; each differs from the others in its words."
    items = ["sourdough loaf", "cinnamon roll", "fruit tart", "croissant"]
    item = items[(seed + i) % len(items)]
    talk = [{"question": f"Hi, is the {item} good for a party of {seed * 10 + i + 2}?", "response": f"Yes! The {item} is a favourite."},
            {"question": f"Can I pick up {i + 3} of them on Sunday morning?", "response": "Of course, we open at 7am on Sundays."},
            {"question": "Whom do I call to set them aside?", "response": f"Call us at {phone} and we'll keep them for you."}]
    return {CONVERSATION: talk[:turns]}

def answer(body, short=(), wrong=()):
    "The text of an answer: a conversation per record asked for; record i in `short` one turn short, in `wrong` with a wrong phone in turn 3."
    n, turns = asked(body)
    recs = [conversation(body["seed"], i, turns - (i in short), WRONG_PHONE if i in wrong else "555-1234") for i in range(n)]
    text = json.dumps({"records": recs})
    return text if body.get("response_format") else "Here are the conversations:\n```json\n" + json.dumps(recs, indent=1) + "\n```"

def script(body, i):
    # the planned request with seed 0 writes its second conversation with 2 turns; seed 1's third conversation gives a wrong phone number
    planned = body["seed"] < 1_000_000
    short = (1,) if planned and body["seed"] == 0 else ()
    wrong = (2,) if planned and body["seed"] == 1 else ()
    return 200, completion(answer(body, short, wrong))

def ep(srv, **kw): return Endpoint(srv.base_url, "scripted", **{"timeout": 5, **kw})

@pytest.fixture(scope="module", params=["auto", "off"])
def run(request, tmp_path_factory):
    "Nine conversations (3 requests of 3) with structured output, and in plain text (prose and a fence around the JSON)."
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 9, endpoint=ep(srv, structured=request.param), cache=False, progress=False)
    return df, srv.requests, request.param

def test_the_requests_ask_for_conversations(run):
    df, requests, mode = run
    for body in requests:
        prompt = body["messages"][-1]["content"]
        assert "a conversation of 3 turns" in prompt and "Examples of good conversations" in prompt
        assert re.fullmatch(r"Write \d+ new records about this topic: [a-z ]+\. The answer holds exactly \d+ records\.", prompt.split("\n\n")[-1])
        assert asked(body)[1] == 3
    assert (df["mode"] == ("json_schema" if mode == "auto" else "text")).all()

def test_conversation_rows_and_the_short_one_is_asked_again(run):
    df, requests, _ = run
    s = summary(df)
    assert s.requested == 9 == s.ok + s.failed and (s.ok, s.failed) == (9, 0)
    ok = df[df.status == "ok"]
    assert ok[CONVERSATION].map(len).eq(3).all()
    assert all(set(t) == {"question", "response"} and all(isinstance(v, str) and v for v in t.values()) for c in ok[CONVERSATION] for t in c)
    assert (ok["question"] == ok[CONVERSATION].map(lambda c: c[0]["question"])).all()   # the fields hold the first turn
    # the conversation one turn short was asked for again, alone, and its answer took its place
    again = [b for b in requests if b["seed"] >= 1_000_000]
    assert len(again) == 1 and asked(again[0])[0] == 1
    redone = df[df.top_up == 1]
    assert len(redone) == 1 and redone.iloc[0]["request_id"] == 0 and len(redone.iloc[0][CONVERSATION]) == 3
    assert redone.iloc[0]["record"] == 2    # a request's good records come first, then the failed ones' places
    assert "a conversation of 2 turns where 3 were asked for" in redone.iloc[0]["earlier"]
    assert not df.duplicated(["request_id", "record"]).any()

def test_a_short_conversation_is_a_failed_row_with_its_raw_text_and_reason():
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 9, endpoint=ep(srv), cache=False, progress=False, top_up=0)
    s = summary(df)
    assert (s.requested, s.ok, s.failed) == (9, 8, 1)
    f = failures(df).iloc[0]
    assert f["reason"] == "a conversation of 2 turns where 3 were asked for"
    assert len(json.loads(f["raw"])[CONVERSATION]) == 2   # the conversation as the model wrote it: nothing lost

def test_a_wrong_phone_number_in_turn_3_is_flagged_on_its_turn(run):
    df, _, _ = run
    report = quality(df, SPEC, by="words")
    facts = report.flagged("facts")
    wrong_rows = df.index[df[CONVERSATION].map(lambda c: WRONG_PHONE in c[2]["response"])].tolist()
    assert len(wrong_rows) == 1
    assert facts[["row", "kind"]].values.tolist() == [[wrong_rows[0], "wrong_phone"]], facts.to_string()
    assert facts["reason"].iloc[0].startswith("turn 3: ") and WRONG_PHONE in facts["text"].iloc[0]
    assert "wrong_phone" in report.table(df).loc[wrong_rows[0], "flags"]

def alternates(roles) -> bool:
    talk = roles[1:] if roles[:1] == ["system"] else roles
    return len(talk) >= 2 and talk == ["user", "assistant"] * (len(talk) // 2)

def test_the_chat_export_is_multi_turn_fine_tuning_jsonl(run, tmp_path):
    df, _, _ = run
    datasets = pytest.importorskip("datasets")
    p = export_chat_jsonl(df, tmp_path/"talks.chat.jsonl", system="You are the assistant of Sunrise Bakery.")
    lines = [json.loads(l) for l in p.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == (df.status == "ok").sum()
    for e in lines:
        assert set(e) == {"messages"} and chat_problems(e) == []
        roles = [m["role"] for m in e["messages"]]
        assert roles == ["system"] + ["user", "assistant"] * 3 and alternates(roles)
        assert all(isinstance(m["content"], str) and m["content"].strip() for m in e["messages"])
    first = df[df.status == "ok"].iloc[0][CONVERSATION]
    assert [m["content"] for m in lines[0]["messages"][1:]] == [t[k] for t in first for k in ("question", "response")]
    ds = datasets.load_dataset("json", data_files=str(p), split="train", cache_dir=str(tmp_path/"hf"))
    assert ds.num_rows == len(lines) and all(len(r["messages"]) == 7 for r in ds)
    assert [m["role"] for m in ds[0]["messages"]] == ["system"] + ["user", "assistant"] * 3

def test_the_sharegpt_export_is_multi_turn(run, tmp_path):
    df, _, _ = run
    datasets = pytest.importorskip("datasets")
    p = export_sharegpt(df, tmp_path/"talks.sharegpt.jsonl")
    lines = [json.loads(l) for l in p.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == (df.status == "ok").sum()
    for e in lines:
        assert [m["from"] for m in e["conversations"]] == ["human", "gpt"] * 3
        assert all(isinstance(m["value"], str) and m["value"].strip() for m in e["conversations"])
    ds = datasets.load_dataset("json", data_files=str(p), split="train", cache_dir=str(tmp_path/"hf"))
    assert ds.num_rows == len(lines) and [m["from"] for m in ds[0]["conversations"]] == ["human", "gpt"] * 3

@pytest.mark.model
def test_varied_conversations_on_the_embedded_model(fresh_cache, tmp_path):
    "The issue's last step: persona × tone and turns: 3 on the embedded model; only the structure is checked, never what the model wrote."
    vary = {"persona": ["a regular", "a tourist", "a parent planning a party"], "tone": ["curious", "in a hurry"]}
    spec = PromptSpec(**{**SPEC.to_dict(), "vary": vary, "records_per_request": 1})
    df = generate(spec, 6, temperature=0.7, seed=5, cache=fresh_cache, progress=False)
    s = summary(df)
    assert s.requested == 6 == s.ok + s.failed and s.ok >= 1, df[["status", "reason", "raw"]].to_string()
    assert sorted(df.groupby(["persona", "tone"]).size().tolist()) == [1] * 6   # balanced: each persona × tone once
    ok = df[df.status == "ok"]
    assert ok[CONVERSATION].map(len).eq(3).all()
    assert all(isinstance(t[f], str) and t[f].strip() for c in ok[CONVERSATION] for t in c for f in ("question", "response"))
    assert (df.loc[df.status == "failed", "reason"].str.len() > 0).all()
    p = export_chat_jsonl(df, tmp_path/"varied.chat.jsonl", system="You are the assistant of Sunrise Bakery.")
    lines = [json.loads(l) for l in p.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == s.ok and all(chat_problems(e) == [] and alternates([m["role"] for m in e["messages"]]) for e in lines)
    assert all(len(e["messages"]) == 7 for e in lines)
