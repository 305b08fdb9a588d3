"""Batch files: the requests `write_batch` writes, results read back by `import_batch` (OpenAI's and vLLM's shapes, with
errors, missing lines, cut-off and extra records), submit / status / download against a fake OpenAI Batch API on
127.0.0.1, and `synthnb batch` as a user runs it."""
import json, os, random, re, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import pandas as pd
import pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint, EndpointError
from synthnb.generate import plan_requests, summary, max_tokens_for
from synthnb.batch import (write_batch, batch_lines, custom_id, import_batch, submit_batch, batch_status, download_batch,
                           BatchError)
from servers import completion, records_answer

SPEC = PromptSpec.example("bakery")             # 3 topics, 5 records a request
CSV = PromptSpec(**{**SPEC.to_dict(), "format": "csv"})
KEY_ENV = "SYNTHNB_TEST_BATCH_KEY"
SYNTHNB = os.path.join(os.path.dirname(sys.executable), "synthnb")
MODEL = "gpt-4o-mini-2024-07-18"                # what OpenAI names the model in its answers

def read_jsonl(path): return [json.loads(l) for l in Path(path).read_text(encoding="utf-8").splitlines() if l.strip()]
def write_jsonl(path, lines): Path(path).write_text("".join(json.dumps(l) + "\n" for l in lines), encoding="utf-8"); return Path(path)

def recs(tag, k): return [{"question": f"{tag} question {i}?", "response": f"{tag} answer {i}."} for i in range(k)]

def chat_body(content, finish_reason="stop", usage=(300, 200)):
    "An OpenAI chat.completion body as the Batch API puts it in a results line."
    return {"id": "chatcmpl-B1", "object": "chat.completion", "created": 1735000000, "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "logprobs": None, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
            "system_fingerprint": "fp_1"}

def openai_line(cid, body=None, status=200, error=None, i=0):
    "One line of an OpenAI Batch API output or error file."
    response = None if error else {"status_code": status, "request_id": f"req_{i:04d}", "body": body}
    return {"id": f"batch_req_{i:04d}", "custom_id": cid, "response": response, "error": error}

def vllm_line(cid, content, finish_reason="stop", usage=(300, 200), i=0):
    "One line of `vllm run-batch` output for a good answer (BatchRequestOutput.model_dump_json())."
    body = {"id": f"chatcmpl-{i:032x}", "object": "chat.completion", "created": 1735000000, "model": "Qwen/Qwen2.5-7B-Instruct",
            "choices": [{"index": 0, "message": {"role": "assistant", "reasoning_content": None, "content": content, "tool_calls": []},
                         "logprobs": None, "finish_reason": finish_reason, "stop_reason": None}],
            "usage": {"prompt_tokens": usage[0], "total_tokens": sum(usage), "completion_tokens": usage[1], "prompt_tokens_details": None},
            "prompt_logprobs": None, "kv_transfer_params": None}
    return {"id": f"vllm-{i:032x}", "custom_id": cid, "response": {"status_code": 200, "request_id": f"vllm-batch-{i:032x}", "body": body},
            "error": None}

def records_content(k, tag): return json.dumps({"records": recs(tag, k)})

def cut_off(k, tag, whole=2):
    "An answer of `k` records cut off by the token limit in the middle of record `whole` (counting from 0)."
    text, mark = records_content(k, tag), f'"{tag} question {whole}?", "resp'
    return text[:text.index(mark) + len(mark)]

# ---------------------------------------------------------------- writing

