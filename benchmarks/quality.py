"""Speed and memory of the quality report (by meaning and by words), and near-duplicate detection against a plain datasketch loop.

Run: `.venv/bin/python benchmarks/quality.py` (sizes 10k, 100k, 1M), or e.g. `--sizes 10000,100000`. Each size runs in
fresh subprocesses (`--one SIZE --part fill|meaning|words|neardup`) so that peak RSS (ru_maxrss of the child) belongs to
that step alone; the children run one after another. The data are bakery-chatbot rows made by `quality_data.make_rows`
(seeded templates, planted defects), checked against `PromptSpec.example("bakery")`. Prints Markdown and writes it to
benchmarks/results/quality.md (and the profile, with `--profile SIZE`, to benchmarks/results/quality_profile.md).

By meaning without an hour of embedding: the embedded all-MiniLM-L6-v2 computes ~30–100 texts/s here, so 100k rows
(questions, answers and every answer sentence) would take hours. Instead each size gets a temporary SYNTHNB_CACHE_DIR
whose embeddings cache is filled beforehand, through `EmbeddingCache.put` under the embedded model's identity, with
*proxy vectors* for every text the report embeds: each field's values, the examples' field values, the topics to avoid,
and each sentence `avoided_topic_hits` splits off (`split_sentences` of the fields joined by " | ", " | " turned into
line breaks, as `avoid_meaning_flags` does). The topics' texts are embedded for real by a warm-up report on 50 rows.
- proxy: TF-IDF of the text (word unigrams, sublinear tf, fitted on the rows' texts) → a fixed Gaussian random
  projection to 384 dims → plus `shared` times a fixed unit vector → unit length. Near-copies stay near, unrelated rows
  apart; `shared` is calibrated per field (part `calibrate`, once a run) so that the share of pairs above the report's
  thresholds (`NEAR_QUESTION` for questions, `NEAR_ANSWER` for answers) matches the real model's on a sample of rows embedded for real: that share
  decides how many candidate pairs the report has to check. The same sample gives the real model's texts/s.
- fill: building the proxies and writing them to the cache, timed on its own (not part of the report).
- meaning: `quality(df, spec)` twice in one process (the second reuses the cache, the loaded model and warm lookups);
  the model's `encode` is counted during both, and must compute 0 texts. `--profile SIZE` adds a third call under cProfile.
- words: `quality(df, spec, by="words")` (no model).
- near-dup: text = question + " " + response. synthnb: `find_duplicates(tokenize(texts), threshold=0.7)`.
  datasketch (the textbook loop): per row `MinHash(num_perm=64)` updated with the row's word 3-gram shingles
  (`synthnb.text.words`), inserted into `MinHashLSH(threshold=0.7, num_perm=64)`, then each row queried to form pairs.
  Run up to `--baseline-max` rows (default 100k) or at 1M with `--baseline-1m`; above that its time is estimated
  linearly from the largest measured size and marked "estimated".
- recall: share of the planted near-duplicate pairs (source, edited copy) that end up linked: in one synthnb cluster,
  or in one connected component of datasketch's pairs.
"""
from __future__ import annotations
import argparse, cProfile, datetime, io, json, os, platform, pstats, resource, shutil, subprocess, sys, tempfile, time, traceback
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS, PROFILE = HERE / "results" / "quality.md", HERE / "results" / "quality_profile.md"
TARGETS = {100_000: (60, None), 1_000_000: (600, 4096)}  # rows: (report seconds, peak RSS MB)
PROXY_DIMS, PROXY_SEED, CALIBRATE = 384, 0, {"question": (400, "NEAR_QUESTION"), "response": (150, "NEAR_ANSWER")}  # field: (sample, threshold in synthnb.meaning)

def peak_rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

