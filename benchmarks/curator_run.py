#!/usr/bin/env python
"""Throughput benchmark of bespokelabs-curator against an OpenAI-compatible server.

Run with the separate curator venv (curator is not a synthnb dependency):

    python benchmarks/canned_server.py --port 0      # prints {"base_url": ...}
    /work/curator-venv/bin/python benchmarks/curator_run.py \
        --base-url http://127.0.0.1:PORT/v1 --requests 2000 --concurrency 64

Sends N identical "Write 5 new records" requests through curator.LLM (backend
"openai", custom base_url), parses each answer into a list of records, and prints
one JSON line on stdout:

    {"rows": R, "requests": N, "seconds": S, "rows_per_s": R/S, ...}

``seconds`` covers curator.LLM construction (which makes one probe request to the
server for rate-limit headers) plus the LLM call itself; python imports are not
included. ``init_seconds`` / ``call_seconds`` split it.

Offline / no-side-effects settings (set before curator is imported):
  LITELLM_LOCAL_MODEL_COST_MAP=True   litellm would otherwise fetch its cost map
  TELEMETRY_ENABLED=false             curator's posthog telemetry
  CURATOR_VIEWER unset                no hosted viewer session
  CURATOR_DISABLE_CACHE=1 + a fresh temp working_dir and HF_DATASETS_CACHE per
  run (deleted afterwards; --keep-cache keeps them). Curator still writes its
  telemetry id to ~/.cache/.curator_config at import.
  tiktoken's cl100k_base is needed (token estimates); it is downloaded unless
  cached, so without internet we substitute a cheap len/4 estimate.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("TELEMETRY_ENABLED", "false")
os.environ.setdefault("CURATOR_DISABLE_CACHE", "1")
os.environ.pop("CURATOR_VIEWER", None)
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROMPT = (
    "You are helping a small neighbourhood bakery build a customer FAQ. "
    "Write 5 new records of customer questions and the bakery's answers about bread, pastries, "
    "cakes, opening hours, allergens and special orders. Return them as a JSON array of objects "
    "with the keys \"question\" and \"response\"."
)


def _patch_tiktoken_if_offline() -> None:
    """curator calls tiktoken.get_encoding('cl100k_base'), which downloads its BPE file."""
    import tiktoken

    try:
        tiktoken.get_encoding("cl100k_base")
        return
    except Exception as e:  # noqa: BLE001  (no internet, no cache)
        print(f"[curator_run] tiktoken cl100k_base unavailable ({type(e).__name__}); using len/4 estimate",
              file=sys.stderr)

    class _ApproxEncoding:
        name = "approx-len4"

        def encode(self, text, *a, **k):
            return [0] * (len(text) // 4 + 1)

    from bespokelabs.curator.request_processor.online import openai_online_request_processor as oorp

    oorp.OpenAIOnlineRequestProcessor.get_token_encoding = lambda self: _ApproxEncoding()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--model", default="canned")
    ap.add_argument("--max-retries", type=int, default=0)
    ap.add_argument("--keep-cache", action="store_true", help="don't delete the temp working dir")
    ap.add_argument("--display", choices=["rich", "tqdm"], default="rich",
                    help="curator progress display (rich = curator default; tqdm = CURATOR_DISABLE_RICH_DISPLAY=1)")
    args = ap.parse_args()
    if args.display == "tqdm":
        os.environ["CURATOR_DISABLE_RICH_DISPLAY"] = "1"

    # Fresh, throw-away dirs per run: curator's working dir (requests/responses jsonl,
    # arrow dataset, metadata.db) and the HF datasets cache that curator's
    # Dataset.from_generator(list) writes to (else later runs hit a cached dataset).
    work = tempfile.mkdtemp(prefix="curator_bench_")
    os.environ["HF_DATASETS_CACHE"] = os.path.join(work, "hf_datasets")

    from bespokelabs import curator

    _patch_tiktoken_if_offline()

    class Bakery(curator.LLM):
        def prompt(self, row):
            return PROMPT

        def parse(self, row, response):
            recs = json.loads(response)
            if isinstance(recs, dict):
                recs = recs.get("records", [])
            return [{"question": r["question"], "response": r["response"]} for r in recs]

    dataset = [{"i": i} for i in range(args.requests)]
    try:
        # curator prints progress/logs; keep our stdout to the single JSON line.
        with contextlib.redirect_stdout(sys.stderr):
            t0 = time.perf_counter()
            llm = Bakery(
                model_name=args.model,
                backend="openai",
                backend_params={
                    "base_url": args.base_url,
                    "api_key": "x",
                    "max_concurrent_requests": args.concurrency,
                    # Defaults (no rate-limit headers) are 200 rpm / 100k tpm with a
                    # 4096-token output estimate per request (~24 req/min!): lift them.
                    "max_requests_per_minute": 10**9,
                    "max_tokens_per_minute": 10**12,
                    "max_retries": args.max_retries,
                    "require_all_responses": False,
                },
            )
            t1 = time.perf_counter()
            out = llm(dataset, working_dir=os.path.join(work, "curator"))
            t2 = time.perf_counter()
        rows = len(out.dataset)
        stats = getattr(out, "request_stats", None)
        failed = getattr(stats, "failed", None)
    finally:
        if not args.keep_cache:
            shutil.rmtree(work, ignore_errors=True)
    secs = t2 - t0
    print(json.dumps({
        "rows": rows,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "seconds": round(secs, 3),
        "rows_per_s": round(rows / secs, 1),
        "requests_per_s": round(args.requests / secs, 1),
        "init_seconds": round(t1 - t0, 3),
        "call_seconds": round(t2 - t1, 3),
        **({"failed_requests": failed} if isinstance(failed, int) else {}),
    }), flush=True)


if __name__ == "__main__":
    main()
