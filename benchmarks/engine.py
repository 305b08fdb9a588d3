"""synthnb's engine against a plain asyncio loop over openai.AsyncOpenAI, and against bespokelabs-curator, on a canned
OpenAI-compatible server on 127.0.0.1 that answers at once; then tokens/s on the embedded model, through synthnb and
calling its llama.cpp server directly.

Run: `make bench-engine` (or `.venv/bin/python benchmarks/engine.py`); `--skip-embedded` for the canned part only
(about 4 minutes with curator), `--only-embedded` for the model part (about 3 minutes on 2 cores: a warm-up pass, then
synthnb and the direct calls, the same requests with as many in flight as the server has slots). It prints Markdown tables; the
README quotes them. Curator runs only when benchmarks/.curator-venv exists (`make bench-curator-venv` creates it).

Every side does the same work per request: the same bodies (synthnb's own requests for the bakery spec, 5 records
each), the answer parsed into records. Rows/s are records per second. The raw loop runs twice: with the openai
client's default transport (what most code uses) and with its aiohttp transport (the `openai[aiohttp]` extra, which
synthnb uses), so the second ratio is synthnb's own overhead. synthnb also validates each record against the spec's fields, writes each
answer to a fresh SQLite cache (WAL) and builds the DataFrame. Each setting runs `--repeats` times, alternating the
sides; the table shows the median rows/s.
"""
from __future__ import annotations
import argparse, asyncio, json, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import openai

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.cache import RequestCache
from synthnb.generate import generate, plan_requests, summary
from synthnb.batch import batch_body

SPEC = PromptSpec(**{**PromptSpec.example("bakery").to_dict(), "topics": []})
CURATOR_PY = HERE/".curator-venv"/"bin"/"python"

def start_canned() -> tuple:
    proc = subprocess.Popen([sys.executable, str(HERE/"canned_server.py"), "--port", "0"], stdout=subprocess.PIPE, text=True)
    return proc, json.loads(proc.stdout.readline())["base_url"]

def bodies(n_requests:int, model:str) -> list:
    "The request bodies synthnb sends for n_requests*5 records, as plain dicts."
    return [batch_body(SPEC, r, model) for r in plan_requests(SPEC, 5*n_requests)]

async def raw_client(base_url:str, reqs:list, concurrency:int, aiohttp:bool=False) -> tuple:
    "The baseline: a plain asyncio loop with a semaphore over openai.AsyncOpenAI; parse each answer's records."
    http = openai.DefaultAioHttpClient(limits=openai._constants.DEFAULT_CONNECTION_LIMITS) if aiohttp else None
    client = openai.AsyncOpenAI(base_url=base_url, api_key="none", max_retries=0, http_client=http)
    sem = asyncio.Semaphore(concurrency)
    async def one(body):
        async with sem:
            r = await client.chat.completions.create(**body)
            return len(json.loads(r.choices[0].message.content)["records"])
    t0 = time.perf_counter()
    rows = sum(await asyncio.gather(*(one(b) for b in reqs)))
    secs = time.perf_counter() - t0
    await client.close()
    return rows, secs

def synthnb_run(base_url:str, n_requests:int, concurrency:int, model="canned") -> tuple:
    with tempfile.TemporaryDirectory() as d:
        ep = Endpoint(base_url, model, concurrency=concurrency, structured="json_schema")
        t0 = time.perf_counter()
        df = generate(SPEC, 5*n_requests, endpoint=ep, cache=RequestCache(Path(d)/"cache.sqlite"), progress=False)
        secs = time.perf_counter() - t0
    s = summary(df)
    assert s.failed == 0 and s.ok == 5*n_requests, s
    return s.ok, secs

def curator_run(base_url:str, n_requests:int, concurrency:int) -> tuple|None:
    if not CURATOR_PY.exists(): return None
    out = subprocess.run([str(CURATOR_PY), str(HERE/"curator_run.py"), "--base-url", base_url, "--requests", str(n_requests),
                          "--concurrency", str(concurrency), "--display", "tqdm"], capture_output=True, text=True, timeout=900)
    if out.returncode: print(out.stderr[-2000:], file=sys.stderr); return None
    d = json.loads(out.stdout.strip().splitlines()[-1])
    return d["rows"], d["seconds"]