# ---------------------------------------------------------------- proxy vectors
class Proxy:
    "TF-IDF → fixed Gaussian projection → + `shared` × a fixed unit vector → unit length: vectors with the texts' word structure."
    def __init__(self, fit_texts:list, seed:int=PROXY_SEED, dims:int=PROXY_DIMS):
        from sklearn.feature_extraction.text import TfidfVectorizer
        self.tfidf = TfidfVectorizer(sublinear_tf=True, dtype=np.float32).fit(fit_texts)
        rng = np.random.default_rng(seed)
        self.proj = (rng.standard_normal((len(self.tfidf.vocabulary_), dims)) / np.sqrt(dims)).astype(np.float32)  # keeps unit length
        u = rng.standard_normal(dims).astype(np.float32); self.u = u / np.linalg.norm(u)

    def __call__(self, texts:list, shared:float=0.0, chunk:int=50_000) -> np.ndarray:
        out = np.empty((len(texts), self.proj.shape[1]), np.float32)
        for a in range(0, len(texts), chunk):
            v = np.asarray(self.tfidf.transform(texts[a:a + chunk]) @ self.proj) + np.float32(shared) * self.u
            out[a:a + chunk] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        return out

def pair_share(v:np.ndarray, threshold:float) -> float:
    "Share of the pairs of distinct rows whose cosine is at least `threshold`."
    s = v @ v.T; return float((s[np.triu_indices(len(v), 1)] >= threshold).mean())

def fit_shared(proxy:Proxy, texts:list, target:float, threshold:float) -> float:
    "The `shared` weight whose proxies have the real model's share of pairs above `threshold` (bisection)."
    lo, hi = 0.0, 8.0
    if pair_share(proxy(texts, 0.0), threshold) >= target: return 0.0
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if pair_share(proxy(texts, mid), threshold) < target else (lo, mid)
    return (lo + hi) / 2

def report_texts(df, spec) -> list:
    "Every text `quality(df, spec)` embeds except the topics': field values, examples, topics to avoid, sentences of the rows."
    from synthnb.quality import text_fields
    from synthnb.meaning import split_sentences
    ok = df[df["status"] == "ok"] if "status" in df else df
    fields = text_fields(spec, ok)
    as_text = lambda s: ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in s]
    cols = {f: as_text(ok[f]) for f in fields}
    ex = {f: as_text([e.get(f) for e in spec.examples]) for f in fields}
    joined = [" | ".join(vs).replace(" | ", "\n") for vs in zip(*cols.values())]  # as avoid_meaning_flags joins them
    sentences = [s for t in joined for s in split_sentences(t)]
    return {**{f: cols[f] + ex[f] for f in fields}, "sentences": sentences, "avoid": list(spec.avoid)}

# ---------------------------------------------------------------- children
def part_calibrate(n:int, seed:int) -> dict:
    "Embed a sample of rows for real: the model's texts/s, and the `shared` weight per field that matches its pair shares."
    from quality_data import make_rows
    from synthnb.embeddings import embedding_model
    df, _ = make_rows(n, seed)
    t = time.perf_counter(); m = embedding_model(); out = {"rows": n, "load_s": time.perf_counter() - t, "fields": {}}
    proxy, rng = Proxy(df["question"].tolist() + df["response"].tolist()), np.random.default_rng(seed + 1)
    import synthnb.meaning
    for f, (k, name) in CALIBRATE.items():
        th = getattr(synthnb.meaning, name)
        texts = df[f].to_numpy()[rng.choice(len(df), k, replace=False)].tolist()
        t = time.perf_counter(); real = m.encode(texts); dt = time.perf_counter() - t
        target = pair_share(real, th); shared = fit_shared(proxy, texts, target, th); pv = proxy(texts, shared)
        mean = lambda v: float((v @ v.T)[np.triu_indices(len(v), 1)].mean())
        out["fields"][f] = {"texts": k, "texts_per_s": k / dt, "threshold": th, "shared": shared, "real_share": target,
                            "proxy_share": pair_share(pv, th), "real_share_095": pair_share(real, 0.95), "proxy_share_095": pair_share(pv, 0.95),
                            "real_mean": mean(real), "proxy_mean": mean(pv), "corr": float(np.corrcoef((real @ real.T)[np.triu_indices(k, 1)], (pv @ pv.T)[np.triu_indices(k, 1)])[0, 1])}
    out["peak_rss_mb"] = peak_rss_mb()
    return out

