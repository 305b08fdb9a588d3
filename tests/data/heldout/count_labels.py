# Validates the held-out files and prints the counts table in README.md.
# Run from the repository root: python3 tests/data/heldout/count_labels.py
import json, yaml, collections, pathlib
root = pathlib.Path("tests/data/heldout")
KINDS = ["wrong_time","wrong_day","wrong_price","wrong_phone","wrong_email","wrong_url","wrong_number",
         "unknown_item","not_offered","not_in_list","avoided_topic","copies_example","near_duplicate"]
doms = ["hotel","bike_repair","pharmacy","software_helpdesk","restaurant"]
table = {}
for d in doms:
    spec = yaml.safe_load(open(root/d/"spec.yaml"))
    assert "fields" not in spec and spec["records_per_request"] == 5
    assert 2 <= len(spec["examples"]) <= 3 and 3 <= len(spec["topics"]) <= 5 and 2 <= len(spec["avoid"]) <= 3
    c = collections.Counter(); n = 0
    for line in open(root/d/"rows.jsonl"):
        r = json.loads(line); n += 1
        assert set(r) == {"question","response","topic","labels","note"}
        assert r["topic"] in spec["topics"] or r["topic"] == ""
        assert all(l in KINDS for l in r["labels"])
        c.update(r["labels"] or ["clean"])
    table[d] = (n, c)
cols = ["rows","clean"] + KINDS
w = max(len(k) for k in cols)
print(f"{'kind':<{w}} " + " ".join(f"{d[:9]:>9}" for d in doms) + f" {'total':>6}")
for k in cols:
    vals = [table[d][0] if k == "rows" else table[d][1][k] for d in doms]
    print(f"{k:<{w}} " + " ".join(f"{v:>9}" for v in vals) + f" {sum(vals):>6}")
p = [json.loads(l) for l in open(root/"paraphrases.jsonl")]
assert all(set(r) == {"domain","real","paraphrase"} for r in p)
print("\nparaphrases.jsonl:", len(p), "pairs;", dict(collections.Counter(r["domain"] for r in p)))
o = [json.loads(l) for l in open(root/"offdomain.jsonl")]
assert all(set(r) == {"question","response"} for r in o)
print("offdomain.jsonl:", len(o), "rows (pet grooming salon)")
