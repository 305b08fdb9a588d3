"""Downstream evaluation on FiQA, on this machine: does an in-domain data set beat an off-domain one on real questions it
never saw, in context and fine-tuned, and what each costs.

The data: FiQA's 648 real finance questions with answers (nbs/tutorials/data), split with a seeded permutation. Half of
them (324 pairs) are the in-domain data set, a stand-in for good synthetic finance data; the real questions measured are a
seeded sample of `--questions` from the other half, so no data set holds them. The off-domain data set is the bakery
tutorial's 20 rows (the embedded model, temperature 0.7, seed 0; from the request cache when they were made before).

1. Speed of the in-context proxy: seconds per real question on the embedded model, without the cache, for the baseline
   (the question alone, `no data`) and with k=3 rows as examples, side by side in one run on the same server, with the
   prompt and answer tokens.
2. Speed of the fine-tune: minutes per epoch of a LoRA (r=8, batch 8, 128 tokens) on SmolLM2-135M-Instruct over the
   324 in-domain rows, with the tokens trained; beside it, the seconds per real pair of only measuring a loss.
3. The ranking: `synthnb downstream`'s measure of both data sets on the same real questions, in context (k=3) and
   fine-tuned (one epoch each), with 90% bootstrap intervals.

Run: `make bench-downstream` (or `.venv/bin/python benchmarks/downstream.py`; about 30 minutes on 2 cores).
It prints Markdown and writes it to benchmarks/results/downstream.md; the README quotes it.
"""
from __future__ import annotations
import argparse, os, platform, sys, time
from pathlib import Path
import numpy as np, pandas as pd
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from synthnb.spec import PromptSpec
from synthnb.generate import generate
from synthnb.downstream import qa_pairs, data_sets, in_context_answers, downstream, NO_DATA, MEASURES
from synthnb.finetune import load_model, fine_tune, answer_losses

FIQA = HERE.parent/"nbs/tutorials/data/fiqa_test.jsonl"

def fiqa_split(seed:int=0) -> tuple:
    "(in-domain data: 324 FiQA pairs, the other 324: the pool of real questions)."
    real = qa_pairs(FIQA)
    order = np.random.default_rng(seed).permutation(len(real))
    half = len(real) // 2
    return real.iloc[order[:half]].reset_index(drop=True), real.iloc[order[half:]].reset_index(drop=True)

def bakery_rows() -> pd.DataFrame:
    "The bakery tutorial's 20 rows (the embedded model; from the cache when they were made before)."
    return generate(PromptSpec.example("bakery"), 20, temperature=0.7, seed=0, progress=False)

def proxy_speed(pool, sets, n:int) -> list:
    ans = in_context_answers(pool.head(n), {"FiQA half": sets["FiQA half"]}, k=3, cache=False, progress=False)
    lines = ["| in context, embedded model | real questions | seconds per question | prompt tokens (mean) | answer tokens (mean) | failed |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, label in [(NO_DATA, "baseline: the question alone"), ("FiQA half", "k=3 rows as examples")]:
        a = ans[ans["data"] == name]
        lines.append(f"| {label} | {len(a)} | {a['seconds'].sum() / len(a):.1f} | {a['prompt_tokens'].mean():.0f} | {a['completion_tokens'].mean():.0f} | {(a['status'] != 'ok').sum()} |")
    lines.append("")
    lines.append("Seconds per question are each answer's own time (`seconds`), two in flight on the server's two slots.")
    return lines

def fine_tune_speed(sets, pool) -> list:
    t0 = time.perf_counter(); model, tok = load_model(); load_s = time.perf_counter() - t0
    data = sets["FiQA half"]
    t0 = time.perf_counter(); losses = answer_losses(model, tok, pool["question"].head(40).tolist(), pool["answer"].head(40).tolist()); score_s = time.perf_counter() - t0
    ft = fine_tune(model, tok, data["question"].tolist(), data["answer"].tolist(), epochs=1.0, batch_size=8, max_length=128)
    ft.remove()
    return ["| SmolLM2-135M-Instruct, 2 cores | rows | steps | tokens trained | seconds | per epoch |", "|---|---:|---:|---:|---:|---:|",
            f"| load (GGUF → float32) | | | | {load_s:.0f} | |",
            f"| LoRA r=8, batch 8, 128 tokens, 1 epoch | {ft.rows} | {ft.steps} | {ft.tokens:,} | {ft.seconds:.0f} | {ft.seconds / 60:.1f} min |",
            f"| baseline: only the loss of 40 real pairs (256 tokens) | 40 | | {int(losses['tokens'].sum()):,} scored | {score_s:.0f} | {score_s / 40:.2f} s a pair |", ""]

def ranking(result) -> list:
    pct = int(round(100 * result.settings["level"]))
    lines = [f"| measure | data set | gain over no data | {pct}% interval | better / worse | above the next? |", "|---|---|---:|---|---:|---|"]
    for m in result.measures():
        for r in result.ranking(m).itertuples():
            nxt = {True: "yes", False: "no"}.get(r[5], "")
            lines.append(f"| {m} | {r.data} | {r.gain:+.3f} | [{r.gain_low:+.3f}, {r.gain_high:+.3f}] | {r.better} / {r.worse} of {r.questions} | {nxt} |")
    lines += ["", "How each score is computed:", ""] + [f"- **{m}**: {MEASURES[m]}" for m in result.measures()]
    if result.training is not None:
        lines += ["", "| fine-tune | rows | steps | tokens | seconds | first loss | last loss |", "|---|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r.data} | {r.rows} | {r.steps} | {r.tokens:,} | {r.seconds:.0f} | {r.first_loss:.2f} | {r.last_loss:.2f} |" for r in result.training.itertuples()]
    return lines

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=40, help="real questions measured (default 40)")
    ap.add_argument("--speed-questions", type=int, default=6, help="real questions timed without the cache (default 6)")
    ap.add_argument("--out", default=str(HERE/"results/downstream.md"))
    args = ap.parse_args(argv)
    fiqa_half, pool = fiqa_split()
    sets = data_sets({"FiQA half": fiqa_half, "bakery": bakery_rows()})
    pick = pool.sample(args.questions, random_state=0)
    test, rest = pick.reset_index(drop=True), pool.drop(index=pick.index).reset_index(drop=True)
    t0 = time.perf_counter()
    speed = proxy_speed(rest, sets, args.speed_questions)
    tune = fine_tune_speed(sets, pool)
    result = downstream(sets, test, k=3, fine_tuned=True, fine_tune=dict(epochs=1.0), progress=False)
    out = [f"# Downstream evaluation on FiQA ({platform.machine()}, {os.cpu_count()} cores; {time.perf_counter() - t0:.0f} s in all)", "",
           f"In-domain: {len(fiqa_half)} FiQA pairs. Off-domain: {len(sets['bakery'])} bakery rows. Measured on {len(result.real)} real FiQA "
           "questions from the other half (none in either data set).", "",
           "## The ranking", "", *ranking(result), "", "## Speed: in context", "", *speed, "## Speed: fine-tune", "", *tune]
    text = "\n".join(out) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True); Path(args.out).write_text(text)

if __name__ == "__main__":
    main()
