"""How well `synthnb.quality.quality` flags labelled rows, per domain and pooled.

A domain is a folder with `spec.yaml` (a PromptSpec) and `rows.jsonl` (one row a line: question, response, topic,
`labels` = the flag kinds the row must get, [] for a clean row, and `note`). By default every such folder under
tests/data/dev/ and tests/data/heldout/ is read; `--split` picks one of the two.

  python benchmarks/checks.py --split dev            # rules alone
  python benchmarks/checks.py --split dev --judge    # and the LLM judge (the embedded model), reported apart
  python benchmarks/checks.py tests/data/dev/gym     # named folders

For each kind: rows labelled with it, rows flagged with it, true positives (both), recall = tp / labelled and
precision = tp / flagged. `clean_fact_flags` counts clean rows that got any rule fact flag. The judge has one kind
("judge", source "judge": the model's opinion); it is scored against the rows labelled with any fact kind, and
`rules+judge` against the same rows (with `--judge-rows`, rows the judge did not read count as not flagged by it)."""
import argparse, json, math, sys
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from synthnb.spec import PromptSpec
from synthnb.quality import quality, FLAG_KINDS
from synthnb.facts import FACT_KINDS

SPLITS = {"dev": [ROOT/"tests/data/dev"], "heldout": [ROOT/"tests/data/heldout"], "all": [ROOT/"tests/data/dev", ROOT/"tests/data/heldout"]}


def domains(split:str) -> list:
    "The domain folders of a split: those with both spec.yaml and rows.jsonl."
    return sorted(d for top in SPLITS[split] if top.exists() for d in top.iterdir() if (d/"spec.yaml").exists() and (d/"rows.jsonl").exists())


def load_rows(path:Path) -> pd.DataFrame:
    "The labelled rows as the DataFrame a run gives (index 0..n-1, status 'ok'), with their `labels`."
    recs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return pd.DataFrame({"question": pd.Series([r["question"] for r in recs], dtype=object),
                         "response": pd.Series([r["response"] for r in recs], dtype=object),
                         "topic": [r.get("topic", "") for r in recs], "status": "ok",
                         "labels": [list(r.get("labels", [])) for r in recs]})


def score(labelled:set, flagged:set) -> dict:
    tp = len(labelled & flagged)
    return {"labelled": len(labelled), "flagged": len(flagged), "tp": tp,
            "recall": tp / len(labelled) if labelled else math.nan, "precision": tp / len(flagged) if flagged else math.nan}


def table(df:pd.DataFrame, flags:pd.DataFrame, kinds:list) -> pd.DataFrame:
    "Per kind: labelled, flagged, tp, recall, precision (rule flags only)."
    rule = flags[flags["source"] == "rule"]
    out = {k: score({i for i, ls in df["labels"].items() if k in ls}, set(rule.loc[rule["kind"] == k, "row"])) for k in kinds}
    return pd.DataFrame(out).T[["labelled", "flagged", "tp", "recall", "precision"]]


def judge_table(df:pd.DataFrame, flags:pd.DataFrame) -> pd.DataFrame:
    "The judge alone, and rules with the judge, against the rows labelled with any fact kind."
    facty = {i for i, ls in df["labels"].items() if set(ls) & set(FACT_KINDS)}
    judge = set(flags.loc[flags["source"] == "judge", "row"])
    rules = set(flags.loc[(flags["source"] == "rule") & flags["kind"].isin(FACT_KINDS), "row"])
    return pd.DataFrame({"judge": score(facty, judge), "rules+judge": score(facty, judge | rules)}).T


def run(folder:Path, judge:bool, judge_rows:int|None=None) -> tuple:
    spec, df = PromptSpec.load(folder/"spec.yaml"), load_rows(folder/"rows.jsonl")
    report = quality(df.drop(columns="labels"), spec, judge="embedded" if judge else None, judge_rows=judge_rows or len(df))
    return df, report.flags


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="*", type=Path, help="domain folders (default: every one of --split)")
    p.add_argument("--split", choices=list(SPLITS), default="all")
    p.add_argument("--judge", action="store_true", help="also ask the LLM judge (the embedded model), reported apart")
    p.add_argument("--judge-rows", type=int, default=None, help="rows the judge reads per domain (a seeded sample; default all)")
    a = p.parse_args(argv)
    folders = a.folders or domains(a.split)
    if not folders: print(f"no domains in split {a.split}"); return 1
    kinds = [k for k in FLAG_KINDS if k != "judge"]
    for k in FACT_KINDS:
        if k not in kinds: kinds.append(k)
    pooled_df, pooled_flags, offset = [], [], 0
    pd.set_option("display.width", 140); pd.set_option("display.float_format", "{:.2f}".format)
    for folder in folders:
        df, flags = run(folder, a.judge, a.judge_rows)
        used = [k for k in kinds if any(k in ls for ls in df["labels"]) or (flags["kind"] == k).any()]
        clean = set(df.index[df["labels"].str.len() == 0])
        bad = set(flags.loc[flags["kind"].isin(FACT_KINDS) & flags["row"].isin(clean) & (flags["source"] == "rule"), "row"])
        print(f"\n== {folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}: {len(df)} rows, {len(clean)} clean, "
              f"clean_fact_flags {len(bad)} ==\n{table(df, flags, used)}")
        if a.judge: print(f"-- judge (the model's opinion), apart --\n{judge_table(df, flags)}")
        pooled_df.append(df.set_index(df.index + offset)); pooled_flags.append(flags.assign(row=flags["row"] + offset)); offset += len(df)
    df, flags = pd.concat(pooled_df), pd.concat(pooled_flags)
    used = [k for k in kinds if any(k in ls for ls in df["labels"]) or (flags["kind"] == k).any()]
    t = table(df, flags, used)
    print(f"\n== pooled: {len(folders)} domains, {len(df)} rows ==\n{t}")
    facts = t.loc[[k for k in FACT_KINDS if k in t.index]]
    print(f"\nfact kinds: least recall {facts['recall'].min():.2f}, least precision {facts['precision'].min():.2f}")
    if a.judge: print(f"-- judge (the model's opinion), pooled, apart --\n{judge_table(df, flags)}")
    return 0


if __name__ == "__main__": sys.exit(main())
