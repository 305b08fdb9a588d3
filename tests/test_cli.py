"""The `synthnb` command as a user runs it: real processes, one-line errors, files written."""
import json, os, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from servers import ScriptedServer, completion, records_answer

SYNTHNB = os.path.join(os.path.dirname(sys.executable), "synthnb")
BAKERY = Path(__file__).parents[1]/"nbs"/"specs"/"bakery.yaml"

def synthnb(*args, cwd=None, env=None):
    return subprocess.run([SYNTHNB, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, **(env or {})})

def test_spec_new_then_show(tmp_path):
    r = synthnb("spec", "new", "helpdesk", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path/"helpdesk.yaml").exists()
    r = synthnb("spec", "show", "helpdesk.yaml", "-n", "3", cwd=tmp_path)
    assert r.returncode == 0 and "=== user ===" in r.stdout and "Write 3 new records" in r.stdout

@pytest.mark.parametrize("content,args,message", [
    (None, ["spec", "show", "missing.yaml"], "spec file missing.yaml not found"),
    ("instruction: [unclosed\n", ["spec", "show", "s.yaml"], "is not valid YAML"),
    ("instruction: hi\nexamples: [{q: a}]\ntopic: [x]\n", ["spec", "show", "s.yaml"], "unknown setting 'topic'"),
    ("instruction: ''\nexamples: [{q: a}]\n", ["spec", "show", "s.yaml"], "the instruction is empty"),
    ("instruction: hi\nexamples: [{q: a}]\n", ["generate", "s.yaml", "-n", "0", "-o", "o.jsonl"], "n is 0"),
    ("instruction: hi\nexamples: [{q: a}]\n", ["generate", "s.yaml", "-o", "o.txt", "--base-url", "http://127.0.0.1:9/v1"], "cannot tell the export format"),
])
def test_errors_are_one_line(tmp_path, content, args, message):
    if content is not None: (tmp_path/"s.yaml").write_text(content)
    r = synthnb(*args, cwd=tmp_path)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("synthnb: error:") and message in lines[0], lines[0]

def test_generate_writes_records_failures_and_chat(tmp_path):
    def script(body, i):  # the second request's answer is cut off: with no asking again, its records become failures
        if i == 2: return (200, completion('[{"question": "Cake on Friday?", "response": "Yes', "length"))
        return (200, completion(records_answer(body)))
    with ScriptedServer(script) as srv:
        r = synthnb("generate", BAKERY, "-n", "7", "-o", tmp_path/"out"/"bakery.jsonl", "--chat", tmp_path/"out"/"chat.jsonl",
                    "--base-url", srv.base_url, "--model", "scripted", "--no-cache", "--top-up", "0")
    assert r.returncode == 0, r.stderr
    rows = pd.read_json(tmp_path/"out"/"bakery.jsonl", lines=True)
    fails = pd.read_json(tmp_path/"out"/"bakery.failures.jsonl", lines=True)
    chat = [json.loads(l) for l in (tmp_path/"out"/"chat.jsonl").read_text().splitlines()]
    assert len(rows) + len(fails) == 7 and len(fails) >= 1 and len(chat) == len(rows)
    assert fails["reason"].str.contains("cut off").all() and fails["raw"].str.contains("Cake on Friday").all()
    assert f"7 requested = {len(rows)} ok + {len(fails)} failed" in r.stdout and "wrote " in r.stdout

