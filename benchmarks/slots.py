"""Aggregate decode speed of the embedded model with 1, 2 and 4 parallel slots (1 thread): does batching requests help
on a CPU? Run: `.venv/bin/python benchmarks/slots.py` (about 4 minutes). Prints a Markdown table for the README."""
import asyncio, sys, time
import openai
from synthnb.local import LocalServer

PROMPT = [{"role": "user", "content": "Write a short paragraph about bread baking, then list five kinds of bread."}]

async def burst(base_url, k, tokens=96):
    client = openai.AsyncOpenAI(base_url=base_url, api_key="none", max_retries=0, timeout=900)
    t0 = time.perf_counter()
    rs = await asyncio.gather(*(client.chat.completions.create(model="m", messages=PROMPT, max_tokens=tokens, temperature=0.7, seed=i)
                                for i in range(k)))
    secs = time.perf_counter() - t0
    await client.close()
    return sum(r.usage.completion_tokens for r in rs) / secs

def main(threads=1):
    print("| slots | requests at once | answer tokens/s (all requests) |\n|---:|---:|---:|")
    for slots in (1, 2, 4):
        srv = LocalServer(threads=threads, parallel=slots).start()
        try:
            asyncio.run(burst(srv.base_url, 1, 8))   # warm up
            print(f"| {slots} | {slots} | {asyncio.run(burst(srv.base_url, slots)):.1f} |", flush=True)
        finally: srv.stop()

if __name__ == "__main__": main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
