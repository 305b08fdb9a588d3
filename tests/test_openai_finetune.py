"""OpenAI fine-tuning (synthnb.openai_finetune) against a scripted fine-tuning API on 127.0.0.1: the file checked before
any upload, the bytes uploaded as they are, the job created with what was asked, statuses followed to the tuned
model, failures in one line, and the key (read from the environment only) in no result, message, output, log or file."""
import json, logging, re, threading, time, traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import pytest
from synthnb.files import SynthnbError, error_line
from synthnb.openai_finetune import (FineTuneError, FineTuneJob, check_fine_tune_file, start_fine_tune, fine_tune_status,
                                     wait_for_fine_tune, cancel_fine_tune, MIN_EXAMPLES)

KEY_ENV = "SYNTHNB_TEST_FT_KEY"
KEY = "sk-test-finetune-Zq81xWv0key"
MODEL = "gpt-4o-mini-2024-07-18"
SUCCEEDS = ["validating_files", "queued", "running", "running", "succeeded"]
FAILS = ["validating_files", "queued", "running", "failed"]
JOB_ERROR = {"code": "invalid_training_file", "message": "Line 7: the assistant's answer is over the token limit.", "param": "training_file"}

def multipart_parts(content_type:str, data:bytes) -> dict:
    "name -> (filename or None, bytes) of a multipart/form-data body."
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)[1].encode()
    chunks = data.split(b"--" + boundary)
    assert chunks[-1].strip() == b"--", "the body must end with the closing boundary"
    parts = {}
    for chunk in chunks[1:-1]:
        head, _, value = chunk[2:-2].partition(b"\r\n\r\n")
        disp = next(l for l in head.decode().split("\r\n") if l.lower().startswith("content-disposition"))
        fn = re.search(r'filename="([^"]*)"', disp)
        parts[re.search(r'\bname="([^"]*)"', disp)[1]] = (fn[1] if fn else None, value)
    return parts

