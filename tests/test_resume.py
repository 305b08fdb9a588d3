"""Resuming an interrupted run: a run killed with kill -9 half way (in a separate process, against a slow server on
127.0.0.1), then run again, sends only the requests whose answers were not in the cache, and ends with every record
once; `synthnb generate` stopped with Ctrl-C writes the rows that arrived and the failures that say why, and resumes.
Requests of each run are told apart by the API key they carry (the key is never part of the cache key)."""
import json, os, signal, sqlite3, subprocess, sys, time
import pytest
import pandas as pd
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate, summary
from synthnb.cache import RequestCache
from servers import ScriptedServer, completion, records_answer

SYNTHNB = os.path.join(os.path.dirname(sys.executable), "synthnb")
PLAIN = PromptSpec(**{**PromptSpec.example("bakery").to_dict(), "topics": []})   # no topics: n records in n/5 requests
KEY_ENV = "SYNTHNB_RESUME_TEST_KEY"

DRIVER = f"""
import sys
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate
from synthnb.cache import RequestCache
base_url, cache_path, out = sys.argv[1:4]
spec = PromptSpec(**{{**PromptSpec.example("bakery").to_dict(), "topics": []}})
ep = Endpoint(base_url, "scripted", api_key_env={KEY_ENV!r}, concurrency=4, timeout=10)
df = generate(spec, 500, endpoint=ep, cache=RequestCache(cache_path), progress=False)
df.to_json(out, orient="records", lines=True)   # never reached: the run is killed half way
"""

def slow_server(delay=0.15):
    """A server that answers every request after `delay` s with records naming the request's seed and the call number,
    so every record of a run is different and an answer sent again is told apart from the first one."""
    contents = {}   # call number -> the answer's content
    def script(body, i):
        time.sleep(delay)
        contents[i] = records_answer(body, lambda k: {"question": f"Seed {body['seed']} question {k} (call {i})?",
                                                      "response": f"Answer {k} of call {i}."})
        return (200, completion(contents[i]))
    srv = ScriptedServer(script)
    srv.contents = contents
    return srv

def sent_with_key(srv, key) -> dict:
    "call number -> request body, for the requests that carried API key `key`."
    return {i: b for i, (b, h) in enumerate(zip(srv.requests, srv.headers), 1)
            if {k.lower(): v for k, v in h.items()}.get("authorization") == f"Bearer {key}"}

def wait_for(cond, proc, timeout=60, what="the condition"):
    end = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, f"the run ended (rc {proc.returncode}) before {what}"
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.005)

