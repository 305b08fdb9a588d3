"""Exports as a fine-tuning job reads them: every format written and read back, the chat check, the dataset card (and
no secret in any file), the split without leaks or contamination, and push_to_hub against a real HTTP server on 127.0.0.1."""
import base64, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import numpy as np, pandas as pd, pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.curation import Curation
from synthnb.local import MODEL_NAME, MODEL_SOURCE, MODEL_SHA256
from synthnb.generate import generate
from servers import ScriptedServer, completion, records_answer
from synthnb.export import (export, export_split, export_chat_jsonl, export_alpaca, export_sharegpt, export_hf, chat_problems,
                            dataset_card, push_to_hub, card_path, ExportError, ExportResult)

SPEC = PromptSpec.example("bakery")
SYSTEM = "You are Sunrise Bakery's assistant."

def generated(n=20, failed=2, model=MODEL_NAME):
    "Rows shaped like `generate`'s: fields, status, provenance; distinct questions, `failed` failed rows at the end."
    things = ["sourdough", "croissants", "cinnamon rolls", "fruit tarts", "birthday cakes", "gluten-free bread", "nut-free cakes",
              "wedding cakes", "baguettes", "muffins", "scones", "bagels", "brownies", "cookies", "pies", "eclairs", "donuts", "pretzels",
              "macarons", "focaccia", "brioche", "strudel", "pastries", "cupcakes"]
    q = [f"Do you sell {things[i % len(things)]} on day {i}?" for i in range(n)]
    return pd.DataFrame({"question": q, "response": [f"Yes, {things[i % len(things)]} every morning ({i})." for i in range(n)],
                         "status": ["ok"] * (n - failed) + ["failed"] * failed, "reason": [""] * (n - failed) + ["the answer was cut off"] * failed,
                         "raw": "", "topic": np.resize(SPEC.topics, n), "model": model, "temperature": 0.8, "spec_hash": SPEC.hash})

def lines(p): return [json.loads(l) for l in Path(p).read_text(encoding="utf-8").splitlines()]

# ---------------------------------------------------------------- formats, read back

def test_chat_jsonl_follows_every_rule_of_the_format(tmp_path):
    df = generated()
    p = export(df, tmp_path/"chat.jsonl", "chat", system=SYSTEM)
    got = lines(p)
    assert len(got) == 18 and all(chat_problems(e) == [] for e in got)
    assert all([m["role"] for m in e["messages"]] == ["system", "user", "assistant"] for e in got)
    assert [e["messages"][1]["content"] for e in got] == df["question"][:18].tolist()
    assert (tmp_path/"chat.card.md").exists()

@pytest.mark.parametrize("breaks,rule", [
    ({"response": ""}, "the assistant message is empty"), ({"response": " \n\t"}, "the assistant message is empty"),
    ({"question": None}, "the user message is missing"), ({"response": np.nan}, "the assistant message is missing")])
def test_chat_check_refuses_in_one_line_and_writes_nothing(tmp_path, breaks, rule):
    df = generated()
    for col, v in breaks.items(): df.loc[[3, 12, 15], col] = v
    for fmt, name in (("chat", "c.jsonl"), ("sharegpt", "s.jsonl")):
        for validation in (0, 0.2):
            with pytest.raises(ExportError) as e: export_split(df, tmp_path/name, validation, fmt)
            msg = str(e.value)
            assert "\n" not in msg and msg == f"3 rows break the chat format, e.g. row 3: {rule}; fix or reject them"
    assert list(tmp_path.iterdir()) == []  # no data file, no split file, no card

def test_chat_check_names_each_rule_broken():
    df = generated(); df.loc[2, "response"] = ""; df.loc[5, "question"] = "  "; df.loc[6, "response"] = ""
    with pytest.raises(ExportError, match=r"^3 rows break the chat format \(the assistant message is empty: 2; the user message is empty: 1\), e.g. row 2: "):
        export_chat_jsonl(df, "/nonexistent/never.jsonl")
    assert chat_problems({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"},
                                       {"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"}]}) == []
    assert chat_problems({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}, {"role": "system", "content": "s"}]}) \
        == ["a system message comes after the first message"]
    assert chat_problems({"messages": [{"role": "user", "content": 3}, {"role": "assistant", "content": "a"}]}) == ["the user message is not text"]
    assert chat_problems({"messages": []}) == ["it has no messages"]

