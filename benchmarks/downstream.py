"""Downstream evaluation on FiQA, on this machine: does an in-domain data set beat an off-domain one on real questions it
never saw, in context and on a small model, and what each costs. The same data, questions and settings as the tutorial
nbs/tutorials/fiqa_downstream.ipynb, which reads the small model's losses this script stores.

The data sets: the FiQA tutorial's two spec versions (12 rows each, the embedded model, from the cache or the recording
when they were made before); FiQA half, 324 of FiQA's own 648 pairs (a seeded permutation), a stand-in for good
in-domain data; and the bakery tutorial's 20 rows, off the domain. The real questions: 20 drawn (seeded) from the
other half of FiQA, so no data set holds them.

1. The ranking: `downstream` on the four data sets, in context on the embedded model (k=3) and on SmolLM2-135M-Instruct
   (the rows in its prompt, then a LoRA: 3 epochs, at most 15 steps of 8), with 90% bootstrap intervals. It stores
   the small model's per-question losses in nbs/tutorials/data/ for the tutorial.
2. Speed of the in-context proxy: seconds per real question on the embedded model without the cache, for the baseline
   (the question alone) and with k=3 rows as examples, side by side in one run on the same server, with the tokens.
3. Speed of the small model: a LoRA step (batch 8, 128 tokens) and the minutes an epoch of the FiQA half takes, with
   the tokens trained; beside it, the seconds per real pair of only scoring a loss.

Run: `make bench-downstream` (or `.venv/bin/python benchmarks/downstream.py`; about 20 minutes on 2 cores, more the
first time, when the embedded model writes the answers). It prints Markdown and writes benchmarks/results/downstream.md;
the README quotes it.
"""
from __future__ import annotations
import argparse, os, platform, sys, time
from pathlib import Path
import numpy as np, pandas as pd
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from synthnb.spec import PromptSpec
from synthnb.generate import generate
from synthnb.real import coverage
from synthnb.downstream import qa_pairs, data_sets, in_context_answers, downstream, first_tokens, NO_DATA, MEASURES
from synthnb.finetune import load_model, fine_tune, answer_losses

FIQA = HERE.parent/"nbs/tutorials/data/fiqa_test.jsonl"

def fiqa_split(seed:int=0) -> tuple:
    "(all 648 FiQA pairs, the FiQA half: 324 of them, the 20 real questions measured: drawn from the other half), as in the tutorial."
    fiqa = qa_pairs(FIQA)
    order = np.random.default_rng(seed).permutation(len(fiqa))
    half, others = fiqa.iloc[order[:324]].reset_index(drop=True), fiqa.iloc[order[324:]].reset_index(drop=True)
    return fiqa, half, others.sample(20, random_state=0).reset_index(drop=True), others

def tutorial_sets(fiqa, fiqa_half) -> dict:
    "The tutorial's four data sets (rows from the cache or the recording when they were made before)."
    spec = PromptSpec(
        name="personal finance",
        instruction="You are creating training data for a personal-finance assistant. Write questions that ordinary people "
                    "ask about their own money, in their own words, and clear, careful answers of two or three sentences.",
        examples=[{"question": "Is it better to pay off my car loan early or put the money in savings?",
                   "response": "Compare the loan's interest rate with what your savings earn. If the loan costs more, paying it "
                               "off early usually wins, but keep an emergency fund first."},
                  {"question": "How much of my paycheck should go to rent?",
                   "response": "A common rule of thumb is at most about 30% of your take-home pay. Less leaves more room for "
                               "saving and for surprises."}],
        topics=["making a budget", "saving money", "using credit cards"],
        avoid=["recommending specific stocks or products"],
        records_per_request=4)
    first = generate(spec, 12, temperature=0.8, seed=0, progress=False)
    targeted = PromptSpec(**{**spec.to_dict(), "topics": coverage(first, fiqa).suggested_topics[:3], "name": "personal finance, suggested topics"})
    second = generate(targeted, 12, temperature=0.8, seed=1, progress=False)
    bakery = generate(PromptSpec.example("bakery"), 20, temperature=0.7, seed=0, progress=False)
    return data_sets({"first spec": first, "suggested topics": second, "FiQA half": fiqa_half, "bakery": bakery})