@pytest.mark.parametrize("spec,structured,n,seed", [(SPEC, True, 40, 0), (SPEC, False, 40, 7), (CSV, True, 12, 0), (SPEC, True, 7, None)])
def test_write_batch_is_one_request_a_line(tmp_path, spec, structured, n, seed):
    p = write_batch(spec, n, tmp_path/"sub"/"requests.jsonl", "gpt-4o-mini", temperature=0.5, seed=seed, structured=structured)
    assert p == tmp_path/"sub"/"requests.jsonl"
    text = p.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    lines = [json.loads(l) for l in text.split("\n")[:-1]]   # every line, blank ones included, is JSON
    plan = plan_requests(spec, n, seed)
    assert len(lines) == len(plan) and sum(r.n for r in plan) == n
    assert len({l["custom_id"] for l in lines}) == len(lines)
    assert lines == batch_lines(spec, n, "gpt-4o-mini", 0.5, seed, structured)
    use_schema = structured and spec.format == "json"
    for line, req in zip(lines, plan):
        assert set(line) == {"custom_id", "method", "url", "body"}
        assert line["custom_id"] == custom_id(spec, req, n, seed) == f"synthnb-{spec.hash}-n{n}-s{seed}-{req.request_id}"
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        b = line["body"]
        assert b["model"] == "gpt-4o-mini" and b["temperature"] == 0.5 and b["max_tokens"] == max_tokens_for(spec, req.n)
        assert b["messages"] == spec.messages(req.n, req.topic, structured=use_schema)
        assert f"Write {req.n} new records" in b["messages"][-1]["content"]
        if seed is None: assert "seed" not in b
        else: assert b["seed"] == req.seed == seed + req.request_id
        if use_schema:
            assert b["response_format"] == {"type": "json_schema", "json_schema": {"name": "records", "schema": spec.json_schema(req.n), "strict": True}}
            assert b["response_format"]["json_schema"]["schema"]["properties"]["records"]["minItems"] == req.n
        else: assert "response_format" not in b

def test_write_batch_refuses_a_bad_spec(tmp_path):
    from synthnb.spec import SpecError
    with pytest.raises(SpecError): write_batch(PromptSpec(instruction=""), 5, tmp_path/"r.jsonl", "m")
    assert not (tmp_path/"r.jsonl").exists()

# ---------------------------------------------------------------- reading results back

N = 40   # 9 requests: 5,5,5,5,5,5,4,3,3 records

def results_with_faults(requests_file):
    """An OpenAI output file for `requests_file`, shuffled: request 1 a batch error, 2 a 500, 3 missing, 4 cut off with 2 of
    5 records whole, 5 with 2 records more than asked; the rest good. Returns (lines, expected tokens)."""
    reqs, lines, tokens = read_jsonl(requests_file), [], 0
    for i, r in enumerate(reqs):
        cid, k = r["custom_id"], r["body"]["response_format"]["json_schema"]["schema"]["properties"]["records"]["minItems"]
        usage = (300 + i, 200 + 10*i)
        if i == 1: lines.append(openai_line(cid, error={"code": "server_error", "message": "The model is overloaded"}, i=i)); continue
        if i == 2: lines.append(openai_line(cid, {"error": {"message": "Internal error", "type": "server_error"}}, status=500, i=i)); continue
        if i == 3: continue
        if i == 4: content, finish = cut_off(k, f"r{i}"), "length"
        elif i == 5: content, finish = records_content(k + 2, f"r{i}"), "stop"
        else: content, finish = records_content(k, f"r{i}"), "stop"
        lines.append(openai_line(cid, chat_body(content, finish, usage), i=i)); tokens += sum(usage)
    random.Random(3).shuffle(lines)
    return lines, tokens

@pytest.fixture
def batch(tmp_path):
    req = write_batch(SPEC, N, tmp_path/"requests.jsonl", "gpt-4o-mini")
    lines, tokens = results_with_faults(req)
    return req, write_jsonl(tmp_path/"results.jsonl", lines), lines, tokens

