"""Print, for each domain folder here, its rows and how many rows carry each label (clean = labels []).

    python tests/data/dev/count_labels.py
"""
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

def read_jsonl(path):
    "The records of a JSON-lines file (blank lines skipped)."
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]

def main():
    total = Counter()
    for d in sorted(p for p in HERE.iterdir() if (p/"spec.yaml").exists() and (p/"rows.jsonl").exists()):
        rows = read_jsonl(d/"rows.jsonl")
        c = Counter(l for r in rows for l in r.get("labels", []))
        c["clean"] = sum(1 for r in rows if not r.get("labels"))
        total.update(c); total["rows"] += len(rows)
        print(f"{d.name}: {len(rows)} rows")
        for k, n in sorted(c.items()):
            print(f"  {k:16} {n}")
    print(f"all domains: {total.pop('rows', 0)} rows")
    for k, n in sorted(total.items()):
        print(f"  {k:16} {n}")
    for name in ("paraphrases.jsonl", "offdomain.jsonl", "offdomain2.jsonl"):
        if (HERE/name).exists():
            recs = read_jsonl(HERE/name)
            by = Counter(r["domain"] for r in recs if "domain" in r)
            print(f"{name}: {len(recs)} records" + ("".join(f"\n  {k:40} {n}" for k, n in sorted(by.items())) if by else ""))

if __name__ == "__main__":
    main()
