"""The engine against real HTTP servers on 127.0.0.1 that inject faults: 429 with Retry-After, 5xx, answers slower than
the timeout, dropped connections, truncated JSON, empty choices, invalid UTF-8. Every record ends ok or failed with a
reason, requested == ok + failed, nothing is duplicated, and the run finishes."""
import json, random, threading, time
import pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import Run, generate, stream, summary, failures, plan_requests
from synthnb.cache import RequestCache
from servers import ScriptedServer, completion, records_answer

SPEC = PromptSpec.example("bakery")
PLAIN = PromptSpec(**{**SPEC.to_dict(), "topics": []})   # no topics: n records in n/5 requests

def unique_answer(body):
    "A good answer whose records name the request's seed, so every record of a run is different."
    return completion(records_answer(body, lambda i: {"question": f"Seed {body.get('seed')} question {i}?", "response": f"Answer {i}."}))

def check_books(df, n):
    "requested == ok + failed, every failure has a reason, no record twice."
    s = summary(df)
    assert s.requested == n == s.ok + s.failed
    assert (df.loc[df.status == "failed", "reason"].str.len() > 0).all()
    assert not df.duplicated(["request_id", "record"]).any()
    ok = df[df.status == "ok"]
    assert not ok.duplicated("question").any()
    return s

def ep_for(srv, **kw): return Endpoint(srv.base_url, "scripted", **{"timeout": 5, **kw})

def test_429_retry_after_is_honoured_and_pauses_every_request():
    state = {"limited_at": None}
    def script(body, i):
        if i == 3:
            state["limited_at"] = time.monotonic()
            return (429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": "1"})
        time.sleep(0.05)
        return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 40, endpoint=ep_for(srv, concurrency=4), cache=False, progress=False)
    s = check_books(df, 40)
    assert s.ok == 40 and s.retries == 1
    assert df.loc[df.tries == 2, "request_id"].nunique() == 1
    t = state["limited_at"]
    # after the 429, no new request went out until the server's second had passed (only those already in flight)
    sent_in_pause = [a for a in srv.arrived if t + 0.1 < a < t + 0.95]
    assert sent_in_pause == []

@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(status):
    failed_once = set()
    def script(body, i):
        if body["seed"] not in failed_once:
            failed_once.add(body["seed"]); return (status, {"error": {"message": "try later"}})
        return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 12, endpoint=ep_for(srv), cache=False, progress=False)
    s = check_books(df, 12)
    assert s.ok == 12 and (df.tries == 2).all()
    assert len(srv.requests) == 2 * s.requests

def test_an_error_that_never_ends_fails_its_records_with_the_reason():
    with ScriptedServer(lambda b, i: (503, {"error": {"message": "overloaded"}})) as srv:
        df = generate(SPEC, 6, endpoint=ep_for(srv, retries=2), cache=False, progress=False)
    s = check_books(df, 6)
    assert s.failed == 6
    assert failures(df)["reason"].str.contains("server answered 503").all()
    assert failures(df)["reason"].str.contains("gave up after 3 tries").all()
    assert len(srv.requests) == 3 * s.requests

def test_answers_slower_than_the_timeout_are_retried_then_given_up():
    slow_once = set()
    def script(body, i):
        if body["seed"] not in slow_once or body["seed"] == 0:
            slow_once.add(body["seed"]); time.sleep(1.5)
        return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 9, endpoint=ep_for(srv, timeout=0.5, retries=1), cache=False, progress=False)
    s = check_books(df, 9)
    first = df[df.request_id == 0]
    assert (first.status == "failed").all() and first.reason.str.contains(r"no answer within 0.5 s \(timeout\)").all()
    assert s.ok == 9 - len(first) and (df.loc[df.status == "ok", "tries"] == 2).all()