def part_fill(n:int, seed:int, shared:dict) -> dict:
    "Write proxy vectors of every text the report will embed into the (temporary) embeddings cache."
    from quality_data import make_rows
    from synthnb.spec import PromptSpec
    from synthnb.embeddings import EmbeddingCache, embedding_model, text_key
    from synthnb.quality import quality
    df, _ = make_rows(n, seed); spec = PromptSpec.example("bakery")
    t0 = time.perf_counter(); m = embedding_model(); out = {"rows": n, "load_s": time.perf_counter() - t0}
    t0 = time.perf_counter(); groups = report_texts(df, spec)
    proxy, store, stored, seen = Proxy(groups["question"][:100_000] + groups["response"][:100_000]), EmbeddingCache(), 0, set()
    out["texts"] = {g: len(v) for g, v in groups.items()}
    shared = shared | {"avoid": 0.0}  # a shared direction would put every sentence near the topics to avoid
    for g, texts in groups.items():  # sentences get the answers' weight
        todo = [t for t in dict.fromkeys(texts) if t not in seen]; seen.update(todo); out.setdefault("distinct", {})[g] = len(todo)
        for a in range(0, len(todo), 100_000):
            part = todo[a:a + 100_000]
            store.put(m.identity, [text_key(t) for t in part], proxy(part, shared.get(g, shared.get("response", 0.0))))
        stored += len(todo)
    out["fill_s"], out["vectors"] = time.perf_counter() - t0, stored
    t = time.perf_counter(); quality(df.head(50), spec); out["warmup_s"] = time.perf_counter() - t  # embeds the topics' texts for real
    out["cache_mb"] = sum(p.stat().st_size for p in store.path.parent.glob("embeddings.sqlite*")) / 2**20
    out["peak_rss_mb"] = peak_rss_mb()
    return out

def profile_stats(pr:cProfile.Profile) -> dict:
    out = {}
    for key in ("cumulative", "tottime"):
        s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats(key).print_stats(30); out[f"profile_{key}"] = s.getvalue()
    return out

def part_report(n:int, seed:int, by:str, profile:bool=False) -> dict:
    "`quality(df, spec, by=by)`: twice by meaning (counting what the model computes), once by words."
    from quality_data import make_rows
    from synthnb.spec import PromptSpec
    from synthnb.quality import quality
    t = time.perf_counter(); df, _ = make_rows(n, seed); build = time.perf_counter() - t
    spec = PromptSpec.example("bakery")
    out = {"rows": n, "build_s": build, "rss_after_build_mb": peak_rss_mb()}
    computed = [0]
    if by == "meaning":
        from synthnb.embeddings import embedding_model
        t = time.perf_counter(); m = embedding_model(); out["load_s"] = time.perf_counter() - t
        encode = m.encode
        def counted(texts, *a, **k): computed[0] += len(texts); return encode(texts, *a, **k)
        m.encode = counted
    pr = cProfile.Profile() if profile else None
    try:
        for call in (("first", "second") if by == "meaning" else ("first",)):
            if pr and call == "first": pr.enable()
            t = time.perf_counter()
            try: r = quality(df, spec, by=by)
            finally:
                if pr and call == "first": pr.disable(); out |= profile_stats(pr)
            out[f"{call}_s"], out[f"{call}_peak_rss_mb"] = time.perf_counter() - t, peak_rss_mb()
        out["flags"] = r.flag_counts().set_index("kind")["rows"].to_dict()
    except (Exception, MemoryError) as e:  # a failing report is a result too; say where it failed
        tb = traceback.extract_tb(e.__traceback__)
        out["error"] = f"{type(e).__name__}: {e}"[:300] + " at " + " ← ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in tb[::-1][:4])
    out["computed_texts"], out["peak_rss_mb"] = computed[0], peak_rss_mb()
    return out
