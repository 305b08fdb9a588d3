"""The quality report end to end: on rows a real run produced (through a real HTTP server), from the command line,
and its LLM judge against a scripted server and against the embedded model."""
import json, os, re, subprocess, sys
import pandas as pd
import pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate, summary
from synthnb.quality import quality, FLAG_KINDS
from synthnb.facts import judge_facts, JUDGE_VERDICTS
from synthnb.files import read_rows
from synthnb.report import save_report
from servers import ScriptedServer, completion, records_answer

SPEC = PromptSpec.example("bakery")
SYNTHNB = os.path.join(os.path.dirname(sys.executable), "synthnb")
ROWS = [("When do you close on Saturdays?", "We close at 6pm on Saturdays; we open at 7am."),
        ("How much is a cinnamon roll?", "Cinnamon rolls are $5 each and come out on Saturdays."),
        ("Are you open on Mondays?", "Yes, we're open on Mondays from 7am to 6pm."),
        ("Do you have nut-free cakes?", "Yes, we have nut-free options every day, but our kitchen handles nuts."),
        ("Can I order a wedding cake?", "Yes! Custom cakes need 48 hours' notice. Email hello@sunrisebakery.example to start.")]

def _rows(): return pd.DataFrame(ROWS, columns=["question", "response"]).assign(status="ok", topic="daily specials")

def test_report_on_a_real_run_keeps_every_requested_record(fresh_cache):
    "Rows from generate() against a real HTTP server, with failures: the report counts every record and flags only good rows."
    def script(body, i):
        if i == 2: return 200, completion("Sorry, I can't help with that.")  # a whole request fails to parse
        return 200, completion(records_answer(body, lambda k: {"question": f"Do you sell cinnamon rolls, batch {i}?",
                                                                "response": f"Yes, cinnamon rolls are ${4 + k} on Saturdays."}))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 15, endpoint=Endpoint(srv.base_url, "scripted"), cache=fresh_cache, progress=False, top_up=0)  # not asked again: it stays failed
    s, r = summary(df), quality(df, SPEC)
    assert r.counts["rows"] == s.requested == 15 and r.counts["failed"] == s.failed == 5 and r.counts["ok"] == 10
    assert set(r.flags["row"]) <= set(df.index[df.status == "ok"])
    assert list(r.rows.index) == list(df.index[df.status == "ok"])
    prices = r.flagged("wrong_price")
    wrong = df.loc[prices["row"], "response"]
    assert wrong.str.contains(r"\$(?:4|5|6|7|8)\b").all() and len(prices) == (~df.loc[df.status == "ok", "response"].str.contains(r"\$3\.50")).sum()
    assert r.failures["rows"].sum() == 5
    assert r.topic_coverage["requested"].sum() == 10

