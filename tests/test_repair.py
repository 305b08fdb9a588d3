"""Repair end to end, through a real OpenAI-compatible server on 127.0.0.1 (`servers.ScriptedServer`): a generated row
contradicts the fact sheet, its repair request quotes the contradicted fact, the corrected record passes the checks,
and the pair exports as DPO and KTO files that `datasets` loads. A repair that still contradicts is kept, marked, and
never exported as chosen; a repair request that fails ends as a failed row with its reason."""
import json, re
import datasets, pandas as pd, pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate, summary
from synthnb.quality import quality
from synthnb.curation import Curation
from synthnb.export import export_split, ExportError
from synthnb.repair import repair, repair_summary, preference_pairs
from servers import ScriptedServer, completion

SPEC = PromptSpec.example("bakery")
WRONG = {"question": "What number do I call to order a cake?", "response": "Call us at 555-9876 and we'll take your order."}
GOOD = [{"question": "Do you have cinnamon rolls?", "response": "Yes, cinnamon rolls come out on Saturdays."},
        {"question": "Do you have gluten-free bread?", "response": "Yes, we have gluten-free options every day."}]
FIXED = {"question": WRONG["question"], "response": "Call us at 555-1234 and we'll take your order."}

def _answer(body, recs):
    "`recs` as the request wants them: wrapped in `records` when it sent a schema."
    schema = (body.get("response_format") or {}).get("json_schema")
    return json.dumps({"records": recs} if schema else recs)

def _is_repair(body) -> bool: return "This record was checked" in body["messages"][-1]["content"]

def _generated(srv, cache):
    "Three rows from three requests (one a topic), the first contradicting the phone number on the fact sheet."
    spec = PromptSpec.from_dict({**SPEC.to_dict(), "records_per_request": 1})
    df = generate(spec, 3, endpoint=Endpoint(srv.base_url, "scripted", retries=0), cache=cache, progress=False)
    return spec, df

def _script(repaired):
    "Generation: the wrong row, then two good ones (by seed); repairs: `repaired(body, i)`."
    def script(body, i):
        if _is_repair(body): return repaired(body, i)
        return 200, completion(_answer(body, [[WRONG, *GOOD][body["seed"] % 3]]))
    return script

def test_repair_quotes_the_fact_passes_and_exports_as_dpo_and_kto(tmp_path, fresh_cache):
    with ScriptedServer(_script(lambda body, i: (200, completion(_answer(body, [FIXED]))))) as srv:
        spec, df = _generated(srv, fresh_cache)
        assert summary(df).ok == 3 and df.loc[0, "response"] == WRONG["response"]
        report = quality(df, spec, by="words")
        assert report.flags["row"].tolist() == [0] and report.flags["kind"].tolist() == ["wrong_phone"]
        fixed = repair(df, spec, report, endpoint=Endpoint(srv.base_url, "scripted", retries=0), cache=fresh_cache, by="words", progress=False)
        asks = [b for b in srv.requests if _is_repair(b)]
    assert len(asks) == 1
    sent = asks[0]["messages"]
    assert sent[0] == {"role": "system", "content": spec.system_prompt} and len(sent) == 2
    assert "wrong phone number: gives the phone number 555-9876" in sent[1]["content"]      # the defect, quoted
    assert "(on the fact sheet: phone: 555-1234)" in sent[1]["content"]                      # and the fact it contradicts
    assert WRONG["response"] in sent[1]["content"] and asks[0]["seed"] == 0
    assert (fixed["repair_of"].tolist(), fixed["status"].tolist(), fixed["passes"].tolist()) == ([0], ["ok"], [True])
    assert repair_summary(fixed) == "1 repairs asked = 1 ok + 0 failed · 1 pass every check, 0 still wrong"

    cur = Curation(df, ["question", "response"])
    assert list(cur.add_repairs(fixed)) == [3]
    assert (cur.df.at[0, "decision"], cur.df.at[0, "repaired_by"], cur.df.at[3, "repair_of"]) == ("rejected", 3, 0)
    assert [c.note for c in cur.log] == ["repair of row 0", "repaired by row 3"]
    assert 0 not in cur.curated.index and 3 in cur.curated.index       # the chat data keeps the repair, not the original

    res = export_split(cur.df, tmp_path/"pairs.jsonl", validation=0, fmt="dpo", system="You are the assistant of Sunrise Bakery.", curation=cur)
    dpo = datasets.load_dataset("json", data_files=str(res.paths[0]), split="train")
    assert dpo.column_names == ["prompt", "chosen", "rejected"] and len(dpo) == res.counts["all"] == 1
    assert dpo[0]["prompt"] == [{"role": "system", "content": "You are the assistant of Sunrise Bakery."}, {"role": "user", "content": WRONG["question"]}]
    assert dpo[0]["chosen"] == [{"role": "assistant", "content": FIXED["response"]}]
    assert dpo[0]["rejected"] == [{"role": "assistant", "content": WRONG["response"]}]
    assert "1 add" in res.card.read_text() and "1 reject" in res.card.read_text()

    res = export_split(cur.df, tmp_path/"pairs.kto.jsonl", validation=0, fmt="kto", card=False)
    kto = datasets.load_dataset("json", data_files=str(res.paths[0]), split="train")
    assert kto.column_names == ["prompt", "completion", "label"] and kto["label"] == [True, False] and res.counts["all"] == 2
    assert [c[0]["content"] for c in kto["completion"]] == [FIXED["response"], WRONG["response"]]
    assert kto[0]["prompt"] == [{"role": "user", "content": WRONG["question"]}]

