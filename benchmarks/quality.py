"""Speed and memory of the quality report, and near-duplicate detection against a plain datasketch loop.

Run: `.venv/bin/python benchmarks/quality.py` (sizes 10k, 100k, 1M; the 1M row takes minutes), or e.g.
`--sizes 10000,100000`. Each size runs in fresh subprocesses (`--one SIZE --part report|neardup`) so that peak RSS
(ru_maxrss of the child) belongs to that size alone; the children run one after another. The data are bakery-chatbot
rows made by `quality_data.make_rows` (seeded templates, planted defects). Prints a Markdown table and writes it to
benchmarks/results/quality.md.

- report: `synthnb.quality.quality(df, spec)` with `spec = PromptSpec.example("bakery")`. Until that function exists
  the script says "quality() not available" and times the pieces instead: tokenize question and response,
  `find_duplicates` of the joined rows, `fact_checks(df, spec)`.
- near-dup: text = question + " " + response. synthnb: `find_duplicates(tokenize(texts), threshold=0.7)`.
  datasketch (the textbook loop): per row `MinHash(num_perm=64)` updated with the row's word 3-gram shingles
  (`synthnb.text.words`), inserted into `MinHashLSH(threshold=0.7, num_perm=64)`, then each row queried to form pairs.
  Run up to `--baseline-max` rows (default 100k) or at 1M with `--baseline-1m`; above that its time is estimated
  linearly from the largest measured size and marked "estimated".
- recall: share of the planted near-duplicate pairs (source, edited copy) that end up linked: in one synthnb cluster,
  or in one connected component of datasketch's pairs.
"""
from __future__ import annotations
import argparse, datetime, json, os, platform, resource, subprocess, sys, time
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results" / "quality.md"
TARGETS = {100_000: (60, None), 1_000_000: (600, 4096)}  # rows: (report seconds, peak RSS MB)

def peak_rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

# ---------------------------------------------------------------- children
def part_report(n:int, seed:int, pieces:bool=False) -> dict:
    from quality_data import make_rows
    from synthnb.spec import PromptSpec
    t = time.perf_counter(); df, _ = make_rows(n, seed); build = time.perf_counter() - t
    out = {"rows": n, "build_s": build, "rss_after_build_mb": peak_rss_mb()}
    spec = PromptSpec.example("bakery")
    try:
        if pieces: raise ImportError("--pieces given")
        from synthnb.quality import quality
    except ImportError as e: quality, out["note"] = None, f"quality() not available ({e})"
    t = time.perf_counter()
    try:
        if quality is not None: quality(df, spec)
        else: out["pieces"] = run_pieces(df, spec)
        out["report_s"] = time.perf_counter() - t
    except Exception as e:  # a failing report is a result too
        out["error"] = f"{type(e).__name__}: {e}"[:300]
    out["peak_rss_mb"] = peak_rss_mb()
    return out

def run_pieces(df, spec) -> dict:
    "The parts of the report that exist already, timed one by one."
    from synthnb.text import tokenize, join_tokens
    from synthnb.duplicates import find_duplicates
    from synthnb.facts import fact_checks
    times, t = {}, time.perf_counter()
    vocab = {}; tq = tokenize(df["question"], vocab); tr = tokenize(df["response"], vocab)
    times["tokenize"] = time.perf_counter() - t; t = time.perf_counter()
    find_duplicates(join_tokens(tq, tr), threshold=0.7)
    times["find_duplicates"] = time.perf_counter() - t; t = time.perf_counter()
    fact_checks(df, spec)
    times["fact_checks"] = time.perf_counter() - t
    return times

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
def child(n:int, part:str, seed:int, baseline:bool=False, pieces:bool=False) -> dict:
    cmd = [sys.executable, __file__, "--one", str(n), "--part", part, "--seed", str(seed)]
    cmd += (["--baseline"] if baseline else []) + (["--pieces"] if pieces else [])
    print(f"… {part} at {n:,} rows", file=sys.stderr, flush=True)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    res = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    if p.returncode or not res: return {"rows": n, "error": f"child exited {p.returncode}"}
    return json.loads(res[-1][7:])

def fmt(x, spec="{:.1f}"): return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else spec.format(x)