def test_alpaca_json_and_jsonl(tmp_path):
    df = generated()
    a = json.loads(export(df, tmp_path/"alpaca.json", "alpaca", system=SYSTEM).read_text())
    assert len(a) == 18 and a[0] == {"instruction": df.question[0], "input": "", "output": df.response[0], "system": SYSTEM}
    b = lines(export(df, tmp_path/"alpaca.jsonl", "alpaca", input="topic"))
    assert [r["input"] for r in b] == df.topic[:18].tolist() and set(b[0]) == {"instruction", "input", "output"}

def test_sharegpt(tmp_path):
    df = generated()
    s = lines(export(df, tmp_path/"sg.jsonl", "sharegpt", system=SYSTEM))
    assert len(s) == 18 and [t["from"] for t in s[0]["conversations"]] == ["system", "human", "gpt"]
    assert s[4]["conversations"][1]["value"] == df.question[4] and s[4]["conversations"][2]["value"] == df.response[4]
    assert len(json.loads(export_sharegpt(df, tmp_path/"sg.json").read_text())) == 18

def test_hf_folder_loads_with_load_from_disk_and_has_a_hub_readme(tmp_path):
    from datasets import load_from_disk
    df = generated()
    res = export_split(df, tmp_path/"bakery_hf", 0.2, "hf", spec=SPEC, columns=["question", "response", "topic"])
    ds = load_from_disk(str(tmp_path/"bakery_hf"))
    assert {k: len(v) for k, v in ds.items()} == res.counts and sum(res.counts.values()) == 18
    assert ds["train"].column_names == ["question", "response", "topic"]
    assert sorted(list(ds["train"]["question"]) + list(ds["validation"]["question"])) == sorted(df.question[:18])
    assert res.paths == [tmp_path/"bakery_hf"] and res.card == tmp_path/"bakery_hf"/"README.md"
    readme = res.card.read_text()
    assert readme.startswith("---\npretty_name: bakery\n") and "size_categories:\n- n<1K\n---\n" in readme
    export(df.iloc[:5], tmp_path/"bakery_hf", "hf")   # replaces the earlier data set
    assert len(load_from_disk(str(tmp_path/"bakery_hf"))) == 5
    (tmp_path/"notes").mkdir(); (tmp_path/"notes"/"keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="is not a data set folder"): export(df, tmp_path/"notes", "hf")
    assert (tmp_path/"notes"/"keep.txt").read_text() == "mine"

def test_parquet_and_csv_round_trip(tmp_path):
    df = generated(); df.loc[0, "question"] = "=1+1 cakes? 🎂"
    back = pd.read_parquet(export(df, tmp_path/"r.parquet"))
    assert len(back) == 18 and back.question[0] == "=1+1 cakes? 🎂" and list(back.columns) == list(df.columns)
    c = pd.read_csv(export(df, tmp_path/"r.csv"), keep_default_na=False)
    assert len(c) == 18 and c.question[0] == "'=1+1 cakes? 🎂" and c.question[1] == df.question[1]

def test_missing_datasets_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(ExportError, match=r'pip install "synthnb\[hf\]"'): export(generated(), tmp_path/"x", "hf")
    with pytest.raises(ExportError, match=r'pip install "synthnb\[hf\]"'): push_to_hub(generated(), "me/x", token="hf_x")
    assert list(tmp_path.iterdir()) == []

# ---------------------------------------------------------------- the dataset card

def curated_studio_rows():
    "Rows through a curation: 2 accepted, 1 rejected, 1 edited (and an undone edit)."
    c = Curation(generated(), ["question", "response"])
    c.accept([0, 1]); c.reject(4); c.edit(6, "response", "Edited: yes, every morning.")
    c.edit(7, "response", "an edit taken back"); c.undo()
    return c

def test_card_tells_spec_model_counts_curation_quality_and_date():
    c = curated_studio_rows()
    res = ExportResult("chat", {"train": Path("b.train.jsonl"), "validation": Path("b.validation.jsonl")}, {"train": 14, "validation": 3})
    card = dataset_card(c.curated, res, SPEC, c, date="2031-02-03", license="apache-2.0")
    front, body = card.split("\n---\n", 1)
    assert front.startswith("---\npretty_name: bakery\nlicense: apache-2.0") and "synthetic" in front
    assert "on 2031-02-03" in body and SPEC.instruction.split(".")[0] in body
    for row in ("| generated | 20 |", "| ok | 18 |", "| failed | 2 |", "| accepted | 2 |", "| rejected | 1 |", "| edited | 1 |",
                "| exported: train | 14 |", "| exported: validation | 3 |", "| b.train.jsonl | 14 |"):
        assert row in body, row
    assert f"`{MODEL_NAME}` (20 rows)" in body and "Licence: Apache-2.0" in body and "Temperature: 0.8" in body
    assert "The audit log holds 3 changes to 4 rows: 1 accept, 1 reject, 1 edit (fields edited: response)." in body
    assert "good rows of 20 (2 failed)" in body and "| distinct_1 |" in body
    assert "```yaml\n" + SPEC.to_yaml().rstrip() + "\n```" in body and f"hash `{SPEC.hash}`" in body

def test_rows_of_a_server_that_answers_model_dash_name_the_model_asked_for_and_the_card_its_licence_and_source():
    # llama.cpp, the embedded model's server, answers "model": "-"
    with ScriptedServer(lambda body, i: (200, completion(records_answer(body), model="-" if i % 2 else ""))) as srv:
        df = generate(SPEC, 10, endpoint=Endpoint(srv.base_url, MODEL_NAME, timeout=5), cache=False, progress=False)
    assert (df["model"] == MODEL_NAME).all()
    card = dataset_card(df)
    assert f"`{MODEL_NAME}` (10 rows): synthnb's embedded model, Qwen2.5-Coder-1.5B-Instruct" in card and "`-`" not in card
    assert "Licence: Apache-2.0" in card and f"({MODEL_SOURCE})" in card and MODEL_SHA256 in card
    assert "check the provider's terms" not in card

def test_card_of_another_model_without_spec_fills_what_the_rows_say():
    card = dataset_card(generated(model="gpt-4o-mini"))
    assert "`gpt-4o-mini` (20 rows). Licence: check the provider's terms" in card
    assert MODEL_SOURCE not in card and MODEL_SHA256 not in card
    assert "Not curated" in card and "Not measured" in card and f"`{SPEC.hash}` (20 rows)" in card and "license:" not in card
    no_model = dataset_card(generated().drop(columns="model"), endpoint=Endpoint("http://127.0.0.1:9/v1", "my-model"))
    assert "`my-model` (20 rows)" in no_model

def test_no_secret_in_any_file(tmp_path, monkeypatch):
    secret = "sk-card-must-not-leak-7788"
    monkeypatch.setenv("SYNTHNB_TEST_KEY", secret)
    ep = Endpoint("http://127.0.0.1:9/v1", "gpt-4o-mini", api_key_env="SYNTHNB_TEST_KEY")
    c = curated_studio_rows()
    for fmt, name in (("chat", "c.jsonl"), ("jsonl", "j.jsonl"), ("csv", "v.csv"), ("parquet", "p.parquet"), ("alpaca", "a.json"),
                      ("sharegpt", "s.jsonl"), ("hf", "hf")):
        res = export_split(c.curated, tmp_path/name, 0.2, fmt, spec=SPEC, curation=c, endpoint=ep, statuses=None)
        assert res.card.exists()
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert len(files) > 20 and sum(f.name.endswith(".card.md") for f in files) == 6
    for f in files: assert secret.encode() not in f.read_bytes() and b"SYNTHNB_TEST_KEY" not in f.read_bytes(), f

# ---------------------------------------------------------------- the split: leaks and contamination

def planted():
    "20 good rows and 2 failed; rows 15-19 nearly repeat rows 0-4 (one word more), rows 7 and 9 are in the eval set."
    df = generated(22, failed=2)
    for i in range(5): df.loc[15 + i, "question"] = df.loc[i, "question"].replace("?", " please?")
    return df, [df.loc[7, "question"], df.loc[9, "question"].upper(), "Something else entirely?"]

def test_split_moves_leaks_drops_contamination_and_loses_nothing(tmp_path):
    df, evalq = planted()
    res = export_split(df, tmp_path/"b.jsonl", 0.3, "chat", eval_set=evalq)
    train, val = lines(tmp_path/"b.train.jsonl"), lines(tmp_path/"b.validation.jsonl")
    q = lambda part: {e["messages"][0]["content"] for e in part}
    assert res.counts == {"train": len(train), "validation": len(val)} and len(val) > 0
    assert sorted(res.contamination["row"]) == [7, 9] and res.dropped == 2
    assert len(train) + len(val) + res.dropped == 20                               # nothing lost
    assert q(train) | q(val) == set(df.question[:20]) - {df.question[7], df.question[9]}
    assert len(res.leaks) and set(res.leaks["validation_row"]) | set(res.leaks["train_row"]) <= {0, 1, 2, 3, 4, 15, 16, 17, 18, 19}
    for i in range(5):  # no near-copy pair is left across the split
        assert not ({df.question[i], df.question[15 + i]} & q(val) and {df.question[i], df.question[15 + i]} & q(train))
    assert res.moved == len(set(res.leaks["validation_row"]))
    assert "2 rows close to the evaluation set, 2 left out" in res.summary() and "moved to train" in res.summary()
    card = res.card.read_text()
    assert "| close to the evaluation set (left out) | 2 |" in card and f"| validation rows moved to train | {res.moved} |" in card

def test_split_can_only_report(tmp_path):
    df, evalq = planted()
    res = export_split(df, tmp_path/"b.jsonl", 0.3, "jsonl", eval_set=evalq, contaminated="report", leaks="report")
    val = {r["question"] for r in lines(tmp_path/"b.validation.jsonl")}
    assert sum(res.counts.values()) == 20 and res.dropped == 0 and res.moved == 0 and sorted(res.contamination["row"]) == [7, 9]
    assert len(res.leaks) and set(df.loc[res.leaks["validation_row"], "question"]) <= val   # reported, still in validation
    assert "kept (reported only)" in res.summary() and "reported only" in res.summary()

def test_eval_set_from_a_chat_file_or_a_frame(tmp_path):
    df, evalq = planted()
    ev = tmp_path/"eval.jsonl"
    ev.write_text("".join(json.dumps({"messages": [{"role": "user", "content": t}, {"role": "assistant", "content": "x"}]}) + "\n" for t in evalq))
    a = export_split(df, tmp_path/"a.csv", 0, eval_set=ev)
    b = export_split(df, tmp_path/"b.csv", 0, eval_set=pd.DataFrame({"prompt": evalq}), eval_field="prompt")
    assert a.counts == b.counts == {"all": 18} and a.dropped == b.dropped == 2
    assert len(pd.read_csv(tmp_path/"a.csv")) == 18
    with pytest.raises(ValueError, match="has no column 'nope'"): export_split(df, tmp_path/"c.csv", 0, eval_set=ev, eval_field="nope")

def test_result_reads_as_the_old_list_of_paths(tmp_path):
    res = export_split(generated(), tmp_path/"b.jsonl", 0.2)
    assert [p.name for p in res] == ["b.train.jsonl", "b.validation.jsonl"] and len(res) == 2 and res[1].name == "b.validation.jsonl"
    assert "ExportResult(18 rows (" in repr(res) and "<table>" in res._repr_html_()
    assert res.card == card_path(tmp_path/"b.jsonl") == tmp_path/"b.card.md"
    with pytest.raises(ExportError, match="use 'move'"): export_split(generated(), tmp_path/"b.jsonl", leaks="drop")
    with pytest.raises(ExportError, match="use 'drop'"): export_split(generated(), tmp_path/"b.jsonl", eval_set=["x"], contaminated="keep")

# ---------------------------------------------------------------- push_to_hub against a real server on 127.0.0.1

class HubServer:
    "A scripted stand-in for the Hub's upload API on 127.0.0.1: create repo, validate YAML, preupload, commit; or 401 to all."
    def __init__(self, refuse=False):
        self.requests, outer = [], self
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                outer.requests.append((self.command, self.path, dict(self.headers), body))
                status, data = outer.route(self.path, body)
                raw = json.dumps(data).encode()
                self.send_response(status); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw))); self.end_headers(); self.wfile.write(raw)
            do_GET = do_POST = do_PUT = answer
        self.refuse = refuse
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def route(self, path, body):
        if self.refuse: return 401, {"error": "Invalid credentials in Authorization header"}
        if path == "/api/repos/create": return 200, {"url": f"{self.url}/datasets/me/bakery", "name": "me/bakery"}
        if path == "/api/validate-yaml": return 200, {}
        if "/preupload/" in path:
            return 200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in json.loads(body)["files"]]}
        if "/commit/" in path: return 200, {"commitUrl": f"{self.url}/datasets/me/bakery/commit/{'a' * 40}", "commitOid": "a" * 40, "pullRequestUrl": None}
        return 404, {"error": f"no {path}"}

    def committed(self) -> dict:
        "path -> bytes of the files of the last commit."
        body = next(b for m, p, h, b in reversed(self.requests) if "/commit/" in p)
        ops = [json.loads(l) for l in body.decode().splitlines()]
        return {o["value"]["path"]: base64.b64decode(o["value"]["content"]) for o in ops if o["key"] == "file"}

    def __enter__(self): return self
    def __exit__(self, *a): self.httpd.shutdown(); self.httpd.server_close()