def proxy_speed(pool, sets, n:int) -> list:
    ans = in_context_answers(pool.head(n), {"FiQA half": sets["FiQA half"]}, k=3, cache=False, progress=False)
    lines = ["| in context, embedded model | real questions | seconds per question | prompt tokens (mean) | answer tokens (mean) | failed |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, label in [(NO_DATA, "baseline: the question alone"), ("FiQA half", "k=3 rows as examples")]:
        a = ans[ans["data"] == name]
        lines.append(f"| {label} | {len(a)} | {a['seconds'].sum() / len(a):.1f} | {a['prompt_tokens'].mean():.0f} | {a['completion_tokens'].mean():.0f} | {(a['status'] != 'ok').sum()} |")
    lines.append("")
    lines.append("Seconds per question are each answer's own time (`seconds`), two in flight on the server's two slots.")
    return lines + [""]

def scoring_speed(pool) -> list:
    model, tok = load_model()
    a = first_tokens(tok, pool["answer"].head(40).tolist(), 128)
    t0 = time.perf_counter(); losses = answer_losses(model, tok, pool["question"].head(40).tolist(), a, max_length=4096, batch_size=4); s = time.perf_counter() - t0
    return [f"| baseline: scoring only, the loss of 40 real answers (first 128 tokens), batch 4 | 40 | | {int(losses['tokens'].sum()):,} scored | {s:.0f} | {s / 40:.2f} s a pair |"]

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
    ap.add_argument("--speed-questions", type=int, default=6, help="real questions timed without the cache (default 6)")
    ap.add_argument("--out", default=str(HERE/"results/downstream.md"))
    ap.add_argument("--store", default=str(HERE.parent/"nbs/tutorials/data"), help="where the tutorial's losses go")
    args = ap.parse_args(argv)
    fiqa, fiqa_half, real, others = fiqa_split()
    sets = tutorial_sets(fiqa, fiqa_half)
    t0 = time.perf_counter()
    result = downstream(sets, real, k=3, fine_tuned=True, fine_tune=dict(epochs=3, max_steps=15), progress=False)
    ranked_s = time.perf_counter() - t0
    store = Path(args.store)
    result.losses.to_parquet(store/"fiqa_downstream_losses.parquet"); result.training.to_parquet(store/"fiqa_downstream_training.parquet")
    rest = others[~others["question"].isin(real["question"])].reset_index(drop=True)
    speed = proxy_speed(rest, sets, args.speed_questions)
    tr = result.training.set_index("data").loc["FiQA half"]
    rows, steps, tokens = int(tr["rows"]), int(tr["steps"]), int(tr["tokens"])
    per_step = tr["seconds"] / steps
    tune = ["| SmolLM2-135M-Instruct, 2 cores | rows | steps | tokens | seconds | per epoch |", "|---|---:|---:|---:|---:|---:|",
            f"| LoRA r=8, batch 8, 128 tokens (FiQA half, {steps} steps) | {rows} | {steps} | {tokens:,} trained | {tr['seconds']:.0f} | "
            f"{per_step * np.ceil(rows / 8) / 60:.1f} min ({int(np.ceil(rows / 8))} steps at {per_step:.1f} s) |",
            *scoring_speed(rest), ""]
    out = [f"# Downstream evaluation on FiQA ({platform.machine()}, {os.cpu_count()} cores)", "",
           f"Data sets: " + ", ".join(f"{n} ({len(p)} rows)" for n, p in sets.items()) + f". Measured on {len(result.real)} real FiQA "
           f"questions from the other half (none in any data set; {result.settings['left_out']} left out). "
           f"The ranking's run took {ranked_s / 60:.1f} min (in context from the cache when the tutorial was recorded).", "",
           "## The ranking", "", *ranking(result), "", "## Speed: in context", "", *speed, "## Speed: the small model", "", *tune]
    text = "\n".join(out) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True); Path(args.out).write_text(text)

if __name__ == "__main__":
    main()
