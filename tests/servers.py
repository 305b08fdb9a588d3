"Real HTTP servers on 127.0.0.1 for tests: a scripted OpenAI-compatible server, and the embedded model as a separate process."
import json, os, re, socket, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

def completion(content, finish_reason="stop", model="scripted"):
    "The body of an OpenAI chat completion answering `content`."
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}}

class ScriptedServer:
    """An HTTP server on 127.0.0.1 whose answer to each chat request comes from `script(body, n)` (n counts from 1): a
    tuple (status, body_bytes_or_dict) or (status, body, headers), or the string "drop" to close the connection without
    answering. A script may sleep to answer slowly (each request has its own thread). The server records every request
    body, its headers, when it arrived and when it was answered, and the most requests it had in flight at once."""
    def __init__(self, script):
        self.script, self.requests, self.headers, self.arrived, self.answered = script, [], [], [], []
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        outer = self
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def handle(self):
                try: super().handle()
                except (ConnectionResetError, BrokenPipeError): pass  # a client that went away (killed, timed out)
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with outer.lock:
                    outer.requests.append(body); outer.headers.append(dict(self.headers)); outer.arrived.append(time.monotonic())
                    i = len(outer.requests); outer.in_flight += 1; outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                try: answer = outer.script(body, i)
                finally:
                    with outer.lock: outer.in_flight -= 1
                if answer == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR); self.connection.close(); return
                status, payload, *headers = answer
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status); self.send_header("Content-Type", "application/json")
                    for k, v in (headers[0] if headers else {}).items(): self.send_header(k, str(v))
                    self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError): return  # the client gave up (a timeout)
                with outer.lock: outer.answered.append((i, time.monotonic(), status))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self): self.httpd.shutdown(); self.httpd.server_close()
    def __enter__(self): return self
    def __exit__(self, *a): self.close()

def records_answer(body, make=lambda i: {"question": f"Question {i}?", "response": f"Answer {i}."}):
    "A good answer to a synthnb request: as many records as the schema (or prompt) asks, wrapped as the schema wants."
    schema = (body.get("response_format") or {}).get("json_schema", {}).get("schema")
    n = schema["properties"]["records"]["minItems"] if schema else int(re.search(r"Write (\d+) new records", body["messages"][-1]["content"])[1])
    recs = [make(i) for i in range(n)]
    return json.dumps({"records": recs} if schema else recs)

def start_embedded_server(threads=1, timeout=180):
    "Start `synthnb serve` as a separate process on a free port; return (process, base_url, model)."
    synthnb = os.path.join(os.path.dirname(sys.executable), "synthnb")  # the installed command, as a user runs it
    proc = subprocess.Popen([synthnb, "serve", "--port", "0", "--threads", str(threads)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    box = {}
    t = threading.Thread(target=lambda: box.update(line=proc.stdout.readline()), daemon=True); t.start(); t.join(timeout)
    if not box.get("line"): proc.kill(); raise RuntimeError("synthnb serve did not start")
    info = json.loads(box["line"])
    return proc, info["base_url"], info["model"]

def toy_vector(text, dims=8):
    "A deterministic, unnormalised vector for `text` (what a toy embeddings server answers)."
    h = [b for b in text.encode()] or [0]
    return [float((sum(h) * (k + 3) + len(text) * (k + 1)) % 17 + 1) for k in range(dims)]

from contextlib import contextmanager

@contextmanager
def serve_embeddings(status=200, dims=8):
    "An OpenAI-compatible embeddings server on 127.0.0.1: yields its base URL and what it saw (inputs, Authorization headers)."
    seen = {"inputs": [], "auth": []}
    def script(body, i):
        if status != 200: return status, {"error": {"message": "no embeddings here", "type": "invalid_request_error"}}
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        seen["inputs"].append(inputs)
        data = [{"object": "embedding", "index": j, "embedding": toy_vector(t, dims)} for j, t in reversed(list(enumerate(inputs)))]
        return 200, {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)}}
    with ScriptedServer(script) as s:
        orig = s.script
        def record(body, i):
            seen["auth"].append({k.lower(): v for k, v in s.headers[-1].items()}.get("authorization"))
            return orig(body, i)
        s.script = record
        yield s.base_url, seen