TOKEN = "hf_TestTokenThatMustNotBeWritten4711"

def _no_token_anywhere(*folders):
    from huggingface_hub import constants
    for f in (constants.HF_TOKEN_PATH, constants.HF_STORED_TOKENS_PATH):  # where huggingface_hub would keep a token
        assert not Path(f).exists() or TOKEN.encode() not in Path(f).read_bytes(), f
    for d in folders:
        for f in Path(d).rglob("*"):
            if f.is_file(): assert TOKEN.encode() not in f.read_bytes(), f

def test_push_to_hub_sends_the_token_and_uploads_rows_and_card(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path/"hf_home"))
    df = generated()
    train, val = df[:12], df[12:]
    card = dataset_card(df, spec=SPEC, license="apache-2.0")
    with HubServer() as hub:
        url = push_to_hub({"train": train, "validation": val}, "me/bakery", token=TOKEN, card=card, endpoint=hub.url)
    method, path, headers, body = hub.requests[0]
    assert (method, path) == ("POST", "/api/repos/create") and json.loads(body)["visibility"] == "private"
    assert all({k.lower(): v for k, v in h.items()}["authorization"] == f"Bearer {TOKEN}" for _, _, h, _ in hub.requests)
    files = hub.committed()
    assert url.endswith("/commit/" + "a" * 40)
    assert files["README.md"].decode() == card
    import io
    assert pd.read_parquet(io.BytesIO(files["data/train-00000-of-00001.parquet"]))["question"].tolist() == df.question[:12].tolist()
    assert len(pd.read_parquet(io.BytesIO(files["data/validation-00000-of-00001.parquet"]))) == 6   # the ok rows of 12-19
    assert TOKEN not in card
    _no_token_anywhere(tmp_path)

