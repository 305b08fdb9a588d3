"""generate() against real HTTP servers on 127.0.0.1 that misbehave: every requested record ends ok or failed with a reason."""
import json, socket
import pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate, summary, failures
from servers import ScriptedServer, completion, records_answer

SPEC = PromptSpec.example("bakery")

def run(script, n=7, **ep_kw):
    with ScriptedServer(script) as srv:
        ep = Endpoint(srv.base_url, "scripted", timeout=5, **ep_kw)
        df = generate(SPEC, n, endpoint=ep, cache=False, progress=False)
    return df, srv

def check_books(df, n):
    s = summary(df)
    assert s.requested == n == s.ok + s.failed == len(df[df.status.isin(["ok", "failed"])])
    assert (df.loc[df.status == "failed", "reason"].str.len() > 0).all()
    return s

GARBAGE = {
    "html instead of JSON": lambda b, i: (200, b"<html><body>Bad gateway</body></html>"),
    "JSON without choices": lambda b, i: (200, {"id": "x", "object": "chat.completion", "choices": []}),
    "prose, no records":    lambda b, i: (200, completion("I'm sorry, I can't help with that.")),
    "empty content":        lambda b, i: (200, completion("")),
    "truncated JSON":       lambda b, i: (200, completion('[{"question": "Open Monday?", "response": "No."}, {"question": "Cake', "length")),
    "server error":         lambda b, i: (500, {"error": {"message": "boom"}}),
    "dropped connection":   lambda b, i: "drop",
    "invalid UTF-8":        lambda b, i: (200, b'{"choices": [{"message": {"content": "\xff\xfe caf\xe9"}}]}'),
}

@pytest.mark.parametrize("name", GARBAGE)
def test_garbage_never_loses_a_record(name):
    df, srv = run(GARBAGE[name])
    s = check_books(df, 7)
    assert len(srv.requests) >= 2  # both requests were tried
    if name == "truncated JSON":
        assert s.ok == s.requests  # the one complete record of each answer is kept
        assert failures(df)["reason"].str.contains("cut off").all()
    else:
        assert s.ok == 0

def test_good_answers_become_rows_with_provenance():
    df, srv = run(lambda b, i: (200, completion(records_answer(b))))
    s = check_books(df, 7)
    assert s.ok == 7 and set(df.topic) == set(SPEC.topics)
    assert df.loc[0, "mode"] == "json_schema" and df["spec_hash"].eq(SPEC.hash).all()
    assert srv.requests[0]["response_format"]["json_schema"]["schema"] == SPEC.json_schema(srv.requests[0]["response_format"]["json_schema"]["schema"]["properties"]["records"]["minItems"])

def test_server_without_json_schema_falls_back_to_text():
    def script(b, i):
        if "response_format" in b: return (400, {"error": {"message": "response_format json_schema is not supported"}})
        return (200, completion("Sure! ```json\n" + records_answer(b) + "\n```"))
    df, srv = run(script)
    s = check_books(df, 7)
    assert s.ok == 7 and (df["mode"] == "text").all()
    assert sum("response_format" in r for r in srv.requests) == 1  # refused once, remembered after

def test_extra_records_are_kept_apart():
    df, _ = run(lambda b, i: (200, completion(json.dumps([{"question": f"q{k}", "response": "r"} for k in range(9)]))), n=5)
    s = check_books(df, 5)
    assert s.ok == 5 and s.extra == 9*s.requests - 5

def test_unreachable_server_fails_every_record_with_the_reason():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0)); port = sock.getsockname()[1]
    df = generate(SPEC, 12, endpoint=Endpoint(f"http://127.0.0.1:{port}/v1", "m", timeout=2), cache=False, progress=False)
    check_books(df, 12)
    assert df["reason"].str.contains(f"cannot reach http://127.0.0.1:{port}/v1").all()

def test_api_key_is_sent_but_never_stored(tmp_path, monkeypatch, fresh_cache):
    from synthnb.export import export, export_chat_jsonl
    monkeypatch.setenv("SYNTHNB_TEST_KEY", "sk-very-secret-4242")
    with ScriptedServer(lambda b, i: (200, completion(records_answer(b)))) as srv:
        ep = Endpoint(srv.base_url, "scripted", api_key_env="SYNTHNB_TEST_KEY")
        df = generate(SPEC, 5, endpoint=ep, cache=fresh_cache, progress=False)
    assert {k.lower(): v for k, v in srv.headers[0].items()}["authorization"] == "Bearer sk-very-secret-4242"
    export(df, tmp_path/"rows.jsonl"); export(df, tmp_path/"rows.csv"); export_chat_jsonl(df, tmp_path/"chat.jsonl")
    for f in tmp_path.rglob("*"):
        if f.is_file(): assert b"sk-very-secret-4242" not in f.read_bytes(), f
    assert "sk-very-secret" not in df.to_csv() and "sk-very-secret" not in repr(ep)
