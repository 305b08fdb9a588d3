"""Record and replay through a real HTTP server on 127.0.0.1: recording keeps every answer the embedded model gives a run,
replaying gives the same rows with nothing sent and says so in the provenance; a request the recording lacks stops the
run with one line; the recording holds no key and no prompt."""
import json, os
import pytest
from servers import ScriptedServer, completion, records_answer
from synthnb.endpoints import Endpoint
from synthnb.generate import Run, generate, summary
from synthnb.local import EMBEDDED_IDENTITY
from synthnb.replay import NotRecorded, Recording, _open, active_recording, replay_endpoint
from synthnb.spec import PromptSpec

@pytest.fixture
def env(monkeypatch, tmp_path):
    for k in ("SYNTHNB_RECORD", "SYNTHNB_REPLAY", "SYNTHNB_BASE_URL", "IN_TEST"): monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("SYNTHNB_CACHE_DIR", str(tmp_path/"cache"))
    _open.clear()
    yield monkeypatch
    _open.clear()

def _as_embedded(server):
    "An endpoint to a scripted server that the engine takes for the embedded model (what recording keys on)."
    return Endpoint(server.base_url, replay_endpoint().model, api_key_env="SYNTHNB_TEST_KEY", identity=EMBEDDED_IDENTITY)

def test_record_then_replay_gives_the_same_rows_without_sending(env, tmp_path):
    spec, path = PromptSpec.example("bakery"), tmp_path/"replay.jsonl"
    env.setenv("SYNTHNB_TEST_KEY", "sk-secret-never-stored")
    with ScriptedServer(lambda body, i: (200, completion(records_answer(body)))) as server:
        env.setenv("SYNTHNB_RECORD", str(path))
        live = generate(spec, 6, endpoint=_as_embedded(server), cache=False, progress=False)
        sent = len(server.requests)
        assert sent == live["request_id"].nunique() and not live["replayed"].any()
        text = path.read_text()
        assert len(text.splitlines()) == sent
        assert "sk-secret" not in text and "Sunrise" not in text   # no key; the prompt is in the key, not in the file
        env.delenv("SYNTHNB_RECORD"); env.setenv("SYNTHNB_REPLAY", str(path)); _open.clear()
        again = generate(spec, 6, cache=False, progress=False)      # no endpoint: the embedded model, replayed
        assert len(server.requests) == sent                         # nothing sent
    assert again["question"].tolist() == live["question"].tolist()
    assert again["replayed"].all() and again["cached"].all()
    s = summary(again)
    assert s.replayed == s.requests and "replayed from a recording" in str(s)

def test_a_request_missing_from_the_recording_stops_the_run_with_one_line(env, tmp_path):
    path = tmp_path/"replay.jsonl"; path.write_text("")
    env.setenv("SYNTHNB_REPLAY", str(path))
    run = Run(PromptSpec.example("bakery"), 3, cache=False)
    with pytest.raises(NotRecorded, match="make record"): run.wait(progress=False)
    assert len(run.df) == 3 and (run.df["status"] == "failed").all()   # every record still a row

def test_under_nbdev_test_the_recording_beside_the_notebook_is_replayed(env, tmp_path):
    (tmp_path/"replay.jsonl").write_text(json.dumps({"key": "k", "request": {}, "answer": {"text": "[]", "mode": "text"}}) + "\n")
    (tmp_path/"pyproject.toml").write_text("")
    (tmp_path/"tutorials").mkdir()
    env.chdir(tmp_path/"tutorials"); env.setenv("IN_TEST", "1")
    rec = active_recording()
    assert isinstance(rec, Recording) and not rec.record and rec.get("k")["text"] == "[]"
    env.setenv("SYNTHNB_REPLAY", "off"); assert active_recording() is None
    env.delenv("SYNTHNB_REPLAY"); env.delenv("IN_TEST"); assert active_recording() is None   # a user's session: the live model

def test_other_servers_are_never_replayed(env, tmp_path):
    path = tmp_path/"replay.jsonl"; path.write_text("")
    env.setenv("SYNTHNB_REPLAY", str(path))
    with ScriptedServer(lambda body, i: (200, completion(records_answer(body)))) as server:
        df = generate(PromptSpec.example("bakery"), 3, endpoint=Endpoint(server.base_url, "m"), cache=False, progress=False)
        assert len(server.requests) == df["request_id"].nunique() and not df["replayed"].any()