def test_import_gives_every_requested_record_ok_or_failed(batch):
    req, results, lines, tokens = batch
    plan = plan_requests(SPEC, N, 0)
    df = import_batch(SPEC, N, results, model="gpt-4o-mini")
    s = summary(df)
    assert (s.requested, s.ok, s.failed, s.extra, s.requests, s.cached) == (N, 22, 18, 2, 9, 0)
    assert s.requested == s.ok + s.failed == N
    assert s.tokens == tokens
    # rows in request order, records numbered within each request, provenance from the plan
    assert df["request_id"].is_monotonic_increasing
    assert list(df.index) == list(range(len(df)))
    for req_ in plan:
        part = df[df.request_id == req_.request_id]
        assert list(part["record"]) == list(range(len(part)))
        assert (part["topic"] == req_.topic).all() and (part["seed"] == req_.seed).all()
        assert len(part[part.status != "extra"]) == req_.n
    assert (df["spec_hash"] == SPEC.hash).all() and (df["temperature"] == 0.8).all() and not df["cached"].any()
    by = {i: df[df.request_id == i] for i in range(9)}
    assert (by[1]["status"] == "failed").all() and (by[1]["reason"] == "batch error: server_error: The model is overloaded").all()
    assert (by[2]["status"] == "failed").all() and (by[2]["reason"] == "server answered 500: Internal error").all()
    assert (by[3]["status"] == "failed").all() and (by[3]["reason"] == "no result for this request in the batch results").all()
    assert list(by[4]["status"]) == ["ok", "ok", "failed", "failed", "failed"]
    assert by[4]["reason"].iloc[2:].str.startswith("answer cut off by the token limit").all()
    assert (by[4]["finish_reason"] == "length").all() and by[4]["raw"].iloc[2:].str.contains("r4 question 2").all()
    assert list(by[5]["status"]) == ["ok"]*5 + ["extra"]*2 and list(by[5]["question"]) == [f"r5 question {i}?" for i in range(7)]
    for i in (0, 6, 7, 8):
        assert (by[i]["status"] == "ok").all() and list(by[i]["question"]) == [f"r{i} question {j}?" for j in range(len(by[i]))]
    ok = df[df.status == "ok"]
    assert (ok["reason"] == "").all() and (ok["mode"] == "json_schema").all() and (ok["model"] == MODEL).all()
    # failed requests with no answer take the model given to import_batch, and count no tokens
    for i in (1, 2, 3):
        assert (by[i]["model"] == "gpt-4o-mini").all() and (by[i]["prompt_tokens"] == 0).all() and (by[i]["mode"] == "").all()
    assert (by[0]["prompt_tokens"] == 300).all() and (by[8]["completion_tokens"] == 280).all()
    assert not df.duplicated(["request_id", "record"]).any() and not ok.duplicated("question").any()
    # without model=, failed rows name the batch
    assert (import_batch(SPEC, N, results).query("request_id == 3")["model"] == "batch").all()

def test_results_in_any_order_and_split_over_files_import_the_same(batch, tmp_path):
    req, results, lines, tokens = batch
    whole = import_batch(SPEC, N, results)
    errors = [l for l in lines if l["error"] or l["response"]["status_code"] != 200]
    good = [l for l in lines if l not in errors]
    assert len(errors) == 2
    out, err = write_jsonl(tmp_path/"b.output.jsonl", sorted(good, key=lambda l: l["custom_id"], reverse=True)), write_jsonl(tmp_path/"b.error.jsonl", errors)
    pd.testing.assert_frame_equal(import_batch(SPEC, N, [out, err]), whole)
    pd.testing.assert_frame_equal(import_batch(SPEC, N, (str(err), str(out))), whole)
    # the output file alone: the errors' requests become missing ones
    alone = import_batch(SPEC, N, out)
    assert summary(alone).ok == summary(whole).ok
    assert (alone.loc[alone.request_id.isin([1, 2, 3]), "reason"] == "no result for this request in the batch results").all()

def test_blank_lines_and_crlf_are_ignored(batch, tmp_path):
    req, results, lines, tokens = batch
    p = tmp_path/"crlf.jsonl"
    p.write_bytes(b"\r\n".join(json.dumps(l).encode() for l in lines) + b"\r\n\r\n\n")
    pd.testing.assert_frame_equal(import_batch(SPEC, N, p), import_batch(SPEC, N, results))