class FineTuneAPI:
    """OpenAI's Files and fine-tuning endpoints on 127.0.0.1. A job created with suffix "fail" follows FAILS, any other
    SUCCEEDS, one step per retrieval. `answer(method, path)` may return (status, body) to answer a request otherwise.
    Records each request as (method, path, headers, body bytes)."""
    def __init__(self, answer=lambda method, path: None):
        self.answer, self.files, self.jobs, self.seen, self.lock = answer, {}, {}, [], threading.Lock()
        outer = self
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = b""
                    while (size := int(self.rfile.readline().split(b";")[0], 16)):
                        out += self.rfile.read(size); self.rfile.readline()
                    self.rfile.readline(); return out
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))
            def one(self, method):
                data = self.body() if method == "POST" else b""
                with outer.lock: outer.seen.append((method, self.path, dict(self.headers), data))
                try: status, payload = outer.answer(method, self.path) or outer.route(method, self.path, self.headers, data)
                except Exception as e: status, payload = 500, {"error": {"message": f"fake server: {type(e).__name__}: {e}"}}
                out = json.dumps(payload).encode()
                self.send_response(status); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
            def do_POST(self): self.one("POST")
            def do_GET(self): self.one("GET")
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self): self.httpd.shutdown(); self.httpd.server_close()
    def __enter__(self): return self
    def __exit__(self, *a): self.close()

    def public(self, j): return {k: v for k, v in j.items() if not k.startswith("_")}

    def route(self, method, path, headers, data):
        with self.lock:
            if (method, path) == ("POST", "/v1/files"):
                parts = multipart_parts(headers["Content-Type"], data)
                fid = f"file-{len(self.files) + 1}"
                self.files[fid] = {"id": fid, "object": "file", "bytes": len(parts["file"][1]), "created_at": 1735000000,
                                   "filename": parts["file"][0], "purpose": parts["purpose"][1].decode(), "status": "processed", "_data": parts["file"][1]}
                return 200, self.public(self.files[fid])
            if (method, path) == ("POST", "/v1/fine_tuning/jobs"):
                b, jid = json.loads(data), f"ftjob-{len(self.jobs) + 1}"
                if b.get("training_file") not in self.files: return 400, {"error": {"message": f"invalid training_file: {b.get('training_file')}", "type": "invalid_request_error"}}
                self.jobs[jid] = {"id": jid, "object": "fine_tuning.job", "model": b["model"], "created_at": 1735000000, "status": "validating_files",
                                  "training_file": b["training_file"], "validation_file": b.get("validation_file"), "fine_tuned_model": None,
                                  "trained_tokens": None, "error": None, "finished_at": None, "organization_id": "org-1", "result_files": [],
                                  "seed": b.get("seed", 42), "hyperparameters": {"n_epochs": "auto"},
                                  "_body": b, "_script": FAILS if b.get("suffix") == "fail" else SUCCEEDS, "_step": 0}
                return 200, self.public(self.jobs[jid])
            if m := re.fullmatch(r"/v1/fine_tuning/jobs/([\w-]+)(/events|/cancel)?(\?.*)?", path):
                if m[1] not in self.jobs: return 404, {"error": {"message": f"No fine-tuning job found for id {m[1]}", "type": "invalid_request_error"}}
                j = self.jobs[m[1]]
                if m[2] == "/cancel" and method == "POST": j["status"] = "cancelled"; return 200, self.public(j)
                if m[2] == "/events":
                    limit = int(re.search(r"limit=(\d+)", m[3] or "limit=20")[1])
                    evs = [{"object": "fine_tuning.job.event", "id": f"ev-{i}", "created_at": 1735000000 + i, "level": "info",
                            "message": f"now {s}", "type": "message"} for i, s in enumerate(j["_script"][:j["_step"] + 1])]
                    return 200, {"object": "list", "data": evs[::-1][:limit], "has_more": len(evs) > limit}
                if j["status"] != "cancelled":
                    j["_step"] = min(j["_step"] + 1, len(j["_script"]) - 1)
                    j["status"] = j["_script"][j["_step"]]
                    if j["status"] == "succeeded": j.update(fine_tuned_model=f"ft:{j['model']}:org-1:{j['_body'].get('suffix', '')}:{m[1]}", trained_tokens=12840)
                    if j["status"] == "failed": j["error"] = JOB_ERROR
                return 200, self.public(j)
            return 404, {"error": {"message": f"no route {method} {path}"}}

    def auth(self): return [{k.lower(): v for k, v in h.items()}.get("authorization") for _, _, h, _ in self.seen]

def example(i, system=True):
    return {"messages": ([{"role": "system", "content": "You are the assistant of Sunrise Bakery."}] if system else []) +
                        [{"role": "user", "content": f"Do you bake rye on day {i}?"}, {"role": "assistant", "content": f"Yes, at 7am on day {i}."}]}

def write_jsonl(path, lines):
    Path(path).write_text("".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines), encoding="utf-8"); return Path(path)

@pytest.fixture
def api():
    with FineTuneAPI() as srv: yield srv

@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY); return KEY

@pytest.fixture
def train(tmp_path): return write_jsonl(tmp_path/"bakery.train.jsonl", [example(i) for i in range(12)])

def kw(api): return dict(base_url=api.base_url, key_env=KEY_ENV)

# ---------------------------------------------------------------- the file

def test_check_counts_examples_messages_and_rough_tokens(train):
    chars = sum(len(m["content"]) for i in range(12) for m in example(i)["messages"])
    assert check_fine_tune_file(train) == {"examples": 12, "messages": 36, "tokens": chars // 4}

def test_check_skips_blank_lines_and_takes_exported_files(tmp_path):
    import pandas as pd
    from synthnb.export import export
    df = pd.DataFrame({"question": [f"Q{i}?" for i in range(10)], "response": [f"A{i}." for i in range(10)], "status": "ok"})
    p = export(df, tmp_path/"train.jsonl", fmt="chat", system="Be brief.")
    assert check_fine_tune_file(p)["examples"] == 10
    p.write_text(p.read_text().replace("\n", "\n\n", 3))
    assert check_fine_tune_file(p)["examples"] == 10

BAD_LINES = [
    ("{'messages': []}", "is not JSON"),
    ({"prompt": "x", "completion": "y"}, "it has no messages"),
    ({"messages": "hello"}, "it has no messages"),
    ({"messages": [{"role": "user", "content": "Hi?"}, {"role": "bot", "content": "Hello."}]}, "role 'bot'"),
    ({"messages": [{"role": "user", "content": "Hi?"}]}, "it ends with the user, not the assistant"),
    ({"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "  "}]}, "the assistant message is empty"),
    ({"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": 3}]}, "the assistant message is not text"),
    ({"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant"}]}, "the assistant message is missing"),
]