def test_a_repair_that_still_contradicts_is_kept_and_never_chosen(tmp_path, fresh_cache):
    still = {"question": WRONG["question"], "response": "Call us at 555-0000 to order."}
    with ScriptedServer(_script(lambda body, i: (200, completion(_answer(body, [still]))))) as srv:
        spec, df = _generated(srv, fresh_cache)
        fixed = repair(df, spec, endpoint=Endpoint(srv.base_url, "scripted", retries=0), cache=fresh_cache, by="words", progress=False)
    assert (fixed["status"].tolist(), fixed["passes"].tolist()) == (["ok"], [False])
    assert fixed.at[0, "still_wrong"].startswith("wrong phone number: gives the phone number 555-0000")
    cur = Curation(df, ["question", "response"]); cur.add_repairs(fixed)
    assert len(cur.df) == 4 and cur.df.at[3, "response"] == still["response"]     # visible, not dropped
    assert len(preference_pairs(cur.df)) == 0
    with pytest.raises(ExportError, match="no verified pairs"): export_split(cur.df, tmp_path/"p.jsonl", validation=0, fmt="dpo")

@pytest.mark.parametrize("answer, why", [
    (lambda body, i: (500, {"error": {"message": "boom"}}), r"500|gave up"),
    (lambda body, i: (200, completion("Sure! Here is a better answer: call us any time.")), r"JSON|record"),
])
def test_a_failed_repair_request_is_a_failed_row_with_its_reason(answer, why, tmp_path, fresh_cache):
    with ScriptedServer(_script(answer)) as srv:
        spec, df = _generated(srv, fresh_cache)
        fixed = repair(df, spec, endpoint=Endpoint(srv.base_url, "scripted", retries=1), cache=fresh_cache, by="words", progress=False)
    assert len(fixed) == 1 == (fixed["status"] == "ok").sum() + (fixed["status"] == "failed").sum()   # requested == ok + failed
    assert (fixed.at[0, "status"], fixed.at[0, "passes"], fixed.at[0, "repair_of"]) == ("failed", False, 0)
    assert re.search(why, fixed.at[0, "reason"]), fixed.at[0, "reason"]
    cur = Curation(df, ["question", "response"]); cur.add_repairs(fixed)
    assert cur.df.at[0, "decision"] == "pending" and cur.df.at[3, "status"] == "failed"   # the original waits for another try

def test_repairs_are_cached_and_seeded_apart(fresh_cache):
    "Each repair request has its own seed and request id; asking again comes from the cache."
    rows = pd.DataFrame([WRONG, {"question": "Are you open on Mondays?", "response": "Yes, from 7am on Mondays."}, *GOOD]).assign(status="ok")
    calls = []
    def script(body, i): calls.append(body); return 200, completion(_answer(body, [FIXED if "555" in body["messages"][-1]["content"] else GOOD[0]]))
    with ScriptedServer(script) as srv:
        ep = Endpoint(srv.base_url, "scripted", retries=0)
        first = repair(rows, SPEC, endpoint=ep, cache=fresh_cache, by="words", progress=False, seed=10)
        again = repair(rows, SPEC, endpoint=ep, cache=fresh_cache, by="words", progress=False, seed=10)
    assert sorted(b["seed"] for b in calls if _is_repair(b)) == [10, 11] and len([b for b in calls if _is_repair(b)]) == 2
    assert first["repair_of"].tolist() == again["repair_of"].tolist() == [0, 1] and again["cached"].all()

def test_cli_generate_as_dpo_repairs_the_flagged_rows_first(tmp_path, monkeypatch):
    from synthnb.cli import main
    monkeypatch.setenv("SYNTHNB_CACHE_DIR", str(tmp_path/"cache"))
    spec_file = tmp_path/"bakery.yaml"; PromptSpec.from_dict({**SPEC.to_dict(), "records_per_request": 1}).to_yaml(spec_file)
    with ScriptedServer(_script(lambda body, i: (200, completion(_answer(body, [FIXED]))))) as srv:
        with pytest.raises(SystemExit) as e:
            main(["generate", str(spec_file), "-n", "3", "--base-url", srv.base_url, "--model", "scripted", "--retries", "0",
                  "--format", "dpo", "-o", str(tmp_path/"out.jsonl"), "--no-cache", "--quiet"])
    assert e.value.code == 0
    dpo = datasets.load_dataset("json", data_files=str(tmp_path/"out.jsonl"), split="train")
    assert len(dpo) == 1 and dpo[0]["rejected"][0]["content"] == WRONG["response"] and dpo[0]["chosen"][0]["content"] == FIXED["response"]