def test_vllm_run_batch_output_imports_the_same(tmp_path):
    req = write_batch(SPEC, N, tmp_path/"requests.jsonl", "Qwen/Qwen2.5-7B-Instruct")
    oa, vl = [], []
    for i, r in enumerate(read_jsonl(req)):
        k, cid = r["body"]["response_format"]["json_schema"]["schema"]["properties"]["records"]["minItems"], r["custom_id"]
        content, finish = (cut_off(k, f"r{i}"), "length") if i == 4 else (records_content(k, f"r{i}"), "stop")
        oa.append(openai_line(cid, chat_body(content, finish, (100 + i, 50)), i=i)); vl.append(vllm_line(cid, content, finish, (100 + i, 50), i=i))
    a = import_batch(SPEC, N, write_jsonl(tmp_path/"openai.jsonl", oa))
    b = import_batch(SPEC, N, write_jsonl(tmp_path/"vllm.jsonl", vl))
    assert (b["model"] == "Qwen/Qwen2.5-7B-Instruct").all()
    pd.testing.assert_frame_equal(a.drop(columns="model"), b.drop(columns="model"))
    s = summary(b)
    assert (s.requested, s.ok, s.failed) == (N, 37, 3) and s.tokens == sum(150 + i for i in range(9))

def test_vllm_error_written_as_a_string_fails_its_records(tmp_path):
    req = read_jsonl(write_batch(SPEC, 12, tmp_path/"requests.jsonl", "m"))
    lines = [vllm_line(r["custom_id"], records_content(4, f"r{i}"), i=i) for i, r in enumerate(req)]
    lines[1] = {"id": "vllm-1", "custom_id": req[1]["custom_id"], "response": {"status_code": 400, "request_id": "vllm-batch-1", "body": None},
                "error": "Request must not be sent in stream mode"}
    df = import_batch(SPEC, 12, write_jsonl(tmp_path/"vllm.jsonl", lines))
    assert summary(df).failed == 4
    assert df.loc[df.request_id == 1, "reason"].str.contains("Request must not be sent in stream mode").all()

def test_vllm_error_response_keeps_its_message(tmp_path):
    req = read_jsonl(write_batch(SPEC, 12, tmp_path/"requests.jsonl", "m"))
    lines = [vllm_line(r["custom_id"], records_content(4, f"r{i}"), i=i) for i, r in enumerate(req)]
    lines[1] = {"id": "vllm-1", "custom_id": req[1]["custom_id"], "response": {"status_code": 400, "request_id": "vllm-batch-1", "body": None},
                "error": {"error": {"message": "This model's maximum context length is 4096 tokens", "type": "BadRequestError", "param": None, "code": 400}}}
    df = import_batch(SPEC, 12, write_jsonl(tmp_path/"vllm.jsonl", lines))
    assert summary(df).failed == 4
    assert df.loc[df.request_id == 1, "reason"].str.contains("maximum context length").all()

def test_csv_spec_imports_as_text(tmp_path):
    req = read_jsonl(write_batch(CSV, 12, tmp_path/"requests.jsonl", "m"))
    def csv_answer(k, tag): return "question,response\n" + "".join(f'"{tag} q{i}?","{tag} a{i}."\n' for i in range(k))
    lines = [openai_line(r["custom_id"], chat_body(csv_answer(4, f"r{i}"), "length" if i == 2 else "stop"), i=i) for i, r in enumerate(req)]
    df = import_batch(CSV, 12, write_jsonl(tmp_path/"results.jsonl", lines))
    s = summary(df)
    assert (s.requested, s.ok, s.failed) == (12, 11, 1)
    assert (df["mode"] == "text").all() and list(df.loc[df.request_id == 0, "question"]) == [f"r0 q{i}?" for i in range(4)]
    assert df.loc[df.status == "failed", "reason"].str.contains("cut off").all()

def test_results_for_another_spec_are_refused(batch):
    req, results, lines, tokens = batch
    other = PromptSpec(**{**SPEC.to_dict(), "instruction": "Something else."})
    with pytest.raises(BatchError, match="for another spec"): import_batch(other, N, results)

def test_results_for_another_n_are_refused(tmp_path):
    reqs = read_jsonl(write_batch(SPEC, 12, tmp_path/"requests.jsonl", "m"))
    results = write_jsonl(tmp_path/"results.jsonl", [openai_line(r["custom_id"], chat_body(records_content(4, f"r{i}")), i=i)
                                                     for i, r in enumerate(reqs)])
    assert summary(import_batch(SPEC, 12, results)).ok == 12
    with pytest.raises(BatchError, match="for another spec, n or seed"): import_batch(SPEC, 40, results)