@pytest.mark.parametrize("line,words", BAD_LINES)
def test_a_bad_line_is_named_before_anything_is_sent(api, key, tmp_path, line, words):
    p = write_jsonl(tmp_path/"t.jsonl", [example(i) for i in range(11)] + [line] + [example(99)])
    with pytest.raises(FineTuneError) as e: start_fine_tune(p, MODEL, **kw(api))
    msg = str(e.value)
    assert msg.startswith(f"{p} line 12") and words in msg and "\n" not in msg
    assert api.seen == []

def test_too_few_examples_and_a_missing_file(api, key, tmp_path):
    p = write_jsonl(tmp_path/"t.jsonl", [example(i) for i in range(MIN_EXAMPLES - 1)])
    with pytest.raises(FineTuneError, match=r"has 9 examples; OpenAI needs at least 10: export more rows"): start_fine_tune(p, MODEL, **kw(api))
    with pytest.raises(FineTuneError, match=r"no file .*nope.jsonl: export the rows first"): start_fine_tune(tmp_path/"nope.jsonl", MODEL, **kw(api))
    good = write_jsonl(tmp_path/"g.jsonl", [example(i) for i in range(10)])
    with pytest.raises(FineTuneError, match=r"v.jsonl line 1"):   # the validation file is checked too
        start_fine_tune(good, MODEL, validation_file=write_jsonl(tmp_path/"v.jsonl", [{"messages": []}]), **kw(api))
    assert api.seen == []

# ---------------------------------------------------------------- the key