def test_cli_report_writes_offline_html_with_failures(tmp_path):
    rows = _rows(); rows.to_json(tmp_path/"rows.jsonl", orient="records", lines=True)
    pd.DataFrame([{"status": "failed", "reason": "the answer was not JSON", "raw": "oops"}]).to_json(tmp_path/"rows.failures.jsonl", orient="records", lines=True)
    out = tmp_path/"report.html"
    p = subprocess.run([SYNTHNB, "report", str(tmp_path/"rows.jsonl"), "--spec", str(SPEC_FILE), "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "5 good of 6" in p.stdout and "wrote" in p.stdout
    page = out.read_text()
    assert not re.search(r"<script[^>]*\bsrc=", page) and page.count("plotly-graph-div") >= 5
    for name in ("wrong price", "wrong day"): assert name in page  # flags by name (`flag_name`); the codes stay in report.flags
    assert "the answer was not JSON" in page  # failures are counted and shown

SPEC_FILE = __import__("pathlib").Path(__file__).parents[1]/"synthnb"/"specs"/"bakery.yaml"

@pytest.mark.parametrize("args, message", [
    (["missing.jsonl"], "no file"),
    (["bad.jsonl"], "is not valid JSONL"),
    (["rows.jsonl", "-o", "report.pdf"], "name it .html"),
    (["other.jsonl"], "has no question, response column"),
])
def test_cli_report_bad_input_is_one_line(tmp_path, args, message):
    _rows().to_json(tmp_path/"rows.jsonl", orient="records", lines=True)
    (tmp_path/"bad.jsonl").write_text('{"question": "x"\n')
    pd.DataFrame({"text": ["hello"]}).to_json(tmp_path/"other.jsonl", orient="records", lines=True)
    argv = [SYNTHNB, "report", str(tmp_path/args[0]), "--spec", str(SPEC_FILE)] + (["-o", str(tmp_path/args[2])] if len(args) > 1 else ["-o", str(tmp_path/"r.html")])
    p = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2 and message in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr

def test_judge_keeps_every_verdict_and_marks_opinions(tmp_path, monkeypatch):
    "Against a real HTTP server: readable verdicts become 'model' flags; unreadable and failed answers are kept, not dropped."
    monkeypatch.setenv("JUDGE_TEST_KEY", "sk-judge-secret-123")
    def script(body, i):
        text = body["messages"][-1]["content"].split("Record:")[1]  # the row, not the fact sheet
        if "$5" in text: return 200, completion(json.dumps({"verdict": "contradicts", "claim": "$5", "reason": "the sheet says $3.50"}))
        if "Mondays from" in text: return 200, completion("I am not sure what you mean.")
        if "nut-free" in text: return 400, {"error": {"message": "bad request"}}
        return 200, completion(json.dumps({"verdict": "ok", "claim": "", "reason": "agrees"}))
    with ScriptedServer(script) as srv:
        ep = Endpoint(srv.base_url, "scripted", api_key_env="JUDGE_TEST_KEY")
        flags, judged = judge_facts(_rows(), SPEC, ep, rows=10)
        r = quality(_rows(), SPEC, judge=ep)
        assert all({k.lower(): v for k, v in h.items()}.get("authorization") == "Bearer sk-judge-secret-123" for h in srv.headers)
    assert len(judged) == 5 and set(judged["row"]) == set(range(5))
    by_row = judged.set_index("row")["verdict"]
    assert by_row[1] == "contradicts" and by_row[2] == "unread" and by_row[3] == "unread" and by_row[0] == "ok"
    assert judged.loc[judged.row == 2, "raw"].item() == "I am not sure what you mean."
    assert "bad request" in judged.loc[judged.row == 3, "reason"].item()
    assert flags[["row", "kind", "source"]].values.tolist() == [[1, "judge", "judge"]]
    assert flags["reason"].str.startswith("the model's opinion").all()
    assert r.judged is not None and len(r.flagged("judge")) == 1
    page = save_report(r, tmp_path/"r.html").read_text()
    assert "sk-judge-secret-123" not in page and srv.base_url not in page

@pytest.mark.model
def test_judge_on_the_embedded_model():
    "The default judge really runs: every sampled row gets a verdict (or 'unread' with the model's raw answer)."
    flags, judged = judge_facts(_rows(), SPEC, rows=3)
    assert len(judged) == 3
    assert judged["verdict"].isin(list(JUDGE_VERDICTS) + ["unread"]).all()
    assert (judged["raw"].str.len() > 0).all(), judged
    assert set(flags["row"]) <= set(judged.loc[judged.verdict.isin(["contradicts", "unsupported"]), "row"])
    assert (flags["source"] == "judge").all() and set(flags["kind"]) <= {"judge"}

def test_read_rows_csv_and_parquet_round_trip(tmp_path):
    rows = _rows()
    rows.to_csv(tmp_path/"r.csv", index=False); rows.to_parquet(tmp_path/"r.parquet")
    for name in ("r.csv", "r.parquet"):
        back = read_rows(tmp_path/name)
        assert back[["question", "response"]].equals(rows[["question", "response"]])
        assert set(quality(back, SPEC).flags["kind"]) <= set(FLAG_KINDS)
