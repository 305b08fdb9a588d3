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
    def script(body, i):  # the second request's answer is cut off: its records become failures
        if i == 2: return (200, completion('[{"question": "Cake on Friday?", "response": "Yes', "length"))
        return (200, completion(records_answer(body)))
    with ScriptedServer(script) as srv:
        r = synthnb("generate", BAKERY, "-n", "7", "-o", tmp_path/"out"/"bakery.jsonl", "--chat", tmp_path/"out"/"chat.jsonl",
                    "--base-url", srv.base_url, "--model", "scripted", "--no-cache")
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
