"""How much of what the comparison of every pair finds, the search among nearby rows finds (`meaning_duplicates` from
`INDEX_FROM` rows), on the real embedding model's vectors of generated bakery rows, and the time of each, in one run.

  python benchmarks/meaning_recall.py --rows 10000

The rows are benchmarks/quality_data.py's (templated answers with planted near-duplicates); their vectors are the
embedded all-MiniLM-L6-v2's, computed once and kept in the embeddings cache (the first run embeds 2 × rows texts).
Both ways get the same vectors and texts; recall = findings (row, kind) of the nearby search that the exact one has
too ÷ the exact one's; `same partner` = the share of those found with the same earlier row."""
import argparse, platform, sys, time, datetime
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/"benchmarks"))
from synthnb.embeddings import embed
from synthnb.meaning import meaning_duplicates, INDEX_FROM
from quality_data import make_rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000); ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    df, _ = make_rows(args.rows, args.seed)
    t = time.monotonic(); q, a = embed(df["question"].tolist(), progress=True), embed(df["response"].tolist(), progress=True)
    print(f"# Near-duplicates by meaning: every pair against nearby rows\n\nMachine: {platform.machine()}, Python {platform.python_version()}; "
          f"{datetime.datetime.now():%Y-%m-%d %H:%M}; {args.rows:,} rows, vectors of all-MiniLM-L6-v2 (embedding {time.monotonic() - t:.1f} s, excluded)\n")
    texts = list(zip(df["question"], df["response"]))
    t = time.monotonic(); exact = meaning_duplicates(q, a, texts=texts, index_from=10**12); t_exact = time.monotonic() - t
    t = time.monotonic(); nearby = meaning_duplicates(q, a, texts=texts, index_from=0); t_nearby = time.monotonic() - t
    print("| kind | every pair: rows | nearby: rows | found of every pair's | same partner | not in every pair's |\n|---|---:|---:|---:|---:|---:|")
    for kind in ["near_duplicate", "same_answer"]:
        e, n = exact[exact["kind"] == kind], nearby[nearby["kind"] == kind]
        er, nr = dict(zip(e["row"], e["of"])), dict(zip(n["row"], n["of"]))
        both = set(er) & set(nr)
        print(f"| {kind} | {len(er):,} | {len(nr):,} | {len(both) / max(len(er), 1):.3f} | {sum(er[r] == nr[r] for r in both) / max(len(both), 1):.3f} | {len(set(nr) - set(er))} |")
    print(f"\nTime: every pair {t_exact:.1f} s, nearby rows {t_nearby:.1f} s (from {INDEX_FROM:,} rows `quality` uses the nearby search)")


if __name__ == "__main__": main()