def test_a_missing_key_stops_every_call_before_any_request(api, train, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    for call in (lambda: start_fine_tune(train, MODEL, **kw(api)), lambda: fine_tune_status("ftjob-1", **kw(api)),
                 lambda: wait_for_fine_tune("ftjob-1", poll_seconds=0, **kw(api)), lambda: cancel_fine_tune("ftjob-1", **kw(api))):
        with pytest.raises(FineTuneError) as e: call()
        assert str(e.value) == f"no API key in ${KEY_ENV}: set {KEY_ENV} to your OpenAI API key (it is read from the environment only)"
    monkeypatch.setenv(KEY_ENV, "")
    with pytest.raises(FineTuneError, match="no API key"): fine_tune_status("ftjob-1", **kw(api))
    assert api.seen == []

def test_the_default_variable_is_openai_api_key(api, train, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    job = start_fine_tune(train, MODEL, base_url=api.base_url)
    assert job.id == "ftjob-1" and set(api.auth()) == {f"Bearer {KEY}"}
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(FineTuneError, match=r"set OPENAI_API_KEY"): fine_tune_status(job.id, base_url=api.base_url)

def test_the_functions_take_no_key_argument():
    import inspect
    for f in (start_fine_tune, fine_tune_status, wait_for_fine_tune, cancel_fine_tune):
        assert not {"api_key", "key"} & set(inspect.signature(f).parameters), f.__name__

# ---------------------------------------------------------------- start, status, wait, cancel

def test_start_uploads_the_file_as_it_is_and_creates_the_job(api, key, train, tmp_path):
    val = write_jsonl(tmp_path/"bakery.validation.jsonl", [example(i, system=False) for i in range(10)])
    job = start_fine_tune(train, MODEL, validation_file=val, suffix="bakery", epochs=3, seed=7, **kw(api))
    assert isinstance(job, FineTuneJob)
    assert (job.id, job.model, job.status, job.training_file, job.validation_file, job.fine_tuned_model) == \
           ("ftjob-1", MODEL, "validating_files", "file-1", "file-2", None)
    f1, f2 = api.files["file-1"], api.files["file-2"]
    assert f1["_data"] == train.read_bytes() and f1["filename"] == "bakery.train.jsonl" and f1["purpose"] == "fine-tune"
    assert f2["_data"] == val.read_bytes() and f2["purpose"] == "fine-tune"
    body = api.jobs["ftjob-1"]["_body"]
    assert body["model"] == MODEL and body["training_file"] == "file-1" and body["validation_file"] == "file-2"
    assert body["suffix"] == "bakery" and body["seed"] == 7
    assert body["method"] == {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}}
    assert [(m, p) for m, p, _, _ in api.seen] == [("POST", "/v1/files"), ("POST", "/v1/files"), ("POST", "/v1/fine_tuning/jobs")]
    assert set(api.auth()) == {f"Bearer {key}"}

def test_start_sends_only_what_was_given(api, key, train):
    start_fine_tune(train, MODEL, **kw(api))
    assert api.jobs["ftjob-1"]["_body"] == {"model": MODEL, "training_file": "file-1"}

def test_wait_follows_the_statuses_to_the_tuned_model(api, key, train):
    job = start_fine_tune(train, MODEL, suffix="bakery", **kw(api))
    lines = []
    done = wait_for_fine_tune(job.id, poll_seconds=0, progress=lines.append, **kw(api))
    assert done.status == "succeeded" and done.fine_tuned_model == f"ft:{MODEL}:org-1:bakery:ftjob-1" and done.trained_tokens == 12840
    assert lines == ["ftjob-1 queued: now queued", "ftjob-1 running: now running", "ftjob-1 succeeded: now succeeded"]  # a line per change only
    retrievals = [p for m, p, _, _ in api.seen if m == "GET" and p == "/v1/fine_tuning/jobs/ftjob-1"]
    assert len(retrievals) == 4
    assert done.events == ["now validating_files", "now queued", "now running", "now running", "now succeeded"]

def test_wait_prints_by_default(api, key, train, capsys):
    job = start_fine_tune(train, MODEL, **kw(api))
    wait_for_fine_tune(job.id, poll_seconds=0, **kw(api))
    assert capsys.readouterr().out.splitlines()[-1] == "ftjob-1 succeeded: now succeeded"
    wait_for_fine_tune(job.id, poll_seconds=0, progress=None, **kw(api))
    assert capsys.readouterr().out == ""

def test_status_reads_the_job_and_its_latest_events_oldest_first(api, key, train):
    job = start_fine_tune(train, MODEL, **kw(api))
    st = fine_tune_status(job.id, **kw(api))
    assert (st.status, st.events) == ("queued", ["now validating_files", "now queued"])
    st = fine_tune_status(job.id, events=1, **kw(api))
    assert (st.status, st.events) == ("running", ["now running"])
    assert fine_tune_status(job.id, events=0, **kw(api)).events == []
    assert repr(st) == f"FineTuneJob(ftjob-1, {MODEL}, running)" and "\n" not in repr(st)

def test_a_failed_job_raises_one_line_with_the_servers_error(api, key, train):
    job = start_fine_tune(train, MODEL, suffix="fail", **kw(api))
    with pytest.raises(FineTuneError) as e: wait_for_fine_tune(job.id, poll_seconds=0, progress=None, **kw(api))
    assert str(e.value) == f"fine-tuning job ftjob-1 failed: {JOB_ERROR['message']}"
    st = fine_tune_status(job.id, **kw(api))
    assert st.error == JOB_ERROR["message"] and repr(st) == f"FineTuneJob(ftjob-1, {MODEL}, failed: {JOB_ERROR['message']})"

def test_cancel(api, key, train):
    job = start_fine_tune(train, MODEL, **kw(api))
    c = cancel_fine_tune(job.id, **kw(api))
    assert c.status == "cancelled" and ("POST", "/v1/fine_tuning/jobs/ftjob-1/cancel") in [(m, p) for m, p, _, _ in api.seen]
    with pytest.raises(FineTuneError, match=r"fine-tuning job ftjob-1 was cancelled: start another"): wait_for_fine_tune(job.id, poll_seconds=0, **kw(api))

def test_wait_gives_up_after_its_timeout(api, key, train):
    job = start_fine_tune(train, MODEL, **kw(api))
    t0 = time.monotonic()
    with pytest.raises(FineTuneError, match=r"fine-tuning job ftjob-1 is still \w+ after 0.2 s: wait again with wait_for_fine_tune\('ftjob-1'\)"):
        wait_for_fine_tune(job.id, poll_seconds=0.5, timeout=0.2, progress=None, **kw(api))
    assert time.monotonic() - t0 < 5

# ---------------------------------------------------------------- server errors, one line each

def one_line(e):
    msg = str(e.value)
    assert isinstance(e.value, SynthnbError) and "\n" not in msg and error_line(e.value) == msg
    return msg

def test_an_unknown_job(api, key):
    with pytest.raises(FineTuneError) as e: fine_tune_status("ftjob-nope", **kw(api))
    assert one_line(e) == f"{api.base_url} has no fine-tuning job 'ftjob-nope': check the id start_fine_tune returned (404)"
    with pytest.raises(FineTuneError, match="no fine-tuning job 'ftjob-nope'"): cancel_fine_tune("ftjob-nope", **kw(api))

def test_a_refused_key(key, train):
    # OpenAI's 401 quotes part of the key; a careless server might quote all of it
    with FineTuneAPI(lambda m, p: (401, {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_request_error", "code": "invalid_api_key"}})) as api:
        with pytest.raises(FineTuneError) as e: start_fine_tune(train, MODEL, **kw(api))
    assert one_line(e) == f"{api.base_url} refused the API key in ${KEY_ENV} (401): set {KEY_ENV} to a valid key"
    assert KEY not in "".join(traceback.format_exception(e.value))

def test_a_server_error_keeps_its_words_without_the_key(key, train):
    def answer(m, p):
        if p == "/v1/fine_tuning/jobs": return 400, {"error": {"message": f"model {MODEL!r} cannot be fine-tuned by Bearer {KEY}", "type": "invalid_request_error"}}
    with FineTuneAPI(answer) as api:
        with pytest.raises(FineTuneError) as e: start_fine_tune(train, MODEL, **kw(api))
    assert one_line(e) == f"{api.base_url} answered 400: model {MODEL!r} cannot be fine-tuned by Bearer ***"
    assert KEY not in "".join(traceback.format_exception(e.value))

def test_a_server_that_is_not_there(key):
    with pytest.raises(FineTuneError) as e: fine_tune_status("ftjob-1", base_url="http://127.0.0.1:9/v1", key_env=KEY_ENV)
    assert one_line(e) == "cannot reach http://127.0.0.1:9/v1: is the server running and base_url right?"

def test_a_server_with_no_fine_tuning_api(key, train):
    with FineTuneAPI(lambda m, p: (404, {"error": {"message": "Not Found"}})) as api:
        with pytest.raises(FineTuneError) as e: start_fine_tune(train, MODEL, **kw(api))
    assert one_line(e) == f"{api.base_url} has no fine-tuning API here: check base_url (404)"

# ---------------------------------------------------------------- the key, nowhere

def test_the_key_appears_in_no_result_message_output_log_or_file(api, key, train, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    seen = []
    def error(f):
        with pytest.raises(FineTuneError) as e: f()
        return [str(e.value), repr(e.value), "".join(traceback.format_exception(e.value))]
    job = start_fine_tune(train, MODEL, validation_file=train, suffix="bakery", epochs=2, **kw(api))
    st = fine_tune_status(job.id, **kw(api))
    done = wait_for_fine_tune(job.id, poll_seconds=0, **kw(api))
    failing = start_fine_tune(train, MODEL, suffix="fail", **kw(api))
    other = start_fine_tune(train, MODEL, **kw(api))
    seen += [repr(j) + j._repr_markdown_() + str(vars(j)) for j in (job, st, done, failing, cancel_fine_tune(other.id, **kw(api)))]
    seen += error(lambda: wait_for_fine_tune(failing.id, poll_seconds=0, **kw(api)))
    seen += error(lambda: fine_tune_status("ftjob-nope", **kw(api)))
    seen += error(lambda: fine_tune_status("ftjob-1", base_url="http://127.0.0.1:9/v1", key_env=KEY_ENV))
    out = capsys.readouterr()
    seen += [out.out, out.err, caplog.text]
    assert "ftjob-1 succeeded" in out.out and caplog.records   # there was output and logging to look at
    assert not [s for s in seen if KEY in s]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and not [p for p in files if KEY.encode() in p.read_bytes()]
    assert set(api.auth()) == {f"Bearer {KEY}"}   # yet every request carried it

def test_a_server_that_echoes_the_key_in_a_job_or_its_events(key, train):
    def answer(m, p):
        if p.startswith("/v1/fine_tuning/jobs/ftjob-1/events"):
            return 200, {"object": "list", "has_more": False, "data": [{"object": "fine_tuning.job.event", "id": "ev-1", "created_at": 1,
                         "level": "error", "message": f"caller Bearer {KEY} is over quota", "type": "message"}]}
        if m == "GET" and p == "/v1/fine_tuning/jobs/ftjob-1":
            return 200, {"id": "ftjob-1", "object": "fine_tuning.job", "model": MODEL, "created_at": 1, "status": "failed", "training_file": "file-1",
                         "validation_file": None, "fine_tuned_model": None, "trained_tokens": None, "finished_at": 2, "organization_id": "org-1",
                         "result_files": [], "seed": 1, "hyperparameters": {"n_epochs": 1}, "error": {"code": "quota", "message": f"key {KEY} is over quota", "param": None}}
    lines = []
    with FineTuneAPI(answer) as api:
        st = fine_tune_status("ftjob-1", **kw(api))
        with pytest.raises(FineTuneError) as e: wait_for_fine_tune("ftjob-1", poll_seconds=0, progress=lines.append, **kw(api))
    assert st.error == "key *** is over quota" and st.events == ["caller Bearer *** is over quota"]
    assert one_line(e) == "fine-tuning job ftjob-1 failed: key *** is over quota" and lines == ["ftjob-1 failed: caller Bearer *** is over quota"]
    assert KEY not in repr(st) + st._repr_markdown_()

# ---------------------------------------------------------------- the command line
def test_the_command_line_starts_waits_and_keeps_the_key_out(api, train):
    import os, subprocess, sys
    env = dict(os.environ, **{KEY_ENV: KEY})
    cli = lambda *a: subprocess.run([os.path.join(os.path.dirname(sys.executable), "synthnb"), "finetune", *map(str, a)], capture_output=True, text=True, env=env)
    p = cli("check", train)
    assert p.returncode == 0 and json.loads(p.stdout)["examples"] == 12
    p = cli("start", train, "--model", MODEL, "--suffix", "bakery", "--wait", "--every", 0, "--base-url", api.base_url, "--api-key-env", KEY_ENV)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == f"ft:{MODEL}:org-1:bakery:ftjob-1"
    assert all(a == f"Bearer {KEY}" for a in api.auth())
    p2 = cli("status", "ftjob-404", "--base-url", api.base_url, "--api-key-env", KEY_ENV)
    assert p2.returncode == 2 and len(p2.stderr.strip().splitlines()) == 1 and "ftjob-404" in p2.stderr
    assert KEY not in p.stdout + p.stderr + p2.stdout + p2.stderr
    p3 = subprocess.run([os.path.join(os.path.dirname(sys.executable), "synthnb"), "finetune", "start", str(train), "--model", MODEL, "--base-url", api.base_url,
                         "--api-key-env", "SYNTHNB_NO_SUCH_KEY"], capture_output=True, text=True, env={k: v for k, v in env.items() if k != "SYNTHNB_NO_SUCH_KEY"})
    assert p3.returncode == 2 and "SYNTHNB_NO_SUCH_KEY" in p3.stderr and len(p3.stderr.strip().splitlines()) == 1