def test_generate_against_a_dead_server_fails_cleanly(tmp_path):
    r = synthnb("generate", BAKERY, "-n", "3", "-o", tmp_path/"o.jsonl", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--no-cache", "--quiet")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "3 requested = 0 ok + 3 failed" in r.stdout
    fails = pd.read_json(tmp_path/"o.failures.jsonl", lines=True)
    assert len(fails) == 3 and fails["reason"].str.contains("cannot reach").all()

def test_generate_splits_keeps_an_eval_set_out_and_writes_a_card(tmp_path):
    import itertools
    topics = ["specials", "cakes", "allergies", "hours", "parking", "delivery", "prices", "payment", "breads", "coffee"]
    counter = itertools.count()
    def make(i):
        k = next(counter)
        return {"question": f"Question number {k} about {topics[k % 10]} and {topics[(k * 3 + 1) % 10]}?", "response": f"Answer {k}."}
    pd.DataFrame({"query": ["Question number 4 about parking and hours?", "Something nobody asked?"]}).to_csv(tmp_path/"eval.csv", index=False)
    with ScriptedServer(lambda body, i: (200, completion(records_answer(body, make)))) as srv:
        r = synthnb("generate", BAKERY, "-n", "20", "-o", tmp_path/"out"/"bakery.json", "--format", "alpaca", "--validation", "0.2",
                    "--eval-set", tmp_path/"eval.csv", "--license", "apache-2.0", "--base-url", srv.base_url, "--model", "scripted",
                    "--api-key-env", "SYNTHNB_TEST_KEY", "--no-cache", "--quiet", env={"SYNTHNB_TEST_KEY": "sk-cli-secret-123"})
    assert r.returncode == 0, r.stderr
    train = json.loads((tmp_path/"out"/"bakery.train.json").read_text())
    val = json.loads((tmp_path/"out"/"bakery.validation.json").read_text())
    assert set(train[0]) == {"instruction", "input", "output"} and len(val) >= 1
    questions = [x["instruction"] for x in train + val]
    assert len(questions) == 19 and "Question number 4 about parking and hours?" not in questions   # the eval question is left out
    card = (tmp_path/"out"/"bakery.card.md").read_text()
    assert "license: apache-2.0" in card and "bakery" in card and "close to the evaluation set" in card
    assert all("sk-cli-secret-123" not in p.read_text(errors="replace") for p in (tmp_path/"out").iterdir())
    assert "wrote" in r.stdout and "bakery.card.md" in r.stdout

def test_generate_refuses_an_unknown_format_before_asking(tmp_path):
    r = synthnb("generate", BAKERY, "-n", "2", "-o", tmp_path/"x.txt", "--base-url", "http://127.0.0.1:9/v1", "--model", "m")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "cannot tell the export format" in r.stderr

def test_generate_without_o_writes_out_spec_name(tmp_path):
    with ScriptedServer(lambda body, i: (200, completion(records_answer(body)))) as srv:
        r = synthnb("generate", BAKERY, "-n", "3", "--base-url", srv.base_url, "--model", "scripted", "--no-cache", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(pd.read_json(tmp_path/"out"/"bakery.jsonl", lines=True)) == 3
    assert "wrote out/bakery.jsonl" in r.stdout.splitlines()

def _unwritable(tmp_path, case):
    "The options of a case whose output cannot be written, and what the error must say."
    (tmp_path/"folder.jsonl").mkdir(); (tmp_path/"afile").write_text("x"); (tmp_path/"o.train.jsonl").mkdir()
    return {"proc": (["-o", "/proc/x/o.jsonl"], "cannot write /proc/x/o.jsonl: No such file or directory; choose another -o"),
            "folder": (["-o", tmp_path/"folder.jsonl"], "folder.jsonl: it is a folder; choose another -o"),
            "under a file": (["-o", tmp_path/"afile"/"o.jsonl"], "a file stands where its folder should be; choose another -o"),
            "chat": (["-o", tmp_path/"o.jsonl", "--chat", "/proc/x/c.jsonl"], "cannot write /proc/x/c.jsonl: No such file or directory; choose another --chat"),
            "split": (["-o", tmp_path/"o.jsonl", "--validation", "0.2"], "o.train.jsonl: it is a folder; choose another -o"),
           }[case]

@pytest.mark.parametrize("case", ["proc", "folder", "under a file", "chat", "split"])
def test_generate_checks_its_outputs_before_any_request(tmp_path, case):
    args, message = _unwritable(tmp_path, case)
    with ScriptedServer(lambda body, i: (200, completion(records_answer(body)))) as srv:
        r = synthnb("generate", BAKERY, "-n", "3", *args, "--base-url", srv.base_url, "--model", "scripted", "--no-cache")
        assert srv.requests == []
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("synthnb: error: ") and message in lines[0], lines

@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_generate_refuses_a_read_only_folder(tmp_path):
    (tmp_path/"ro").mkdir(); (tmp_path/"ro").chmod(0o500)
    try:
        with ScriptedServer(lambda body, i: (200, completion(records_answer(body)))) as srv:
            r = synthnb("generate", BAKERY, "-n", "3", "-o", tmp_path/"ro"/"o.jsonl", "--base-url", srv.base_url, "--model", "scripted", "--no-cache")
            assert srv.requests == []
    finally: (tmp_path/"ro").chmod(0o700)
    assert r.returncode == 2 and "Permission denied; choose another -o" in r.stderr

def test_other_commands_check_their_outputs_first(tmp_path):
    rows = tmp_path/"rows.jsonl"
    pd.DataFrame({"question": ["Open Mondays?"], "response": ["Yes."], "status": ["ok"]}).to_json(rows, orient="records", lines=True)
    pd.DataFrame({"query": ["Are you open?"]}).to_csv(tmp_path/"real.csv", index=False)
    with ScriptedServer(lambda body, i: (200, completion('{"verdict": "good"}'))) as srv:
        for args in (["report", rows, "--spec", BAKERY, "-o", "/proc/x/r.html", "--judge", "1", "--base-url", srv.base_url, "--model", "m"],
                     ["eval", rows, "--real", tmp_path/"real.csv", "-o", "/proc/x/e.html"],
                     ["batch", "write", BAKERY, "-n", "3", "-o", "/proc/x/b.jsonl", "--model", "m"],
                     ["batch", "import", BAKERY, tmp_path/"results.jsonl", "-n", "3", "-o", "/proc/x/o.jsonl"],
                     ["batch", "download", "batch_1", "-o", "/proc/x", "--base-url", srv.base_url],
                     ["spec", "new", "shop", "-o", "/proc/x/shop.yaml"]):
            r = synthnb(*args, cwd=tmp_path)
            assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
            assert "synthnb: error: cannot write /proc/x" in r.stderr and "choose another -o" in r.stderr, (args, r.stderr)
        assert srv.requests == []

def test_progress_in_a_log_is_a_line_every_few_seconds(tmp_path):
    import re, time
    def slow(body, i): time.sleep(1.5); return (200, completion(records_answer(body)))
    with ScriptedServer(slow) as srv:   # 4 requests one after the other: about 6 s
        t0 = time.monotonic()
        r = synthnb("generate", BAKERY, "-n", "20", "-o", tmp_path/"o.jsonl", "--base-url", srv.base_url, "--model", "scripted",
                    "--concurrency", "1", "--no-cache")
        seconds = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    lines = [l for l in re.split(r"[\r\n]+", r.stderr) if l.strip()]   # tqdm redraws with \r: each redraw counts
    assert seconds > 5 and 1 <= len(lines) <= seconds / 5 + 1, lines
    assert all("records" in l and "/20" in l for l in lines), lines