def test_a_dropped_connection_is_retried():
    dropped = set()
    def script(body, i):
        if body["seed"] not in dropped: dropped.add(body["seed"]); return "drop"
        return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 9, endpoint=ep_for(srv), cache=False, progress=False)
    assert check_books(df, 9).ok == 9

FAULTS = [
    lambda b: (429, {"error": {"message": "slow down"}}, {"Retry-After": "0.2"}),
    lambda b: (500, {"error": {"message": "boom"}}),
    lambda b: (503, b"Service Unavailable"),
    lambda b: "drop",
    lambda b: (200, completion(f'[{{"question": "Open Monday {b["seed"]}?", "response": "No."}}, {{"question": "Cake', "length")),
    lambda b: (200, {"id": "x", "object": "chat.completion", "choices": []}),
    lambda b: (200, b'{"choices": [{"message": {"content": "\xff\xfe caf\xe9"}}]}'),
    lambda b: (200, completion("I'm sorry, I can't help with that.")),
    lambda b: time.sleep(1.0) or (200, unique_answer(b)),   # slower than the timeout
]

def test_a_storm_of_faults_loses_and_duplicates_nothing():
    rng, lock = random.Random(7), threading.Lock()
    def script(body, i):
        with lock: roll = rng.random(); fault = rng.choice(FAULTS)
        if roll < 0.45: return fault(body)
        time.sleep(rng.random() * 0.02)
        return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        df = generate(SPEC, 200, endpoint=ep_for(srv, concurrency=16, timeout=0.5, retries=3), cache=False, progress=False)
    s = check_books(df, 200)
    plan = plan_requests(SPEC, 200)
    assert s.ok > 100 and s.requests > len(plan)   # records an answer lacked were asked for again
    counted = df[df.status.isin(["ok", "failed"])].groupby("request_id").size().to_dict()
    assert counted == {r.request_id: r.n for r in plan}

def test_concurrency_is_the_endpoints_and_never_more():
    def script(body, i): time.sleep(0.2); return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        check_books(generate(SPEC, 60, endpoint=ep_for(srv, concurrency=4), cache=False, progress=False), 60)
        assert srv.max_in_flight == 4
    with ScriptedServer(script) as srv:
        check_books(generate(SPEC, 60, endpoint=ep_for(srv, concurrency=1), cache=False, progress=False), 60)
        assert srv.max_in_flight == 1

def test_requests_per_minute_limit_makes_requests_wait():
    with ScriptedServer(lambda b, i: (200, unique_answer(b))) as srv:
        run = Run(PLAIN, 5 * 24, endpoint=ep_for(srv, rpm=120, concurrency=8), cache=False)   # 2 a second, a bucket of 20
        df = run.wait(progress=False)
    check_books(df, 120)
    assert run.engine.limiter.waited > 1.0   # 24 requests, 20 at once: 4 wait half a second each
    assert srv.arrived[-1] - srv.arrived[0] > 1.5

def test_tokens_per_minute_limit_counts_the_answer_budget():
    with ScriptedServer(lambda b, i: (200, unique_answer(b))) as srv:
        ep = ep_for(srv, tpm=30_000)          # a bucket of 5,000 tokens; each request reserves its prompt and max_tokens
        run = Run(PLAIN, 30, endpoint=ep, cache=False)
        run.wait(progress=False)
    assert run.engine.limiter.waited > 0 and summary(run.df).ok == 30

def test_rows_stream_in_while_the_run_goes_on():
    gate = threading.Event()
    def script(body, i):
        if i > 2: gate.wait(10)
        return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        run = stream(PLAIN, 25, endpoint=ep_for(srv, concurrency=2), cache=False)
        batches = iter(run)
        first = next(batches)
        assert not run.done and len(first) == 5 and (first.status == "ok").all()
        gate.set()
        rest = list(batches)
    assert len(rest) == 4 and run.done
    check_books(run.df, 25)