def table(reports:list, dups:list) -> str:
    lines = ["| rows | build s | report s | peak RSS MB | near-dup synthnb s | near-dup datasketch s | ratio | recall synthnb | recall datasketch |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    measured = [d for d in dups if "datasketch_s" in d]
    per_row = measured[-1]["datasketch_s"] / measured[-1]["rows"] if measured else None
    notes, dagger = [], False
    for r, d in zip(reports, dups):
        n = r["rows"]
        rep = fmt(r.get("report_s"), "{:.2f}") if "error" not in r else "error"
        if "pieces" in r: rep += " †"; dagger = True
        if "datasketch_s" in d: ds, ds_t = fmt(d["datasketch_s"], "{:.2f}"), d["datasketch_s"]
        elif per_row and "synthnb_s" in d: ds_t = per_row * n; ds = f"~{ds_t:.0f} (estimated)"
        else: ds, ds_t = "–", None
        ratio = fmt(ds_t / d["synthnb_s"] if ds_t and d.get("synthnb_s") else None, "{:.1f}×") + (" (est.)" if ds.startswith("~") else "")
        lines.append(f"| {n:,} | {fmt(r.get('build_s'), '{:.2f}')} | {rep} | {fmt(r.get('peak_rss_mb'), '{:.0f}')} | "
                     f"{fmt(d.get('synthnb_s'), '{:.2f}')} | {ds} | {ratio} | {fmt(d.get('recall_synthnb'), '{:.3f}')} | "
                     f"{fmt(d.get('recall_datasketch'), '{:.3f}')} |")
        for x in (r, d):
            if "error" in x: notes.append(f"- {n:,} rows: {x['error']}")
        if "rss_after_build_mb" in r:
            notes.append(f"- {n:,} rows, report: RSS after building the data {r['rss_after_build_mb']:.0f} MB"
                         + ("; pieces: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["pieces"].items()) if "pieces" in r else ""))
        if "planted_near" in d:
            s = (f"- {n:,} rows, near-dup: {d['planted_near']:,} planted pairs ({d['planted_near_j07']:,} with true 3-gram "
                 f"Jaccard ≥ 0.7); exact-copy recall synthnb {fmt(d['exact_recall_synthnb'], '{:.3f}')}, "
                 f"datasketch {fmt(d.get('exact_recall_datasketch'), '{:.3f}')}; "
                 f"synthnb pairs {d['pairs_synthnb']:,}")
            if "pairs_datasketch" in d:
                s += (f", datasketch pairs {d['pairs_datasketch']:,} ({d['pairs_datasketch_verified']:,} with estimated "
                      f"Jaccard ≥ 0.7), in both {d['pairs_both']:,} ({d['pairs_both_verified']:,} verified)")
            notes.append(s)
    if dagger: notes.insert(0, "- † quality() not available: time of the existing pieces (tokenize, find_duplicates, fact_checks) instead")
    tg = []
    for r in reports:
        if r["rows"] in TARGETS:
            sec, mb = TARGETS[r["rows"]]; rs, pk = r.get("report_s"), r.get("peak_rss_mb")
            ok = rs is not None and rs <= sec and (mb is None or (pk or 1e9) < mb)
            tg.append(f"{r['rows']:,} rows: report ≤ {sec} s" + (f" and peak < {mb} MB" if mb else "")
                      + f" → {fmt(rs, '{:.1f}')} s, {fmt(pk, '{:.0f}')} MB {'✓' if ok else '✗'}" + (" (pieces)" if "pieces" in r else ""))
    machine = (f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}; "
               f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")
    return "\n".join(["# Quality report benchmark", "", machine, "", *lines, "", *notes, "",
                      "Targets: " + ("; ".join(tg) if tg else "none of the target sizes run"), ""])

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--baseline-max", type=int, default=100_000, help="run datasketch up to this many rows")
    ap.add_argument("--baseline-1m", action="store_true", help="run datasketch at 1M rows too (slow)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--part", choices=["report", "neardup"], help=argparse.SUPPRESS)
    ap.add_argument("--pieces", action="store_true", help="time the existing pieces instead of quality()")
    ap.add_argument("--baseline", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        res = part_report(a.one, a.seed, a.pieces) if a.part == "report" else part_neardup(a.one, a.seed, a.baseline)
        print("RESULT " + json.dumps(res), flush=True); return
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    reports, dups = [], []
    for n in sizes:
        reports.append(r := child(n, "report", a.seed, pieces=a.pieces))
        if "note" in r: print(r["note"], file=sys.stderr)
        dups.append(child(n, "neardup", a.seed, baseline=n <= a.baseline_max or (a.baseline_1m and n <= 1_000_000)))
    md = table(reports, dups)
    print(md)
    RESULTS.parent.mkdir(parents=True, exist_ok=True); RESULTS.write_text(md)

if __name__ == "__main__": main()
