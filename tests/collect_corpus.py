"""Collect a corpus of real answers from the embedded model (Qwen2.5-Coder-1.5B on llama.cpp) for the parser tests.

Run from the repository root:

    .venv/bin/python tests/collect_corpus.py            # writes tests/data/corpus/NNN_<format>.json, skipping existing files
    .venv/bin/python tests/collect_corpus.py --force    # collect again and overwrite (hand readings are lost!)

Each file holds the raw answer and how it was asked. `expected` ({"records": complete good records, "cut_off": 0/1})
is written as null here and must be filled in by a person who READ the answer, with a one-line `reading` saying what
they saw; it is never computed by the parser, so that `tests/test_parse.py` checks the parser against a human reading. Slow: several minutes on 2 cores.
"""
from __future__ import annotations
import argparse, json, sys, time
from pathlib import Path

from synthnb.local import embedded
from synthnb.spec import PromptSpec
from synthnb.endpoints import complete
from synthnb.generate import max_tokens_for

CORPUS = Path(__file__).parent/"data"/"corpus"
PROSE = " Start with a friendly sentence."
STRONG = (" Before the records, write one friendly sentence that introduces them; after the records, write one short"
          " closing sentence wishing the customer a nice day.")
AFTER = " After the last record, add one short line wishing the customer a nice day."

# (format, n asked, topic index or None, seed, schema?, max_tokens or None for the generous default,
#  text appended to the user message to nudge the model to add prose, or None)
PLAN = [
    ("json",  5, 0,    0, False, None, None),
    ("json",  5, 1,    1, False, None, None),
    ("json",  3, 2,    2, False, None, None),
    ("json",  5, 0,    3, True,  None, None),
    ("json",  3, 1,    4, True,  None, None),
    ("json",  5, 2,    5, False, 120,  None),
    ("json",  5, 0,    6, True,  120,  None),
    ("json",  3, None, 7, False, None, PROSE),
    ("jsonl", 5, 0,    0, False, None, None),
    ("jsonl", 5, 1,    1, False, None, None),
    ("jsonl", 3, 2,    2, False, None, None),
    ("jsonl", 5, 0,    3, False, 120,  None),
    ("jsonl", 3, None, 4, False, None, PROSE),
    ("csv",   5, 0,    0, False, None, None),
    ("csv",   5, 1,    1, False, None, None),
    ("csv",   3, 2,    2, False, None, None),
    ("csv",   5, 1,    3, False, 120,  None),
    ("csv",   3, None, 4, False, None, PROSE),
    ("text",  5, 0,    0, False, None, None),
    ("text",  5, 1,    1, False, None, None),
    ("text",  3, 2,    2, False, None, None),
    ("text",  5, 2,    3, False, 120,  None),
    ("text",  3, None, 4, False, None, PROSE),
    ("json",  4, 2,    8, False, 150,  None),
    ("json",  3, 0,    9, False, None, STRONG),
    ("csv",   3, 1,    9, False, None, STRONG),
    ("text",  3, 2,    9, False, None, STRONG),
    ("jsonl", 3, 0,    9, False, None, STRONG),
    ("text",  3, 0,   10, False, None, AFTER),
    ("csv",   3, 2,   10, False, None, AFTER),
]

def main(force:bool=False, temperature:float=0.8):
    CORPUS.mkdir(parents=True, exist_ok=True)
    base = PromptSpec.example("bakery")
    ep = None
    for i, (fmt, n, t, seed, use_schema, max_tokens, prose) in enumerate(PLAN, 1):
        path = CORPUS/f"{i:03d}_{fmt}.json"
        if path.exists() and not force: print(f"{path.name}: exists, skipped", flush=True); continue
        if ep is None: ep = embedded()
        spec = PromptSpec(**{**base.to_dict(), "format": fmt})
        topic = None if t is None else spec.topics[t]
        messages = spec.messages(n, topic, structured=use_schema)
        if prose: messages[-1]["content"] += prose
        schema = spec.json_schema(n) if use_schema else None
        max_tokens = max_tokens or max_tokens_for(spec, n)
        t0 = time.time()
        reply = complete(ep, messages, schema, temperature, seed, max_tokens)
        doc = dict(format=fmt, n_asked=n, mode=reply.mode, finish_reason=reply.finish_reason, max_tokens=max_tokens,
                   topic=topic, seed=seed, temperature=temperature, prose_nudge=prose or "", model=reply.model, usage=reply.usage,
                   text=reply.text, expected=None)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{path.name}: {reply.mode} {reply.finish_reason} {reply.usage} in {time.time()-t0:.0f}s", flush=True)

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="collect again and overwrite existing files")
    main(**vars(ap.parse_args()))