def test_stop_keeps_what_arrived_and_the_same_call_resumes(tmp_path):
    cache = RequestCache(tmp_path/"cache.sqlite")
    release = threading.Event()
    def script(body, i):
        if i > 4: release.wait(10)
        return (200, unique_answer(body))
    with ScriptedServer(script) as srv:
        ep = ep_for(srv, concurrency=2)
        run = stream(PLAIN, 50, endpoint=ep, cache=cache)
        while run.counts["done"] < 20: time.sleep(0.01)
        run.stop(); release.set()
        while not run.done: time.sleep(0.01)
        df = run.df
        s = check_books(df, 50)
        assert s.ok >= 20 and s.failed > 0
        reasons = set(failures(df).reason)
        assert reasons <= {"stopped before the answer arrived", "not sent: stopped"} and "not sent: stopped" in reasons
        sent_before = len(srv.requests)
        again = generate(PLAIN, 50, endpoint=ep, cache=cache, progress=False)
    s2 = check_books(again, 50)
    assert s2.ok == 50 and s2.cached == s.ok // 5
    assert len(srv.requests) - sent_before == 10 - s2.cached    # only the requests that had not arrived were sent
    assert again.loc[again.status == "ok", "question"].tolist()[:s.ok] == df.loc[df.status == "ok", "question"].tolist()[:s.ok]

def test_a_server_that_refuses_json_schema_is_asked_once_even_with_many_in_flight():
    def script(b, i):
        if "response_format" in b: return (400, {"error": {"message": "response_format json_schema is not supported"}})
        time.sleep(0.05)
        return (200, completion(records_answer(b)))
    with ScriptedServer(script) as srv:
        df = generate(PLAIN, 80, endpoint=ep_for(srv, concurrency=16), cache=False, progress=False)
    assert summary(df).ok == 80 and (df["mode"] == "text").all()
    assert sum("response_format" in r for r in srv.requests) == 1
    assert srv.max_in_flight > 1

def test_cache_hits_are_counted_a_changed_spec_is_a_new_key_and_refresh_asks_again(tmp_path):
    cache = RequestCache(tmp_path/"cache.sqlite")
    with ScriptedServer(lambda b, i: (200, unique_answer(b))) as srv:
        ep = ep_for(srv)
        first = generate(PLAIN, 10, endpoint=ep, cache=cache, progress=False)
        assert summary(first).cached == 0 and len(srv.requests) == 2
        again = generate(PLAIN, 10, endpoint=ep, cache=cache, progress=False)
        assert summary(again).cached == 2 and again.cached.all() and len(srv.requests) == 2
        assert again.question.tolist() == first.question.tolist()
        changed = PromptSpec(**{**PLAIN.to_dict(), "instruction": PLAIN.instruction + " Keep answers short."})
        other = generate(changed, 10, endpoint=ep, cache=cache, progress=False)
        assert summary(other).cached == 0 and len(srv.requests) == 4
        fresh = generate(PLAIN, 10, endpoint=ep, cache=cache, refresh=True, progress=False)
        assert summary(fresh).cached == 0 and len(srv.requests) == 6
        assert generate(PLAIN, 15, endpoint=ep, cache=cache, progress=False).cached.sum() == 10  # a longer run reuses the first requests
    keys = [json.loads(r)["seed"] for (r,) in cache._db.execute("SELECT request FROM answers")]
    assert len(keys) == len(set(zip(keys, range(len(keys)))))

def test_usage_and_cost_are_counted_from_the_responses():
    with ScriptedServer(lambda b, i: (200, unique_answer(b))) as srv:
        ep = Endpoint(srv.base_url.replace("127.0.0.1", "localhost"), "gpt-4o-mini", timeout=5)
        run = Run(PLAIN, 10, endpoint=ep, cache=False)
        run.wait(progress=False)
    assert run.engine.usage.tokens == 2 * 30       # the server says 10 prompt + 20 answer tokens a request
    assert summary(run.df).tokens == 60
    assert run.engine.usage.cost == 0.0            # a server on this machine costs nothing