def cached_answers(path) -> dict:
    """Read the cache database as another process finds it: it must be intact; returns draw -> the stored answer text."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT key, request, answer FROM answers").fetchall()
    finally: db.close()
    out = {}
    for key, request, answer in rows:
        req = json.loads(request)
        assert "messages" not in req and req["seed"] == req["draw"]   # base seed 0: request i has seed i
        assert req["draw"] not in out
        out[req["draw"]] = json.loads(answer)["text"]
    return out

def questions_of(content) -> list:
    d = json.loads(content)
    return [r["question"] for r in (d["records"] if isinstance(d, dict) else d)]

def check_complete(df, n_requests, per=5):
    "Every record of every request once, ok, and no question twice."
    assert len(df) == n_requests * per and (df.status == "ok").all()
    assert set(zip(df.request_id, df.record)) == {(r, k) for r in range(n_requests) for k in range(per)}
    assert not df.duplicated(["request_id", "record"]).any() and not df.question.duplicated().any()
    assert (df.seed == df.request_id).all()

def test_a_run_killed_half_way_resumes_without_sending_completed_requests_again(tmp_path, monkeypatch):
    cache_path, err = tmp_path/"requests.sqlite", open(tmp_path/"driver.err", "w")
    (tmp_path/"driver.py").write_text(DRIVER)
    with slow_server() as srv:
        proc = subprocess.Popen([sys.executable, tmp_path/"driver.py", srv.base_url, cache_path, tmp_path/"never.jsonl"],
                                env={**os.environ, "SYNTHNB_CACHE_DIR": str(tmp_path), KEY_ENV: "first-run"},
                                stdout=subprocess.DEVNULL, stderr=err)
        try: wait_for(lambda: len(srv.answered) >= 50, proc, what="half of the 100 requests were answered")
        finally:
            os.kill(proc.pid, signal.SIGKILL); proc.wait(30); err.close()
        assert proc.returncode == -signal.SIGKILL and not (tmp_path/"never.jsonl").exists()

        stored = cached_answers(cache_path)
        completed = set(stored)
        first = sent_with_key(srv, "first-run")
        first_seeds = [b["seed"] for b in first.values()]
        assert len(first_seeds) == len(set(first_seeds)) < 100            # nothing sent twice, and not all were sent
        assert 0 < len(completed) < 100 and completed <= set(first_seeds)
        # each stored answer is the one the server gave that request in the first run
        for draw, text in stored.items():
            assert any(first[i]["seed"] == draw and srv.contents[i] == text for i in first), draw

        monkeypatch.setenv(KEY_ENV, "second-run")
        ep = Endpoint(srv.base_url, "scripted", api_key_env=KEY_ENV, concurrency=4, timeout=10)
        df = generate(PLAIN, 500, endpoint=ep, cache=RequestCache(cache_path), progress=False)
        second = sent_with_key(srv, "second-run")

    # the second run sent exactly the requests whose answers were not stored (those in flight at the kill included)
    second_seeds = [b["seed"] for b in second.values()]
    assert len(second_seeds) == len(set(second_seeds)) == 100 - len(completed)
    assert set(second_seeds) == set(range(100)) - completed
    assert len(first) + len(second) == len(srv.requests)                  # no request of a third kind
    s = summary(df)
    assert (s.requested, s.ok, s.failed, s.extra, s.requests, s.cached) == (500, 500, 0, 0, 100, len(completed))
    check_complete(df, 100)
    assert set(df.loc[df.cached, "request_id"]) == completed
    # rows from the cache are the first run's answers; the others are the second run's
    second_by_seed = {b["seed"]: i for i, b in second.items()}
    for rid, rows in df.groupby("request_id"):
        expected = stored[rid] if rid in completed else srv.contents[second_by_seed[rid]]
        assert rows.sort_values("record").question.tolist() == questions_of(expected), rid
    print(f"\nkill -9 after {len(srv.answered)} answers: {len(completed)} requests stored, "
          f"{len(first)} sent by the first run, {len(second)} by the second")


N_CLI = 400   # 80 requests; the command's default concurrency for a server on this machine is 16

def start_cli(tmp_path, srv, key, name):
    "Start `synthnb generate` as a user runs it (cache in tmp_path/cache, output in NAME.out and NAME.err)."
    spec = tmp_path/"plain.yaml"
    if not spec.exists(): PLAIN.to_yaml(spec)
    return subprocess.Popen([SYNTHNB, "generate", spec, "-n", str(N_CLI), "-o", tmp_path/"out.jsonl", "--base-url", srv.base_url,
                             "--model", "scripted"], cwd=tmp_path, stdout=open(tmp_path/f"{name}.out", "w"), stderr=open(tmp_path/f"{name}.err", "w"),
                            env={**os.environ, "SYNTHNB_CACHE_DIR": str(tmp_path/"cache"), "OPENAI_API_KEY": key})

def finish(proc, tmp_path, name, timeout=60):
    "Wait for the command to end; its exit code, stdout and stderr."
    try: rc = proc.wait(timeout)
    except subprocess.TimeoutExpired: proc.kill(); proc.wait(); raise AssertionError(f"synthnb did not end within {timeout} s")
    return rc, (tmp_path/f"{name}.out").read_text(), (tmp_path/f"{name}.err").read_text()

def ctrl_c_half_way(tmp_path, srv):
    "Run the command, press Ctrl-C once about half of its requests were answered; its exit code, stdout and stderr."
    proc = start_cli(tmp_path, srv, "first-run", "first")
    try: wait_for(lambda: len(srv.answered) >= 30, proc, what="about half of the 80 requests were answered")
    except BaseException: proc.kill(); proc.wait(); raise
    proc.send_signal(signal.SIGINT)
    return finish(proc, tmp_path, "first")

def test_cli_stopped_with_ctrl_c_writes_what_arrived_and_the_failures(tmp_path):
    out, fails_path = tmp_path/"out.jsonl", tmp_path/"out.failures.jsonl"
    with slow_server() as srv:
        rc, stdout, stderr = ctrl_c_half_way(tmp_path, srv)
        first = sent_with_key(srv, "first-run")
    # stopped on purpose: 0 or 1 (rows or none) or 130 (the usual code after Ctrl-C), but never an escaped KeyboardInterrupt
    assert rc in (0, 1, 130) and "Traceback" not in stderr and "synthnb: interrupted" not in stderr, (rc, stdout, stderr)
    assert "stopping: keeping the rows that arrived" in stdout
    assert out.exists() and fails_path.exists(), stdout
    rows, fails = pd.read_json(out, lines=True), pd.read_json(fails_path, lines=True)
    assert 0 < len(rows) < N_CLI and len(rows) + len(fails) == N_CLI   # every requested record is accounted for
    assert f"{N_CLI} requested = {len(rows)} ok + {len(fails)} failed" in stdout
    assert f"wrote {out}" in stdout and f"wrote {fails_path}" in stdout
    assert set(fails.reason) <= {"stopped before the answer arrived", "not sent: stopped"} and "not sent: stopped" in set(fails.reason)
    assert not rows.question.duplicated().any() and not pd.concat([rows, fails]).duplicated(["request_id", "record"]).any()
    stored = cached_answers(tmp_path/"cache"/"requests.sqlite")
    assert set(rows.request_id) == set(stored) and set(fails.request_id).isdisjoint(stored)   # every stored answer was written
    assert set(stored) <= {b["seed"] for b in first.values()}

def test_cli_stopped_with_ctrl_c_resumes_without_sending_stored_requests_again(tmp_path):
    out = tmp_path/"out.jsonl"
    with slow_server() as srv:
        rc, stdout, stderr = ctrl_c_half_way(tmp_path, srv)
        assert rc in (0, 1, 130) and "Traceback" not in stderr, (rc, stdout, stderr)
        before = pd.read_json(out, lines=True) if out.exists() else None
        stored = cached_answers(tmp_path/"cache"/"requests.sqlite")
        first = sent_with_key(srv, "first-run")
        assert 0 < len(stored) < N_CLI // 5 and set(stored) <= {b["seed"] for b in first.values()}

        rc, stdout, stderr = finish(start_cli(tmp_path, srv, "second-run", "second"), tmp_path, "second")
        second = sent_with_key(srv, "second-run")
    assert rc == 0 and "Traceback" not in stderr, (rc, stdout, stderr)
    assert f"{N_CLI} requested = {N_CLI} ok + 0 failed" in stdout and f"{N_CLI // 5} requests, {len(stored)} from the cache" in stdout
    second_seeds = [b["seed"] for b in second.values()]
    assert len(second_seeds) == len(set(second_seeds)) and set(second_seeds) == set(range(N_CLI // 5)) - set(stored)
    again = pd.read_json(out, lines=True)
    check_complete(again, N_CLI // 5)
    assert set(again.loc[again.cached, "request_id"]) == set(stored)
    for rid, rows in again[again.cached].groupby("request_id"):          # rows from the cache are the first run's answers
        assert rows.sort_values("record").question.tolist() == questions_of(stored[rid]), rid
    if before is not None:                                               # the rows written after Ctrl-C are kept as they were
        kept = again.merge(before, on=["request_id", "record"], suffixes=("", "_before"))
        assert len(kept) == len(before) and (kept.question == kept.question_before).all()