def test_push_to_hub_with_HF_ENDPOINT_and_a_card_made_from_the_rows(monkeypatch):
    with HubServer() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        push_to_hub(generated(), "me/bakery", token=TOKEN, private=False)
    assert json.loads(hub.requests[0][3])["visibility"] == "public"
    readme = hub.committed()["README.md"].decode()
    assert readme.startswith("---\npretty_name: synthetic data") and "| generated | 20 |" in readme and TOKEN not in readme

def test_push_to_hub_refused_token_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path/"hf_home"))
    with HubServer(refuse=True) as hub:
        with pytest.raises(ExportError) as e: push_to_hub(generated(), "me/bakery", token=TOKEN, endpoint=hub.url)
    msg = str(e.value)
    assert msg == f"the Hub at {hub.url} refused the token (401): use a token with write access to me/bakery"
    assert hub.requests and hub.requests[0][1] == "/api/repos/create"
    assert {k.lower(): v for k, v in hub.requests[0][2].items()}["authorization"] == f"Bearer {TOKEN}"
    assert e.value.__cause__ is None and e.value.__suppress_context__   # no traceback chain holding the request
    _no_token_anywhere(tmp_path)

def test_push_to_hub_unreachable_or_without_token(tmp_path):
    with pytest.raises(ExportError, match=r"^cannot reach the Hub at http://127\.0\.0\.1:9: ") as e:
        push_to_hub(generated(), "me/bakery", token=TOKEN, endpoint="http://127.0.0.1:9")
    assert "\n" not in str(e.value) and TOKEN not in str(e.value)
    with pytest.raises(ExportError, match="no Hub token"): push_to_hub(generated(), "me/bakery", token="")
