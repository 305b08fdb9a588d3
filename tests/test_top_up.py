"""Asking again for the records an answer lacked (cut off, fewer than asked, a record that does not parse), and a storm
of transient faults at 16 in flight with a `kill -9` half way and a second run: at most 2% of the records end failed,
nothing is lost or duplicated, no answer the cache holds is paid for twice, and the API key is in no file. Real HTTP
servers on 127.0.0.1 (tests/servers.py)."""
import json, os, random, signal, sqlite3, subprocess, sys, threading, time
import pandas as pd
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate, summary, failures, plan_requests
from servers import ScriptedServer, completion, records_answer

SPEC = PromptSpec.example("bakery")

def records_for(body, k=None):
    "The text of an answer with `k` of the records the request asks for (all when None), each naming the request's seed."
    recs = json.loads(records_answer(body, lambda i: {"question": f"Seed {body['seed']} question {i}?", "response": f"Answer {i}."}))
    recs = recs["records"] if isinstance(recs, dict) else recs
    recs = recs if k is None else recs[:k]
    return json.dumps({"records": recs} if body.get("response_format") else recs)

def cut_off(body):
    "An answer cut in the middle of its third record: two complete records, then half of one."
    recs = json.loads(records_for(body)); recs = recs["records"] if isinstance(recs, dict) else recs
    text = json.dumps(recs[:2])[:-1] + ', {"question": "Do you'
    return completion(text, "length")

def ep(srv, **kw): return Endpoint(srv.base_url, "scripted", **{"timeout": 5, "structured": "off", **kw})

def test_records_cut_off_are_asked_for_again_and_fill_their_places():
    def script(body, i):   # planned requests have seeds 0, 1, 2; asking again, seeds above a million
        return (200, cut_off(body)) if body["seed"] < 1_000_000 else (200, completion(records_for(body)))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 15, endpoint=ep(srv), cache=False, progress=False)
    s = summary(df)
    assert (s.requested, s.ok, s.failed) == (15, 15, 0) and s.requests == 6        # 3 planned, 3 asking for the 3 missing each
    again = df[df.top_up == 1]
    assert len(again) == 9 and (again.tries == 2).all() and again.earlier.str.contains("stops in the middle of a record|cut off").all()
    assert (df[df.top_up == 0].earlier == "").all()
    assert not df.duplicated(["request_id", "record"]).any() and sorted(df.record.unique()) == [0, 1, 2, 3, 4]
    # the three records asked again carry the same topic, and the request asked for exactly those missing
    topups = [b for b in srv.requests if b["seed"] >= 1_000_000]
    assert len(topups) == 3 and all("Write 3 new records" in b["messages"][-1]["content"] for b in topups)
    assert set(again.topic) == set(SPEC.topics)

def test_fewer_records_than_asked_are_asked_for_again_within_the_bound():
    # the server always writes one record, whatever is asked: two rounds of asking again, then the rest stay failed
    with ScriptedServer(lambda b, i: (200, completion(records_for(b, 1)))) as srv:
        df = generate(SPEC, 15, endpoint=ep(srv), cache=False, progress=False)
    s = summary(df)
    assert (s.requested, s.ok, s.failed, s.requests) == (15, 9, 6, 9) and len(srv.requests) == 9   # 3 topics × (5, then 4, then 3 asked)
    assert [b["messages"][-1]["content"].count("Write 3 new records") for b in srv.requests].count(1) == 3
    assert (failures(df).reason.str.contains("wrote 1 of the records")).all()
    assert (df.loc[df.status == "failed", "earlier"].str.count("wrote 1 of the records") == 2).all()   # three answers, three reasons
    assert df.top_up.max() == 2

def test_top_up_zero_asks_once():
    with ScriptedServer(lambda b, i: (200, cut_off(b))) as srv:
        df = generate(SPEC, 15, endpoint=ep(srv), cache=False, progress=False, top_up=0)
    s = summary(df)
    assert (s.ok, s.failed, s.requests) == (6, 9, 3) and len(srv.requests) == 3 and (df.top_up == 0).all()

def test_a_stopped_answer_that_says_nothing_useful_is_asked_for_again():
    calls = {}
    def script(body, i):
        calls[body["seed"]] = calls.get(body["seed"], 0) + 1
        if body["seed"] < 1_000_000: return (200, completion("I'm sorry, I can't help with that."))
        return (200, completion(records_for(body)))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 6, endpoint=ep(srv), cache=False, progress=False)
    assert (df.status == "ok").all() and df.earlier.str.contains("no JSON").all()
