#!/usr/bin/env python
"""Minimal, fast OpenAI-compatible chat-completions server for throughput benchmarks.

Stdlib only: asyncio streams + hand-rolled HTTP/1.1 with keep-alive.

    python benchmarks/canned_server.py [--port 0] [--host 127.0.0.1]

Prints one JSON line ``{"base_url": "http://127.0.0.1:PORT/v1"}`` on stdout when
ready, then serves forever.

Endpoints:
  POST /v1/chat/completions  -> canned chat.completion with k records, where k is
       response_format.json_schema.schema.properties.records.minItems (answer is
       ``{"records": [...]}``), else "Write (\\d+) new records" in the last user
       message (answer is a JSON array), else 5 (JSON array).
  GET  /v1/models            -> one model, "canned".
  GET  /_stats               -> {"requests", "open_connections", "peak_connections",
                                 "in_flight", "peak_in_flight"} (for checking client concurrency)
  anything else              -> 404 JSON.

Options: --delay-ms D sleeps D ms before each chat completion (simulated model
latency; then throughput ~= concurrency / D shows whether a client honours its
concurrency setting).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import sys
import time

_WRITE_RE = re.compile(r"Write (\d+) new records")
_MAX_K = 10_000
_VARIANTS = 16  # distinct answer variants per (k, shape); cycled with a counter

_ITEMS = [
    "sourdough loaf", "croissant", "baguette", "cinnamon roll", "rye bread",
    "brioche", "focaccia", "lemon tart", "carrot cake", "chocolate eclair",
    "bagel", "scone", "pain au chocolat", "banana bread", "apple strudel",
    "ciabatta", "macaron", "danish pastry", "pretzel", "cheesecake",
]
_QUESTIONS = [
    "How long should I proof a {item} dough before baking it, and how can I tell when it is ready?",
    "Why did my {item} come out dense in the middle even though the crust looked perfectly golden?",
    "Can I freeze a freshly baked {item}, and what is the best way to reheat it afterwards?",
    "What flour would you recommend for a {item} if I want a lighter, airier texture?",
    "Is there a way to make a {item} with less sugar without ruining the taste or texture?",
    "How do you get that glossy finish on top of a {item} like the ones in your shop window?",
    "What temperature does your oven run at when you bake a {item}, and for how long?",
    "Do you sell a gluten-free version of the {item}, or could you suggest one I can bake at home?",
]
_RESPONSES = [
    "For a {item}, we proof at about 26 degrees Celsius until the dough has nearly doubled; a gentle poke "
    "should spring back slowly. Over-proofed dough collapses, so check it every fifteen minutes.",
    "A dense centre in a {item} usually means the oven was too hot or the dough was under-proofed. Try "
    "lowering the temperature by ten degrees and baking a little longer.",
    "Yes, a {item} freezes well for up to a month. Wrap it tightly once it has cooled, then reheat at 180 "
    "degrees for about ten minutes to bring back the crust.",
    "We use a medium-protein bread flour for our {item}; it gives structure without toughness. Sifting it "
    "twice also helps keep the crumb light.",
    "You can cut the sugar in a {item} by about a quarter; add a pinch more salt and a little vanilla so "
    "the flavour stays round.",
    "That shine on a {item} comes from an egg wash brushed on twice: once before the final proof and again "
    "right before it goes into the oven.",
    "Our ovens run at 200 degrees for the {item}, with steam for the first ten minutes, then we vent the "
    "oven and finish for another fifteen to twenty minutes.",
    "We bake a gluten-free {item} on Fridays using a rice and buckwheat blend with psyllium husk; at home "
    "that blend works well if you let the batter rest for thirty minutes.",
]


def _record(i: int) -> dict:
    item = _ITEMS[i % len(_ITEMS)]
    q = _QUESTIONS[(i + i // len(_ITEMS)) % len(_QUESTIONS)].format(item=item)
    r = _RESPONSES[(i * 3 + i // len(_RESPONSES)) % len(_RESPONSES)].format(item=item)
    return {"question": f"{q} (#{i})", "response": r}


class Canned:
    """Caches the JSON-escaped content strings per (k, as_object, variant)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, bool, int], tuple[str, int]] = {}
        self._counter = itertools.count()

    def content(self, k: int, as_object: bool) -> tuple[str, int]:
        """Return (json-encoded content string literal, approx completion tokens)."""
        v = next(self._counter) % _VARIANTS
        key = (k, as_object, v)
        hit = self._cache.get(key)
        if hit is None:
            recs = [_record(v * 1009 + j) for j in range(k)]
            text = json.dumps({"records": recs} if as_object else recs)
            hit = (json.dumps(text), max(1, len(text) // 4))
            self._cache[key] = hit
        return hit


CANNED = Canned()
_ids = itertools.count(1)
DELAY_S = 0.0


class _Stats:
    requests = 0
    open_connections = 0
    peak_connections = 0
    in_flight = 0
    peak_in_flight = 0

    @classmethod
    def as_json(cls) -> bytes:
        return json.dumps({k: getattr(cls, k) for k in (
            "requests", "open_connections", "peak_connections", "in_flight", "peak_in_flight")}).encode()


STATS = _Stats


def _pick_k(req: dict) -> tuple[int, bool]:
    try:
        k = req["response_format"]["json_schema"]["schema"]["properties"]["records"]["minItems"]
        if isinstance(k, int) and k >= 0:
            return min(k, _MAX_K), True
    except (KeyError, TypeError):
        pass
    msgs = req.get("messages") or []
    for m in reversed(msgs):
        if isinstance(m, dict) and m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):  # content parts
                c = " ".join(p.get("text", "") for p in c if isinstance(p, dict))
            if isinstance(c, str):
                mt = _WRITE_RE.search(c)
                if mt:
                    return min(int(mt.group(1)), _MAX_K), False
            break
    return 5, False


def _prompt_tokens(req: dict) -> int:
    n = 0
    for m in req.get("messages") or []:
        c = m.get("content") if isinstance(m, dict) else None
        if isinstance(c, str):
            n += len(c)
    return max(1, n // 4)


def chat_completion(body: bytes) -> tuple[int, bytes]:
    try:
        req = json.loads(body)
        if not isinstance(req, dict):
            raise ValueError("body must be a JSON object")
    except Exception as e:  # noqa: BLE001
        return 400, json.dumps({"error": {"message": f"invalid JSON body: {e}", "type": "invalid_request_error"}}).encode()
    k, as_obj = _pick_k(req)
    content_lit, ctoks = CANNED.content(k, as_obj)
    ptoks = _prompt_tokens(req)
    model = json.dumps(str(req.get("model", "canned")))
    # Hand-assembled JSON so the (possibly large) content is never re-encoded.
    out = (
        '{"id":"chatcmpl-canned-%d","object":"chat.completion","created":%d,"model":%s,'
        '"choices":[{"index":0,"message":{"role":"assistant","content":%s},'
        '"logprobs":null,"finish_reason":"stop"}],'
        '"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}'
        % (next(_ids), int(time.time()), model, content_lit, ptoks, ctoks, ptoks + ctoks)
    )
    return 200, out.encode()


_MODELS = json.dumps(
    {"object": "list", "data": [{"id": "canned", "object": "model", "created": 0, "owned_by": "synthnb"}]}
).encode()
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large"}


def _not_found(path: str) -> bytes:
    return json.dumps({"error": {"message": f"no route for {path}", "type": "not_found"}}).encode()


def _response(status: int, body: bytes, keep_alive: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        f"content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    STATS.open_connections += 1
    STATS.peak_connections = max(STATS.peak_connections, STATS.open_connections)
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            except asyncio.LimitOverrunError:
                writer.write(_response(413, b'{"error":{"message":"headers too large"}}', False))
                await writer.drain()
                return
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                writer.write(_response(400, b'{"error":{"message":"bad request line"}}', False))
                await writer.drain()
                return
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if not line:
                    continue
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            conn = headers.get("connection", "").lower()
            keep_alive = ("close" not in conn) and (version != "HTTP/1.0" or "keep-alive" in conn)
            if headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            if "chunked" in headers.get("transfer-encoding", "").lower():
                body = bytearray()
                while True:
                    size_line = await reader.readuntil(b"\r\n")
                    size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        # trailers until empty line
                        while (await reader.readuntil(b"\r\n")) != b"\r\n":
                            pass
                        break
                    body += await reader.readexactly(size)
                    await reader.readexactly(2)
                body = bytes(body)
            else:
                n = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(n) if n else b""
            path = target.split("?", 1)[0].rstrip("/")
            if path in ("/v1/chat/completions", "/chat/completions"):
                if method == "POST":
                    STATS.requests += 1
                    STATS.in_flight += 1
                    STATS.peak_in_flight = max(STATS.peak_in_flight, STATS.in_flight)
                    try:
                        if DELAY_S:
                            await asyncio.sleep(DELAY_S)
                        status, out = chat_completion(body)
                    finally:
                        STATS.in_flight -= 1
                else:
                    status, out = 405, b'{"error":{"message":"method not allowed"}}'
            elif path in ("/v1/models", "/models") and method == "GET":
                status, out = 200, _MODELS
            elif path == "/_stats" and method == "GET":
                status, out = 200, STATS.as_json()
            else:
                status, out = 404, _not_found(path)
            writer.write(_response(status, out, keep_alive))
            if not keep_alive:
                await writer.drain()
                return
            if writer.transport.get_write_buffer_size() > 1 << 16:
                await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        STATS.open_connections -= 1
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


async def main(host: str, port: int) -> None:
    server = await asyncio.start_server(handle, host, port, backlog=4096, limit=1 << 20)
    actual = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"base_url": f"http://{host}:{actual}/v1"}) + "\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--delay-ms", type=float, default=0.0, help="simulated latency per chat completion")
    args = ap.parse_args()
    DELAY_S = max(0.0, args.delay_ms) / 1000.0
    try:
        asyncio.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
