"Real HTTP servers on 127.0.0.1 for tests: a scripted OpenAI-compatible server, and the embedded model as a separate process."
import json, os, re, socket, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

def completion(content, finish_reason="stop", model="scripted"):
    "The body of an OpenAI chat completion answering `content`."
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}}

class ScriptedServer:
    """An HTTP server on 127.0.0.1 whose answer to each chat request comes from `script(body, n)`: a tuple
    (status, body_bytes_or_dict) or the string "drop" to close the connection without answering."""
    def __init__(self, script):
        self.script, self.requests, self.headers = script, [], []
        outer = self
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append(body); outer.headers.append(dict(self.headers))
                answer = outer.script(body, len(outer.requests))
                if answer == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR); self.connection.close(); return
                status, payload = answer
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status); self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
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