def test_the_requests_file_is_refused(batch):
    req, results, lines, tokens = batch
    with pytest.raises(BatchError, match="is a batch requests file"): import_batch(SPEC, N, req)

def test_a_line_that_is_not_json_names_the_file_and_line(batch, tmp_path):
    req, results, lines, tokens = batch
    bad = tmp_path/"broken.jsonl"
    bad.write_text("\n".join(json.dumps(l) for l in lines[:2]) + "\n" + json.dumps(lines[2])[:-30] + "\n" + json.dumps(lines[3]) + "\n")
    with pytest.raises(BatchError, match=re.escape(f"{bad} line 3 is not JSON")): import_batch(SPEC, N, bad)
    with pytest.raises(BatchError, match=re.escape(f"{bad} line 3 is not JSON")): import_batch(SPEC, N, [results, bad])
    nocid = write_jsonl(tmp_path/"nocid.jsonl", [{"id": "x", "response": None}])
    with pytest.raises(BatchError, match=re.escape(f"{nocid} line 1 has no custom_id")): import_batch(SPEC, N, nocid)

def test_a_missing_results_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError): import_batch(SPEC, N, tmp_path/"nope.jsonl")

# ---------------------------------------------------------------- a fake OpenAI Batch API

def multipart_parts(content_type:str, data:bytes) -> dict:
    "name -> (filename or None, bytes) of a multipart/form-data body."
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)[1].encode()
    chunks = data.split(b"--" + boundary)
    assert chunks[-1].strip() == b"--", "the body must end with the closing boundary"
    parts = {}
    for chunk in chunks[1:-1]:
        assert chunk.startswith(b"\r\n") and chunk.endswith(b"\r\n")
        head, _, value = chunk[2:-2].partition(b"\r\n\r\n")
        disp = next(l for l in head.decode().split("\r\n") if l.lower().startswith("content-disposition"))
        name, fn = re.search(r'\bname="([^"]*)"', disp)[1], re.search(r'filename="([^"]*)"', disp)
        parts[name] = (fn[1] if fn else None, value)
    return parts

