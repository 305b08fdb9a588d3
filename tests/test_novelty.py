"""Novelty as a run goes, against a real HTTP server on 127.0.0.1: a server whose answers start repeating themselves
makes the share of new rows fall, and `stop_below` stops the run; nothing is lost on the way."""
import json, subprocess, sys, os, time
from synthnb.embeddings import embed
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import Run, generate, summary, run_report
from synthnb.novelty import Watch
from servers import ScriptedServer, completion, records_answer

SPEC = PromptSpec(**{**PromptSpec.example("bakery").to_dict(), "topics": []})
TOPICS = ["sourdough", "parking", "card payments", "birthday candles", "coffee refills", "dog-friendly seating",
          "wedding cakes", "bulk orders", "student discounts", "loyalty cards", "vegan pastries", "gift vouchers",
          "baking classes", "catering for offices", "free wifi"]

def repeating_after(k):
    "Answers whose records are new for the first `k` requests, then the first request's records again and again."
    def script(body, i):
        time.sleep(0.25)   # an answer takes a while, as a model's does: novelty is measured beside the run
        j = i - 1 if i <= k else 0
        make = lambda r: {"question": f"Do you offer {TOPICS[(5*j + r) % len(TOPICS)]} at the bakery, and how does it work?",
                          "response": f"About {TOPICS[(5*j + r) % len(TOPICS)]}: please call 555-1234 and we will explain."}
        return (200, completion(records_answer(body, make)))
    return script

def test_the_share_of_new_rows_falls_when_answers_repeat_and_the_run_stops():
    embed(["the embedding model, loaded before the run"])
    with ScriptedServer(repeating_after(3)) as srv:
        ep = Endpoint(srv.base_url, "scripted", concurrency=1, structured="off")
        run = Run(SPEC, 100, ep, cache=False, watch=Watch(SPEC, stop_below=0.3))
        df = run.wait(progress=False)
    s = summary(df)
    assert s.requested == 100 == s.ok + s.failed
    shares = run.watch.novelty.shares
    assert all(new >= 4 for _, new, _ in shares[:3]) and all(new == 0 for _, new, _ in shares[3:])
    assert 6 <= len(shares) <= 10 and len(srv.requests) < 20          # stopped soon after three requests of nothing new
    assert run.fatal.startswith("only 0% of the rows of the last 3 requests were new")
    unsent = df[df.reason.str.startswith("not sent:")]
    assert len(unsent) > 40 and unsent.reason.str.contains("below 30%").all()

def test_novelty_shows_in_the_report_and_changes_no_row():
    with ScriptedServer(repeating_after(3)) as srv:   # a server of its own for each run: the answers follow the call number
        plain = generate(SPEC, 20, endpoint=Endpoint(srv.base_url, "scripted", concurrency=1, structured="off"), cache=False, progress=False)
    with ScriptedServer(repeating_after(3)) as srv:
        run = Run(SPEC, 20, Endpoint(srv.base_url, "scripted", concurrency=1, structured="off"), cache=False, watch=Watch(SPEC))
        watched = run.wait(progress=False)
    assert watched.drop(columns="seconds").equals(plain.drop(columns="seconds"))
    share = run.watch.novelty.share()   # the first three requests' rows, 15 of 20 at most
    assert 0.6 <= share <= 0.75 and f"{share:.0%} of the ok rows new" in run_report(run)

def test_a_bad_threshold_is_one_line_in_the_cli(tmp_path):
    spec = tmp_path/"s.yaml"; SPEC.to_yaml(spec)
    r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "synthnb"), "generate", spec, "-n", "5", "--stop-below", "3",
                        "--base-url", "http://127.0.0.1:9/v1", "--model", "m"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr and "stop_below is 3.0; it must be a share between 0 and 1" in r.stderr
