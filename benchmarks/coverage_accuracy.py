"""How well `synthnb.real.coverage` tells "asks the same thing" from "is also a question", on labelled data.

For a split (tests/data/dev: what the threshold was calibrated on; tests/data/heldout: written apart, never tuned on):
- paraphrases.jsonl: real questions, each with a paraphrase (other words, same meaning). The paraphrases are the
  synthetic set; a real question counts as found when its nearest synthetic question is its own paraphrase and it is
  covered at the default threshold.
- offdomain.jsonl: synthetic questions from a domain none of the real questions is about; the share of real questions
  it "covers" should be near 0.
Both by meaning (the default) and by words (TF-IDF), in one run.

    python benchmarks/coverage_accuracy.py [--split dev|heldout|all]
"""
import argparse, json, pathlib, sys, time
import numpy as np
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from synthnb.real import coverage

def load(path): return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]

def measure(folder:pathlib.Path, by:str) -> dict:
    pairs, off = load(folder/"paraphrases.jsonl"), load(folder/"offdomain.jsonl")
    real = [p["real"] for p in pairs]
    t0 = time.monotonic()
    c = coverage([p["paraphrase"] for p in pairs], real, by=by)
    found = (c.nearest["synthetic row"].to_numpy() == np.arange(len(real))) & c.nearest["covered"].to_numpy()
    o = coverage([r["question"] for r in off], real, by=by)
    per_domain = {}
    for d in sorted({p["domain"] for p in pairs}):
        m = np.array([p["domain"] == d for p in pairs])
        per_domain[d] = round(float(found[m].mean()), 3)
    return {"split": folder.name, "by": by, "threshold": c.threshold, "pairs": len(pairs),
            "nearest is own paraphrase": round(float((c.nearest["synthetic row"].to_numpy() == np.arange(len(real))).mean()), 3),
            "found and covered": round(float(found.mean()), 3), "off-domain covers": round(o.covered, 3),
            "off-domain rows": len(off), "seconds": round(time.monotonic() - t0, 1), "per domain": per_domain}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    a = ap.parse_args()
    splits = ["dev", "heldout"] if a.split == "all" else [a.split]
    print(f"{'split':8} {'by':8} {'threshold':>9} {'pairs':>5} {'nearest=own':>11} {'found+covered':>13} {'off-domain covers':>17}")
    for s in splits:
        for by in ("meaning", "words"):
            r = measure(ROOT/"tests"/"data"/s, by)
            print(f"{r['split']:8} {r['by']:8} {r['threshold']:9g} {r['pairs']:5} {r['nearest is own paraphrase']:11.3f} {r['found and covered']:13.3f} {r['off-domain covers']:17.3f}")
            print(f"{'':17} per domain (found+covered): " + ", ".join(f"{d} {v:.2f}" for d, v in r["per domain"].items()))

if __name__ == "__main__": main()