class FakeBatchAPI:
    """The OpenAI Files and Batches endpoints a batch needs, on 127.0.0.1: upload (multipart, purpose=batch), create a
    batch, retrieve it (`validating`, then `in_progress` for `polls` retrievals, then `completed` with output and error
    files), and file content. Each request line is answered with `records_answer` content; the line numbered `fail`
    goes to the error file as a 500. Records every request's method, path and Authorization header."""
    def __init__(self, polls=3, fail=1):
        self.polls, self.fail, self.files, self.batches, self.seen = polls, fail, {}, {}, []
        self.lock, outer = threading.Lock(), self
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
            def answer(self, status, payload, ctype="application/json"):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status); self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
            def handle_one(self, method):
                data = self.body() if method == "POST" else b""
                with outer.lock: outer.seen.append((method, self.path, self.headers.get("Authorization")))
                try: self.answer(*outer.route(method, self.path, self.headers, data))
                except Exception as e: self.answer(500, {"error": {"message": f"fake server: {type(e).__name__}: {e}", "type": "server_error"}})
            def do_POST(self): self.handle_one("POST")
            def do_GET(self): self.handle_one("GET")
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self): self.httpd.shutdown(); self.httpd.server_close()
    def __enter__(self): return self
    def __exit__(self, *a): self.close()

    def add_file(self, data:bytes, filename:str, purpose:str) -> dict:
        fid = f"file-{len(self.files) + 1}"
        self.files[fid] = dict(id=fid, object="file", bytes=len(data), created_at=int(time.time()), filename=filename,
                               purpose=purpose, status="processed", data=data)
        return {k: v for k, v in self.files[fid].items() if k != "data"}

    def route(self, method, path, headers, data):
        with self.lock:
            if method == "POST" and path == "/v1/files":
                assert headers["Content-Type"].startswith("multipart/form-data")
                parts = multipart_parts(headers["Content-Type"], data)
                if parts.get("purpose", (None, b""))[1] != b"batch": return 400, {"error": {"message": "purpose must be batch"}}
                filename, content = parts["file"]
                return 200, self.add_file(content, filename, "batch")
            if method == "POST" and path == "/v1/batches":
                d = json.loads(data)
                if d.get("input_file_id") not in self.files: return 400, {"error": {"message": "no such file"}}
                bid = f"batch_{len(self.batches) + 1}"
                lines = self.files[d["input_file_id"]]["data"].decode().splitlines()
                self.batches[bid] = dict(id=bid, object="batch", endpoint=d["endpoint"], input_file_id=d["input_file_id"],
                                         completion_window=d["completion_window"], status="validating", created_at=int(time.time()),
                                         metadata=d.get("metadata"), output_file_id=None, error_file_id=None, errors=None,
                                         request_counts={"total": len(lines), "completed": 0, "failed": 0}, retrievals=0)
                return 200, self.public(bid)
            if method == "GET" and (m := re.fullmatch(r"/v1/batches/([\w-]+)", path)):
                if m[1] not in self.batches: return 404, {"error": {"message": f"no batch {m[1]}"}}
                b = self.batches[m[1]]
                b["retrievals"] += 1
                if b["status"] != "completed":
                    if b["retrievals"] <= self.polls: b["status"] = "in_progress"
                    else: self.finish(b)
                return 200, self.public(m[1])
            if method == "GET" and (m := re.fullmatch(r"/v1/files/([\w-]+)/content", path)):
                if m[1] not in self.files: return 404, {"error": {"message": f"no file {m[1]}"}}
                return 200, self.files[m[1]]["data"], "application/octet-stream"
            return 404, {"error": {"message": f"no route {method} {path}"}}

    def public(self, bid): return {k: v for k, v in self.batches[bid].items() if k != "retrievals"}

    def finish(self, b):
        "Answer every request line: good records, except line `fail`, which goes to the error file."
        out, err = [], []
        for i, line in enumerate(self.files[b["input_file_id"]]["data"].decode().splitlines()):
            r = json.loads(line)
            assert r["url"] == b["endpoint"] and r["method"] == "POST"
            if i == self.fail:
                err.append(openai_line(r["custom_id"], {"error": {"message": "The server had an error", "type": "server_error"}}, status=500, i=i))
            else:
                body = completion(records_answer(r["body"], lambda j, i=i: {"question": f"r{i} question {j}?", "response": f"r{i} answer {j}."}),
                                  model=MODEL)
                out.append(openai_line(r["custom_id"], body, i=i))
        random.Random(5).shuffle(out)
        jsonl = lambda ls: "".join(json.dumps(l) + "\n" for l in ls).encode()
        b["output_file_id"] = self.add_file(jsonl(out), f"{b['id']}_output.jsonl", "batch_output")["id"] if out else None
        b["error_file_id"] = self.add_file(jsonl(err), f"{b['id']}_error.jsonl", "batch_output")["id"] if err else None
        b.update(status="completed", completed_at=int(time.time()), request_counts={"total": len(out) + len(err), "completed": len(out), "failed": len(err)})

@pytest.fixture
def api():
    with FakeBatchAPI() as srv: yield srv

