"""The prompt's order on the embedded model: how much of each request's prompt llama.cpp reads again, and records/s
against the decode-bound limit, with synthnb's order (what a run's requests share first; the count, topic and
attributes in the last line) and with the order it had before (the topic line right after the instruction), in one
run on the same server.

The decode-bound limit is how fast a run would be if reading prompts cost nothing: its answer tokens divided by the
server's bare decode speed, measured on the same server with as many requests in flight as it has slots, each a
prompt of a few tokens and a long answer. Both orders run without the request cache and without asking again
(`top_up=0`), the same requests (`make demo`'s run: 20 bakery records over its 3 topics, requests of 5, 5, 5, 2, 2 and
1 records; and a run of 100; the same seeds), the old order sent as each request's own prompt through the same engine, the two orders
taking turns `--repeats` times (the table shows medians). Tokens read again are `prompt_tokens - cached_prompt_tokens` of each answer
(llama.cpp's `timings.cache_n`).

Run: `make bench-prompt-order` (or `.venv/bin/python benchmarks/prompt_order.py`; about 20 minutes on 2 cores).
It prints a Markdown table and writes it to benchmarks/results/prompt_order_SIZES.md; the README quotes it.
"""
from __future__ import annotations
import argparse, asyncio, statistics, sys, time
from pathlib import Path
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from synthnb.spec import PromptSpec, fact_text, render_records, _bullets, _keys, RECORD_SEPARATOR
from synthnb.generate import Run, Request, plan_requests
from synthnb.local import embedded

SPEC = PromptSpec.example("bakery")

def old_format_instructions(fmt, fields, n, structured):
    if structured: return f'Answer with only a JSON object whose "records" key holds an array of exactly {n} objects with the keys {_keys(fields)}.'
    return f"Answer with only a JSON array of exactly {n} objects with the keys {_keys(fields)}. No prose, no code fences."

def old_user_prompt(spec:PromptSpec, n:int, topic:str|None, structured=True) -> str:
    "The user message as synthnb wrote it before (commit 6d70bcb): the count and topic right after the instruction."
    fields = spec.output_fields
    about = f" about this topic: {topic}" if topic else ""
    parts = [spec.instruction.strip(), f"Write {n} new records{about}.", "Each record has these fields:\n" + "\n".join(f.describe() for f in fields)]
    if spec.facts: parts.append("Fact sheet. Every record must agree with these facts; never state a time, price, phone number, "
                                "product or policy that is not here:\n" + _bullets(f"{k}: {fact_text(v)}" for k, v in spec.facts.items()))
    if spec.avoid: parts.append("Avoid these topics:\n" + _bullets(spec.avoid))
    if spec.examples: parts.append("Examples of good records (write new ones; do not copy or rephrase them):\n"
                                   + render_records(spec.examples, spec.format, fields))
    parts.append(old_format_instructions(spec.format, fields, n, structured))
    return "\n\n".join(parts)

async def bare_decode(ep, slots:int, max_tokens:int) -> float:
    "The server's decode speed with `slots` requests in flight: answer tokens per second, prompts of a few tokens."
    client = ep.async_client()
    async def one(i):
        r = await client.chat.completions.create(model=ep.model, max_tokens=max_tokens, temperature=0.0, seed=i,
                                                 messages=[{"role": "user", "content": f"Count from {i} to {i+400}, one number a line."}])
        return r.usage.completion_tokens
    t0 = time.perf_counter()
    tokens = sum(await asyncio.gather(*(one(i) for i in range(slots))))
    secs = time.perf_counter() - t0
    await client.close()
    return tokens / secs

def run(ep, n:int, old:bool, seed:int) -> dict:
    plan = plan_requests(SPEC, n, seed)
    if old: plan = [Request(r.request_id, r.n, r.topic, r.seed, prompt=old_user_prompt(SPEC, r.n, r.topic)) for r in plan]
    t0 = time.perf_counter()
    df = Run(SPEC, n, ep, temperature=0.7, seed=seed, cache=False, plan=plan, top_up=0).wait(progress=False)
    secs = time.perf_counter() - t0
    per = df.drop_duplicates("request_id").sort_values("request_id")
    reread = (per.prompt_tokens - per.cached_prompt_tokens).tolist()
    return dict(order="before (topic after the instruction)" if old else "synthnb (what varies last)", secs=secs,
                ok=int((df.status == "ok").sum()), prompt=int(per.prompt_tokens.iloc[0]), reread=reread,
                answer_tokens=int(per.completion_tokens.sum()), requests=len(per))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20,100", help="records per run, comma separated (make demo's 20, and a longer run)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    ep = embedded()
    print(f"server: {ep.label}, {ep.max_in_flight} slots", file=sys.stderr)
    asyncio.run(bare_decode(ep, 1, 16))                                   # warm-up: the model's pages in memory
    sizes = [int(x) for x in args.sizes.split(",")]
    runs = []
    for n in sizes:
        for k in range(args.repeats):
            for old in (True, False):   # each run right after a measure of the bare decode speed, so both see the same machine
                speed = asyncio.run(bare_decode(ep, ep.max_in_flight, 256))
                runs.append(run(ep, n, old, args.seed + 1000*k) | {"decode": speed, "n": n})
    decode = statistics.median(r["decode"] for r in runs)
    lines = [f"Embedded model ({ep.label}), {ep.max_in_flight} requests in flight; bare decode {decode:.1f} answer tokens/s (median; measured before each run). "
             f"Bakery records over its 3 topics, requests of up to 5 records, no cache; each order {args.repeats} time(s) per size.", "",
             "| records | requests | prompt order | prompt tokens (1st request) | read again, later requests (median) | share | records/s | decode-bound records/s | of the limit |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        for order in dict.fromkeys(r["order"] for r in runs):
            rs = [r for r in runs if r["order"] == order and r["n"] == n]
            med = statistics.median(x for r in rs for x in r["reread"][ep.max_in_flight:] or r["reread"][1:])
            prompt = statistics.median(r["prompt"] for r in rs)
            rate = statistics.median(r["ok"] / r["secs"] for r in rs)
            limit = statistics.median(r["ok"] / (r["answer_tokens"] / r["decode"]) for r in rs)
            ratio = statistics.median((r["ok"] / r["secs"]) / (r["ok"] / (r["answer_tokens"] / r["decode"])) for r in rs)
            lines.append(f"| {n} | {rs[0]['requests']} | {order} | {prompt:.0f} | {med:.0f} | {med/prompt:.0%} | {rate:.3f} | {limit:.3f} | {ratio:.2f} |")
    lines += ["", "Read again: `prompt_tokens - cached_prompt_tokens` per request (llama.cpp's `timings.cache_n`), for the requests after the "
              "first one of each slot. Of the limit: records/s ÷ decode-bound records/s (answer tokens ÷ the bare decode tokens/s measured just before that run)."]
    text = "\n".join(lines)
    print(text)
    (HERE/"results"/f"prompt_order_{'_'.join(map(str, sizes))}.md").write_text(text + "\n")

if __name__ == "__main__": main()