def datasketch_pairs(texts, threshold=0.7, num_perm=64):
    "The textbook datasketch loop: MinHash per row, insert into MinHashLSH, query each row. Pairs (i < j) and signatures."
    from datasketch import MinHash, MinHashLSH
    from synthnb.text import words
    lsh, mhs = MinHashLSH(threshold=threshold, num_perm=num_perm), []
    for i, t in enumerate(texts):
        ws = words(t)
        sh = {" ".join(ws[k:k+3]) for k in range(len(ws) - 2)} or ({" ".join(ws)} if ws else set())
        m = MinHash(num_perm=num_perm); m.update_batch([s.encode("utf8") for s in sh])
        lsh.insert(i, m); mhs.append(m)
    pairs = {(min(i, j), max(i, j)) for i, m in enumerate(mhs) for j in lsh.query(m) if j != i}
    return pairs, mhs

def cluster_pairs(cluster:np.ndarray, cap:int=20_000_000) -> set:
    "All pairs of rows within each cluster (rows linked to the first row only, for clusters too big to list)."
    m = np.flatnonzero(cluster >= 0); m = m[np.argsort(cluster[m], kind="stable")]
    groups = np.split(m, np.flatnonzero(np.diff(cluster[m])) + 1) if len(m) else []
    total, out = sum(len(g) * (len(g) - 1) // 2 for g in groups), set()
    for g in groups:
        g = g.tolist()
        if total <= cap: out.update((a, b) for k, a in enumerate(g) for b in g[k+1:])
        else: out.update((g[0], b) for b in g[1:])
    return out

def components(pairs:set, n:int) -> np.ndarray:
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components
    p = np.array(sorted(pairs), np.int64).reshape(-1, 2)
    g = sparse.coo_matrix((np.ones(len(p)), (p[:, 0], p[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1]

def part_neardup(n:int, seed:int, baseline:bool) -> dict:
    from quality_data import make_rows
    from synthnb.text import tokenize, words
    from synthnb.duplicates import find_duplicates
    df, truth = make_rows(n, seed)
    texts = (df["question"] + " " + df["response"]).tolist()
    near, exact = truth["near_pairs"], truth["exact_pairs"]
    t = time.perf_counter(); d = find_duplicates(tokenize(texts), threshold=0.7); syn_s = time.perf_counter() - t
    linked = lambda lab, p: float(np.mean((lab[p[:, 0]] == lab[p[:, 1]]) & (lab[p[:, 0]] >= 0))) if len(p) else float("nan")
    def jac(a, b):
        wa, wb = words(a), words(b)
        sa, sb = {tuple(wa[k:k+3]) for k in range(len(wa) - 2)}, {tuple(wb[k:k+3]) for k in range(len(wb) - 2)}
        return len(sa & sb) / max(len(sa | sb), 1)
    true_j = np.array([jac(texts[a], texts[b]) for a, b in near])
    out = {"rows": n, "synthnb_s": syn_s, "planted_near": len(near), "planted_near_j07": int((true_j >= 0.7).sum()),
           "recall_synthnb": linked(d.cluster, near), "exact_recall_synthnb": linked(d.cluster, exact)}
    S = cluster_pairs(d.cluster); out["pairs_synthnb"] = len(S)
    if baseline:
        t = time.perf_counter(); D, mhs = datasketch_pairs(texts); out["datasketch_s"] = time.perf_counter() - t
        lab = components(D, n)
        lab = np.where(np.bincount(lab, minlength=n)[lab] > 1, lab, -1)  # rows alone are in no cluster
        out |= {"recall_datasketch": linked(lab, near), "exact_recall_datasketch": linked(lab, exact), "pairs_datasketch": len(D)}
        hv = np.stack([m.hashvalues for m in mhs]); del mhs
        Dv = {p for p in D if (hv[p[0]] == hv[p[1]]).mean() >= 0.7}  # candidates whose estimated Jaccard ≥ 0.7
        out |= {"pairs_datasketch_verified": len(Dv), "pairs_both": len(S & D), "pairs_both_verified": len(S & Dv)}
    out["peak_rss_mb"] = peak_rss_mb()
    return out

# ---------------------------------------------------------------- parent
def child(n:int, part:str, seed:int, *args:str, cache:str|None=None) -> dict:
    cmd = [sys.executable, __file__, "--one", str(n), "--part", part, "--seed", str(seed), *args]
    print(f"… {part} at {n:,} rows ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)
    env = os.environ | ({"SYNTHNB_CACHE_DIR": cache} if cache else {})
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env)
    res = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    if p.returncode or not res: return {"rows": n, "error": f"child exited {p.returncode}"}
    return json.loads(res[-1][7:])

def fmt(x, spec="{:.1f}"): return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else spec.format(x)

def calibration_text(c:dict) -> list:
    if "fields" not in c: return [f"- calibration failed: {c.get('error')}"]
    out = [f"- Real all-MiniLM-L6-v2 on this machine (sample of the {c['rows']:,}-row data, batch 32, {os.cpu_count()} cores, "
           f"model load {c['load_s']:.1f} s): " + ", ".join(f"{f}s {d['texts_per_s']:.0f} texts/s" for f, d in c["fields"].items())
           + ". Embedding time excluded below: add (distinct texts ÷ texts/s) per field for a cold cache."]
    for f, d in c["fields"].items():
        out.append(f"- proxy for {f}s: shared weight {d['shared']:.3f}; pairs with cosine ≥ {d['threshold']}: real {d['real_share']:.2%}, "
                   f"proxy {d['proxy_share']:.2%}; ≥ 0.95: real {d['real_share_095']:.2%}, proxy {d['proxy_share_095']:.2%}; "
                   f"mean cosine real {d['real_mean']:.3f}, proxy {d['proxy_mean']:.3f}; correlation of pair cosines {d['corr']:.2f} "
                   f"({d['texts']} texts)")
    return out

def meaning_table(fills:list, means:list, words:list, calib:dict) -> list:
    lines = ["| rows | distinct texts proxied | fill s (excluded) | fill peak MB | by meaning s | peak MB | again s | peak MB | texts computed | by words s | peak MB |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for f, m, w in zip(fills, means, words):
        n, cell = m["rows"], lambda r, k, s="{:.1f}": "error" if "error" in r and k not in r else fmt(r.get(k), s)
        lines.append(f"| {n:,} | {fmt(f.get('vectors'), '{:,}')} | {cell(f, 'fill_s')} | {cell(f, 'peak_rss_mb', '{:.0f}')} | "
                     f"{cell(m, 'first_s')} | {cell(m, 'first_peak_rss_mb', '{:.0f}')} | {cell(m, 'second_s')} | "
                     f"{cell(m, 'second_peak_rss_mb', '{:.0f}')} | {fmt(m.get('computed_texts'), '{:,}')} | {cell(w, 'first_s')} | {cell(w, 'peak_rss_mb', '{:.0f}')} |")
        for name, r in (("fill", f), ("by meaning", m), ("by words", w)):
            if "error" in r: notes.append(f"- {n:,} rows, {name}: {r['error']}")
        if "texts" in f:
            per = calib.get("fields", {})
            rate = {g: per[g if g in per else "question"]["texts_per_s"] for g in f["distinct"]} if "question" in per else {}
            est = sum(k / rate[g] for g, k in f["distinct"].items()) if rate else None  # sentences are short: at the questions' rate
            notes.append(f"- {n:,} rows: texts embedded by the report " + ", ".join(f"{g} {k:,}" for g, k in f["texts"].items())
                         + f"; {f['vectors']:,} distinct, cache {f['cache_mb']:.0f} MB; warm-up report on 50 rows {f['warmup_s']:.1f} s"
                         + (f"; computing them for real at the rates above: ≈ {est / 3600:.1f} h" if est else ""))
        if "flags" in m: notes.append(f"- {n:,} rows, flags by meaning (proxy vectors): " + ", ".join(f"{k} {v:,}" for k, v in m["flags"].items()))
        if "flags" in w: notes.append(f"- {n:,} rows, flags by words: " + ", ".join(f"{k} {v:,}" for k, v in w["flags"].items()))
    return lines + [""] + notes

def neardup_table(dups:list) -> list:
    lines = ["| rows | near-dup synthnb s | near-dup datasketch s | ratio | recall synthnb | recall datasketch | peak RSS MB |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    measured = [d for d in dups if "datasketch_s" in d]
    per_row = measured[-1]["datasketch_s"] / measured[-1]["rows"] if measured else None
    notes = []
    for d in dups:
        n = d["rows"]
        if "datasketch_s" in d: ds, ds_t = fmt(d["datasketch_s"], "{:.2f}"), d["datasketch_s"]
        elif per_row and "synthnb_s" in d: ds_t = per_row * n; ds = f"~{ds_t:.0f} (estimated)"
        else: ds, ds_t = "–", None
        ratio = fmt(ds_t / d["synthnb_s"] if ds_t and d.get("synthnb_s") else None, "{:.1f}×") + (" (est.)" if ds.startswith("~") else "")
        lines.append(f"| {n:,} | {fmt(d.get('synthnb_s'), '{:.2f}')} | {ds} | {ratio} | {fmt(d.get('recall_synthnb'), '{:.3f}')} | "
                     f"{fmt(d.get('recall_datasketch'), '{:.3f}')} | {fmt(d.get('peak_rss_mb'), '{:.0f}')} |")
        if "error" in d: notes.append(f"- {n:,} rows: {d['error']}")
        if "planted_near" in d:
            s = (f"- {n:,} rows, near-dup: {d['planted_near']:,} planted pairs ({d['planted_near_j07']:,} with true 3-gram "
                 f"Jaccard ≥ 0.7); exact-copy recall synthnb {fmt(d['exact_recall_synthnb'], '{:.3f}')}, "
                 f"datasketch {fmt(d.get('exact_recall_datasketch'), '{:.3f}')}; "
                 f"synthnb pairs {d['pairs_synthnb']:,}")
            if "pairs_datasketch" in d:
                s += (f", datasketch pairs {d['pairs_datasketch']:,} ({d['pairs_datasketch_verified']:,} with estimated "
                      f"Jaccard ≥ 0.7), in both {d['pairs_both']:,} ({d['pairs_both_verified']:,} verified)")
            notes.append(s)
    return lines + [""] + notes

def targets_text(means:list, words:list) -> str:
    tg = []
    for by, rs in (("by meaning", means), ("by words", words)):
        for r in rs:
            if r["rows"] not in TARGETS: continue
            sec, mb = TARGETS[r["rows"]]; s, pk = r.get("first_s"), r.get("peak_rss_mb")
            ok = s is not None and s <= sec and (mb is None or (pk or 1e9) < mb)
            tg.append(f"{r['rows']:,} rows {by}: report ≤ {sec} s" + (f" and peak < {mb} MB" if mb else "")
                      + f" → {fmt(s, '{:.1f}')} s, {fmt(pk, '{:.0f}')} MB {'✓' if ok else '✗'}")
    return "Targets (embedding time excluded): " + ("; ".join(tg) if tg else "none of the target sizes run")

def table(calib:dict, fills:list, means:list, words:list, dups:list) -> str:
    machine = (f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}; "
               f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    head = ["# Quality report benchmark", "", machine, "",
            "## The report: by meaning (proxy vectors, embedding time excluded) and by words", "",
            "**The vectors are proxies, not all-MiniLM-L6-v2's**: TF-IDF → fixed Gaussian projection to 384 dims (+ a shared "
            "direction calibrated to the real model's share of similar pairs) → unit length, written to a temporary embeddings "
            "cache before the report (\"fill\", timed apart). The report's times below exclude computing embeddings; the "
            "findings by meaning (flag counts) are those of the proxies, not of the model.", "", *calibration_text(calib), ""]
    return "\n".join([*head, *meaning_table(fills, means, words, calib), "", targets_text(means, words), "",
                      "## Near-duplicates by words: synthnb against datasketch", "", *neardup_table(dups), ""])

def profile_text(n:int, m:dict) -> str:
    if "profile_cumulative" not in m: return f"# Profile of quality() by meaning at {n:,} rows\n\nno profile: {m.get('error')}\n"
    return "\n".join([f"# Profile of quality() by meaning at {n:,} rows (proxy vectors from the cache)", "",
                      f"First call in the process, under cProfile: {fmt(m.get('first_s'))} s (second call, unprofiled: "
                      f"{fmt(m.get('second_s'))} s); peak RSS {m['peak_rss_mb']:.0f} MB." + (f" It failed: {m['error']}" if "error" in m else ""), "",
                      "## By cumulative time", "", "```", m["profile_cumulative"].strip(), "```", "",
                      "## By own time", "", "```", m["profile_tottime"].strip(), "```", ""])

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--baseline-max", type=int, default=100_000, help="run datasketch up to this many rows")
    ap.add_argument("--baseline-1m", action="store_true", help="run datasketch at 1M rows too (slow)")
    ap.add_argument("--neardup-max", type=int, default=1_000_000, help="compare near-duplicates up to this many rows")
    ap.add_argument("--profile", default="", help="sizes (comma-separated) whose first report by meaning runs under cProfile")
    ap.add_argument("--max-gb", type=float, default=16, help="address-space limit of each child (GB): past it a report fails with MemoryError")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--part", choices=["calibrate", "fill", "meaning", "words", "neardup"], help=argparse.SUPPRESS)
    ap.add_argument("--shared", default="{}", help=argparse.SUPPRESS)
    ap.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--profile-this", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        if a.max_gb: resource.setrlimit(resource.RLIMIT_AS, (int(a.max_gb * 2**30),) * 2)
        res = {"calibrate": lambda: part_calibrate(a.one, a.seed), "fill": lambda: part_fill(a.one, a.seed, json.loads(a.shared)),
               "meaning": lambda: part_report(a.one, a.seed, "meaning", a.profile_this), "words": lambda: part_report(a.one, a.seed, "words"),
               "neardup": lambda: part_neardup(a.one, a.seed, a.baseline)}[a.part]()
        print("RESULT " + json.dumps(res, default=float), flush=True); return
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    profiled, profiles = {int(s) for s in a.profile.split(",") if s.strip()}, []
    calib = child(10_000, "calibrate", a.seed)
    shared = json.dumps({f: d["shared"] for f, d in calib.get("fields", {}).items()})
    fills, means, words, dups = [], [], [], []
    for n in sizes:
        cache = tempfile.mkdtemp(prefix=f"synthnb-quality-{n}-")
        try:
            fills.append(child(n, "fill", a.seed, "--shared", shared, cache=cache))
            means.append(child(n, "meaning", a.seed, *(["--profile-this"] if n in profiled else []), "--max-gb", str(a.max_gb), cache=cache))
        finally: shutil.rmtree(cache, ignore_errors=True)
        words.append(child(n, "words", a.seed))
        if n <= a.neardup_max: dups.append(child(n, "neardup", a.seed, *(["--baseline"] if n <= a.baseline_max or (a.baseline_1m and n <= 1_000_000) else [])))
        if n in profiled: profiles.append(profile_text(n, means[-1])); PROFILE.write_text("\n".join(profiles))
    md = table(calib, fills, means, words, dups)
    print(md)
    RESULTS.parent.mkdir(parents=True, exist_ok=True); RESULTS.write_text(md)

if __name__ == "__main__": main()