def test_submit_status_download_import(api, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-test-batch-123")
    ep = Endpoint(api.base_url, "gpt-4o-mini", api_key_env=KEY_ENV)
    req = write_batch(SPEC, 12, tmp_path/"requests.jsonl", ep.model)
    bid = submit_batch(req, ep, description="bakery test")
    assert bid == "batch_1"
    up = api.files["file-1"]
    assert up["data"] == req.read_bytes() and up["filename"] == "requests.jsonl" and up["purpose"] == "batch"
    b = api.batches[bid]
    assert (b["input_file_id"], b["endpoint"], b["completion_window"], b["metadata"]) == ("file-1", "/v1/chat/completions", "24h", {"description": "bakery test"})
    st = batch_status(bid, ep)
    assert st == {"id": bid, "status": "in_progress", "total": 3, "completed": 0, "failed": 0, "output_file_id": None, "error_file_id": None}
    with pytest.raises(BatchError, match=r"batch batch_1 is in_progress \(0/3 done\): try again later"):
        download_batch(bid, ep, tmp_path/"results", wait=False)
    paths = download_batch(bid, ep, tmp_path/"results", every=0.01)
    assert paths == [tmp_path/"results"/"batch_1.output.jsonl", tmp_path/"results"/"batch_1.error.jsonl"]
    assert [p.read_bytes() for p in paths] == [api.files[b["output_file_id"]]["data"], api.files[b["error_file_id"]]["data"]]
    assert batch_status(bid, ep) == {"id": bid, "status": "completed", "total": 3, "completed": 2, "failed": 1,
                                          "output_file_id": "file-2", "error_file_id": "file-3"}
    # every call carried the key, and nothing else was asked
    assert {a for _, _, a in api.seen} == {"Bearer sk-test-batch-123"}
    assert {(m, re.sub(r"_\d+|-\d+", "-N", p)) for m, p, _ in api.seen} == {("POST", "/v1/files"), ("POST", "/v1/batches"),
                                                                      ("GET", "/v1/batches/batch-N"), ("GET", "/v1/files/file-N/content")}
    df = import_batch(SPEC, 12, paths)
    s = summary(df)
    assert (s.requested, s.ok, s.failed, s.extra, s.requests, s.tokens) == (12, 8, 4, 0, 3, 60)
    assert (df.loc[df.request_id == 1, "reason"] == "server answered 500: The server had an error").all()
    ok = df[df.status == "ok"]
    assert list(ok["question"]) == [f"r{i} question {j}?" for i in (0, 2) for j in range(4)] and (ok["model"] == MODEL).all()

def test_a_batch_with_no_errors_downloads_one_file(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)   # a local server needs no key
    with FakeBatchAPI(polls=0, fail=-1) as srv:
        ep = Endpoint(srv.base_url, "m", api_key_env=KEY_ENV)
        bid = submit_batch(write_batch(SPEC, 12, tmp_path/"r.jsonl", "m"), ep)
        paths = download_batch(bid, ep, tmp_path, every=0.01)
    assert paths == [tmp_path/f"{bid}.output.jsonl"]
    assert summary(import_batch(SPEC, 12, paths)).ok == 12
    assert {a for _, _, a in srv.seen} == {"Bearer no-key-needed"}

def test_no_key_for_a_remote_server_fails_before_any_request(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setattr(Endpoint, "client", lambda self: pytest.fail("a client was made"))
    ep = Endpoint("https://api.openai.com/v1", "gpt-4o-mini", api_key_env=KEY_ENV)
    req = write_batch(SPEC, 12, tmp_path/"r.jsonl", ep.model)
    for call in (lambda: submit_batch(req, ep), lambda: batch_status("batch_1", ep), lambda: download_batch("batch_1", ep, tmp_path)):
        with pytest.raises(EndpointError, match=re.escape(f"no API key in ${KEY_ENV}")): call()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl"]

# ---------------------------------------------------------------- the command line

def synthnb(*args, cwd=None, env=None):
    return subprocess.run([SYNTHNB, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, **(env or {})})

@pytest.fixture
def spec_file(tmp_path):
    p = tmp_path/"bakery.yaml"
    SPEC.to_yaml(p)
    assert PromptSpec.load(p).hash == SPEC.hash
    return p

def test_cli_write_then_import(tmp_path, spec_file):
    r = synthnb("batch", "write", spec_file, "-n", "12", "--model", "m", "-o", "req.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"wrote req.jsonl: 3 requests for 12 records of bakery"
    reqs = read_jsonl(tmp_path/"req.jsonl")
    assert reqs == batch_lines(SPEC, 12, "m")
    lines = [openai_line(reqs[0]["custom_id"], chat_body(records_content(4, "r0")), i=0),
             openai_line(reqs[1]["custom_id"], chat_body(cut_off(4, "r1"), "length"), i=1)]   # 3rd request missing
    write_jsonl(tmp_path/"results.jsonl", lines)
    r = synthnb("batch", "import", spec_file, "results.jsonl", "-n", "12", "-o", "out.jsonl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "12 requested = 6 ok + 6 failed" in r.stdout and "wrote out.jsonl" in r.stdout and "wrote out.failures.jsonl" in r.stdout
    out, fails = read_jsonl(tmp_path/"out.jsonl"), read_jsonl(tmp_path/"out.failures.jsonl")
    assert [o["question"] for o in out] == [f"r0 question {i}?" for i in range(4)] + [f"r1 question {i}?" for i in range(2)]
    assert all(o["status"] == "ok" and o["model"] == MODEL for o in out)
    assert len(fails) == 6
    assert [f["reason"].split(":")[0] for f in fails] == ["answer cut off by the token limit"]*2 + ["no result for this request in the batch results"]*4
    assert [f["request_id"] for f in fails] == [1, 1, 2, 2, 2, 2]

def test_cli_import_with_no_good_record_exits_1(tmp_path, spec_file):
    write_batch(SPEC, 12, tmp_path/"req.jsonl", "m")
    write_jsonl(tmp_path/"results.jsonl", [openai_line(l["custom_id"], error={"code": "expired", "message": "not done in 24h"}, i=i)
                                           for i, l in enumerate(read_jsonl(tmp_path/"req.jsonl"))])
    r = synthnb("batch", "import", spec_file, "results.jsonl", "-n", "12", "-o", "out.csv", cwd=tmp_path)
    assert r.returncode == 1 and "12 requested = 0 ok + 12 failed" in r.stdout, r.stderr
    assert all(f["reason"] == "batch error: expired: not done in 24h" for f in read_jsonl(tmp_path/"out.failures.jsonl"))

@pytest.mark.parametrize("args,message", [
    (["batch", "import", "bakery.yaml", "missing.jsonl", "-n", "12", "-o", "out.jsonl"], "No such file or directory"),
    (["batch", "import", "bakery.yaml", "req.jsonl", "-n", "12", "-o", "out.jsonl"], "is a batch requests file"),
    (["batch", "import", "bakery.yaml", "req.jsonl", "-n", "12", "-o", "out.txt"], "cannot tell the export format"),
    (["batch", "submit", "req.jsonl", "--api-key-env", KEY_ENV], f"no API key in ${KEY_ENV}"),
    (["batch", "write", "missing.yaml", "-n", "12", "--model", "m", "-o", "r.jsonl"], "spec file missing.yaml not found"),
])
def test_cli_errors_are_one_line(tmp_path, spec_file, args, message):
    write_batch(SPEC, 12, tmp_path/"req.jsonl", "m")
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    r = subprocess.run([SYNTHNB, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("synthnb: error:") and message in lines[0], lines[0]
    assert not (tmp_path/"out.jsonl").exists()

def test_cli_submit_status_download(api, tmp_path, spec_file):
    env = {KEY_ENV: "sk-cli-key"}
    common = ["--base-url", api.base_url, "--api-key-env", KEY_ENV]
    assert synthnb("batch", "write", spec_file, "-n", "12", "--model", "gpt-4o-mini", "-o", "req.jsonl", cwd=tmp_path).returncode == 0
    r = synthnb("batch", "submit", "req.jsonl", *common, cwd=tmp_path, env=env)
    assert r.returncode == 0 and r.stdout.strip() == "batch_1", r.stderr
    r = synthnb("batch", "status", "batch_1", *common, cwd=tmp_path, env=env)
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "in_progress", r.stderr
    r = synthnb("batch", "download", "batch_1", *common, "-o", "results", "--every", "0.01", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"wrote {Path('results')/'batch_1.output.jsonl'}", f"wrote {Path('results')/'batch_1.error.jsonl'}"]
    r = synthnb("batch", "import", spec_file, "results/batch_1.output.jsonl", "results/batch_1.error.jsonl", "-n", "12", "-o", "out.jsonl", cwd=tmp_path)
    assert r.returncode == 0 and "12 requested = 8 ok + 4 failed" in r.stdout, r.stderr
    assert {a for _, _, a in api.seen} == {"Bearer sk-cli-key"}
