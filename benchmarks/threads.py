"""Measure decode speed of the embedded model for 1 and 2 llama.cpp threads, with the other core idle and busy.

Run: `.venv/bin/python benchmarks/threads.py` (about 3 minutes). It prints a Markdown table; the README quotes it.
"""
import multiprocessing as mp, time, sys, json
import openai, xllamacpp

PROMPT = [{"role": "user", "content": "Write a short paragraph about bread baking, then list five kinds of bread."}]

def spin(stop):
    "Keep one core busy, as a notebook or a test runner does next to the server."
    while not stop.is_set(): sum(range(10_000))

def decode_rate(model_path, threads, tokens=128, repeats=2):
    "Tokens per second of generation (prompt excluded) as the server reports them."
    p = xllamacpp.CommonParams()
    p.model.path, p.n_ctx, p.port = str(model_path), 2048, 0
    p.cpuparams.n_threads = p.cpuparams_batch.n_threads = threads
    srv = xllamacpp.Server(p)
    client = openai.OpenAI(base_url=srv.listening_address + "/v1", api_key="none")
    rates = []
    for i in range(repeats):
        r = client.chat.completions.create(model="m", messages=PROMPT, max_tokens=tokens, temperature=0, seed=i)
        t = r.model_extra.get("timings", {})
        rates.append(t.get("predicted_per_second", float("nan")))
    del srv
    return max(rates)

def main():
    from synthnb.local import embedded_model_path
    path = embedded_model_path()
    rows = []
    for busy in (False, True):
        for threads in (1, 2):
            stop = mp.Event()
            hog = mp.Process(target=spin, args=(stop,), daemon=True)
            if busy: hog.start()
            try: rate = decode_rate(path, threads)
            finally:
                stop.set()
                if busy: hog.join()
            rows.append((threads, "busy" if busy else "idle", rate))
            print(f"threads={threads} other core {rows[-1][1]}: {rate:.1f} tok/s", file=sys.stderr, flush=True)
    print("| threads | other core | decode tok/s |\n|---|---|---|")
    for th, b, r in rows: print(f"| {th} | {b} | {r:.1f} |")

if __name__ == "__main__": main()