def canned_table(levels, requests_at, repeats) -> str:
    proc, url = start_canned()
    try:
        synthnb_run(url, 20, 4); asyncio.run(raw_client(url, bodies(20, "canned"), 4))   # warm up imports and the server
        lines = ["| concurrency | requests | raw AsyncOpenAI (default transport) | raw AsyncOpenAI (aiohttp transport) | synthnb | synthnb / raw default | synthnb / raw aiohttp | curator | synthnb / curator |",
                 "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for c in levels:
            n = requests_at(c)
            raw, rawa, ours, cur = [], [], [], []
            for _ in range(repeats):
                rows, s = asyncio.run(raw_client(url, bodies(n, "canned"), c)); raw.append(rows/s)
                rows, s = asyncio.run(raw_client(url, bodies(n, "canned"), c, aiohttp=True)); rawa.append(rows/s)
                rows, s = synthnb_run(url, n, c); ours.append(rows/s)
                if (r := curator_run(url, n, c)): cur.append(r[0]/r[1])
            r, ra, o = statistics.median(raw), statistics.median(rawa), statistics.median(ours)
            k = statistics.median(cur) if cur else None
            lines.append(f"| {c} | {n:,} | {r:,.0f} | {ra:,.0f} | {o:,.0f} | {o/r:.2f} | {o/ra:.2f} | {f'{k:,.0f}' if k else 'not installed'} | {f'{o/k:.2f}' if k else '–'} |")
            print(lines[-1], file=sys.stderr, flush=True)
        return "\n".join(lines)
    finally:
        proc.kill()

def embedded_table(n_requests:int) -> str:
    "Answer tokens/s and rows/min on the embedded model: synthnb's engine against the bare llama.cpp server."
    from synthnb.local import LocalServer
    spec = SPEC
    srv = LocalServer().start()
    try:
        ep = srv.endpoint()
        plan = plan_requests(spec, 5*n_requests)
        reqs = [batch_body(spec, r, ep.model) for r in plan]
        async def direct():
            "The same requests, as many at once as the server has slots, straight through the openai client."
            client = openai.AsyncOpenAI(base_url=ep.base_url, api_key="none", max_retries=0, timeout=900)
            sem, box = asyncio.Semaphore(ep.max_in_flight), {"toks": 0, "rows": 0}
            async def one(b):
                async with sem: r = await client.chat.completions.create(**b)
                box["toks"] += r.usage.completion_tokens
                try: box["rows"] += len(json.loads(r.choices[0].message.content)["records"])
                except Exception: pass
            await asyncio.gather(*(one(b) for b in reqs))
            await client.close()
            return box["toks"], box["rows"]
        asyncio.run(direct())   # warm-up: llama.cpp keeps each slot's prompt cache, so both measured passes start warm
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            df = generate(spec, 5*n_requests, endpoint=ep, cache=RequestCache(Path(tmp)/"c.sqlite"), progress=False)
            s_secs = time.perf_counter() - t0
        t0 = time.perf_counter(); d_toks, d_rows = asyncio.run(direct()); d_secs = time.perf_counter() - t0
        per_req = df.drop_duplicates("request_id")
        s_toks, s = int(per_req.completion_tokens.sum()), summary(df)
        lines = [f"| on the embedded model ({srv.threads} thread, {srv.parallel} slots) | answer tokens/s | records/min (ok) | requests |", "|---|---:|---:|---:|",
                 f"| llama.cpp server called directly | {d_toks/d_secs:.1f} | {d_rows/d_secs*60:.1f} | {len(reqs)} |",
                 f"| synthnb `generate()` | {s_toks/s_secs:.1f} | {s.ok/s_secs*60:.1f} | {s.requests} |",
                 f"| synthnb / direct | {(s_toks/s_secs)/(d_toks/d_secs):.2f} | | |"]
        return "\n".join(lines)
    finally:
        srv.stop()

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--levels", default="1,16,64,256"); ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3); ap.add_argument("--embedded-requests", type=int, default=2)
    ap.add_argument("--skip-embedded", action="store_true"); ap.add_argument("--only-embedded", action="store_true")
    a = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, openai {openai.__version__}\n")
    if not a.only_embedded:
        levels = [int(x) for x in a.levels.split(",")]
        print(canned_table(levels, lambda c: a.requests if c > 1 else max(100, a.requests//2), a.repeats), "\n", flush=True)
    if not a.skip_embedded: print(embedded_table(a.embedded_requests))

if __name__ == "__main__": main()
