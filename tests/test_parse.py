"""Tests of the tolerant parser (`synthnb.parse`): properties with hypothesis, and a corpus of real answers of the embedded model.

The corpus (tests/data/corpus/*.json) was collected with tests/collect_corpus.py; the `expected` of each file is a
human reading of the answer, not the parser's output.
"""
from __future__ import annotations
import json, re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from synthnb.spec import Field, FORMATS, RECORD_SEPARATOR, PromptSpec, render_records
from synthnb.parse import Parsed, parse_records
from synthnb.endpoints import Reply
from synthnb.generate import Request, rows_for

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

QR = [Field("question"), Field("response")]
QRC = QR + [Field("count", "integer")]

# ---------------------------------------------------------------------------------------------------------------------
# Strategies

# What a model writes: printable text of any script, and line breaks/tabs. Surrogates, other control characters and the
# exotic line separators that str.splitlines() also splits on (\x85, \u2028, ...) are left out: models do not write them.
_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))

def _nonblank(s: str) -> bool: return bool(s.strip())

def values(fmt: str):
    "Non-empty, non-whitespace string values that `fmt` can carry without ambiguity."
    if fmt == "text":
        # one line, no padding, never a separator line; cannot start like a `name:` line either
        return (st.text(_CHARS, min_size=1, max_size=40)
                .filter(lambda s: s == s.strip() and s and not re.fullmatch(rf"(?:{re.escape(RECORD_SEPARATOR)})+-*", s)
                        and not re.match(r"^\s*[-*]?\s*\**[\w ]+?\**\s*:", s)))
    return st.text(st.one_of(_CHARS, st.sampled_from("\n\t")), min_size=1, max_size=40).filter(_nonblank)

SAFE_INT = st.integers(-2**70, 2**70)  # beyond 2**53 too: integers from text are read exactly (nbs/03_parse.ipynb, 'Cases worth keeping')

@st.composite
def record_lists(draw, fmt: str, with_int=None, min_size=1, max_size=6):
    "(fields, records) for `fmt`: question/response strings, sometimes an integer field."
    with_int = draw(st.booleans()) if with_int is None else with_int
    fields = QRC if with_int else QR
    rec = {"question": values(fmt), "response": values(fmt)}
    if with_int: rec["count"] = SAFE_INT
    return fields, draw(st.lists(st.fixed_dictionaries(rec), min_size=min_size, max_size=max_size))

def _ok(p: Parsed, records):
    assert not p.broken, p.broken
    assert p.records == records
    assert p.cut_off == 0 and p.error == ""

# ---------------------------------------------------------------------------------------------------------------------
# Round trip: render_records then parse_records gives exactly the records back

@pytest.mark.parametrize("fmt", list(FORMATS))
@SETTINGS
@given(data=st.data())
def test_round_trip(fmt, data):
    fields, records = data.draw(record_lists(fmt))
    text = render_records(records, fmt, fields)
    p = parse_records(text, fields, fmt)
    _ok(p, records)
    assert len(p.notes) == len(records)

# ---------------------------------------------------------------------------------------------------------------------
# Invariance: what models wrap around JSON does not change the records

PROSE_BEFORE = ["Here are the records:", "Sure! Here's the data you asked for.", "Of course — 5 records below:\n", ""]
PROSE_AFTER = ["Let me know if you need more!", "I hope this helps.", "Note: all answers follow the fact sheet.", ""]
FENCES = [("```json\n", "\n```"), ("```\n", "\n```"), ("```JSON\n", "\n```\n"), ("", "")]

def _ws(draw): return draw(st.sampled_from(["", " ", "\n", "\n  ", "\t"]))

def _object_text(draw, rec, trailing):
    ws = lambda: _ws(draw)
    items = [f"{ws()}{json.dumps(k, ensure_ascii=False)}{ws()}:{ws()}{json.dumps(v, ensure_ascii=False)}{ws()}" for k, v in rec.items()]
    return "{" + ",".join(items) + ("," + ws() if trailing else "") + "}"

# Prose a model writes around its answer: no braces, and an even number of double quotes (braces and a lone " in
# the prose are covered by examples in nbs/03_parse.ipynb).
PROSE = st.one_of(st.sampled_from(PROSE_BEFORE + PROSE_AFTER),
                  st.text(st.sampled_from("abcXYZ 019.,:;!?'()[]-—é\n\""), max_size=50).filter(lambda s: s.count('"') % 2 == 0))

@st.composite
def json_answers(draw):
    "(fields, records, answer text) with random fences, prose, trailing commas and {\"records\": [...]} wrappers."
    fields, records = draw(record_lists("json"))
    trailing = draw(st.booleans())
    objs = [_object_text(draw, r, trailing and draw(st.booleans())) for r in records]
    arr = "[" + _ws(draw) + ("," + _ws(draw)).join(objs) + ("," if trailing and draw(st.booleans()) else "") + _ws(draw) + "]"
    if draw(st.booleans()): arr = '{"records": ' + arr + (", }" if trailing and draw(st.booleans()) else "}")
    pre, post = draw(PROSE), draw(PROSE)
    f0, f1 = draw(st.sampled_from(FENCES))
    sep = lambda: draw(st.sampled_from(["\n", "\n\n", " "]))
    return fields, records, pre + sep() + f0 + arr + f1 + sep() + post

@SETTINGS
@given(json_answers())
def test_invariance(answer):
    fields, records, text = answer
    _ok(parse_records(text, fields, "json"), records)

@SETTINGS
@given(record_lists("json"))
def test_python_style_records(fr):
    "Records written as Python literals (single quotes, True/None) read like JSON."
    fields, records = fr
    _ok(parse_records(repr(records), fields, "json"), records)

@pytest.mark.parametrize("fmt", ["jsonl", "csv", "text"])
@SETTINGS
@given(data=st.data())
def test_invariance_other_formats(fmt, data):
    "Fences, and prose before the records, do not change what CSV, JSON lines and text answers give."
    fields, records = data.draw(record_lists(fmt))
    # (CSV keeps a fence line inside a quoted value, see nbs/03_parse.ipynb; text answers still drop such lines)
    assume(not any(isinstance(v, str) and re.search(r"^\s*```", v, re.M) for r in records for v in r.values()))
    text = render_records(records, fmt, fields)
    pre = data.draw(st.sampled_from(["", "Here are the records:\n", "Sure! Here's what you asked for.\n\n"]))
    f0, f1 = data.draw(st.sampled_from(FENCES))
    _ok(parse_records(pre + f0 + text + f1, fields, fmt), records)

# Bugs found with the properties above: the fixed ones are examples in nbs/03_parse.ipynb; the two left are strict
# xfails, so a fix turns them into failures to remove.

@pytest.mark.xfail(strict=True, reason="BUG: prose after the last text record is glued to its last value "
                                       "('response: b\\n\\nHave a nice day!' gives response 'b\\nHave a nice day!')")
def test_prose_after_text_records():
    p = parse_records("question: a\nresponse: b\n\nHave a nice day!", QR, "text")
    assert p.records == [{"question": "a", "response": "b"}]

@pytest.mark.xfail(strict=True, reason="BUG (minor): a prose line after the CSV rows becomes a broken record "
                                       "('1 values where 2 were expected')")
def test_prose_after_csv_rows():
    p = parse_records("question,response\na,b\n\nHave a nice day!", QR, "csv")
    assert p.records == [{"question": "a", "response": "b"}] and p.broken == []

# ---------------------------------------------------------------------------------------------------------------------
# Truncation: an answer cut off anywhere gives a prefix of the records

def _render_with_ends(records, indent=1):
    "json.dumps(records, indent=indent), and the index of each record's closing brace."
    text, ends, pad = "[", [], " " * indent
    for i, r in enumerate(records):
        obj = json.dumps(r, ensure_ascii=False, indent=indent).replace("\n", "\n" + pad)
        text += ("," if i else "") + "\n" + pad + obj
        ends.append(len(text) - 1)
    text += "\n]"
    assert text == json.dumps(records, ensure_ascii=False, indent=indent) and all(text[e] == "}" for e in ends)
    return text, ends

def _check_cut(records, fields, text, ends, i):
    p = parse_records(text[:i], fields, "json")
    k = len(p.records)
    assert p.records == records[:k], (i, text[:i])
    assert k >= sum(e < i for e in ends), (i, text[:i])
    assert p.cut_off in (0, 1)
    assert k + p.cut_off <= len(records)
    assert not p.broken, p.broken
    # stronger than asked: exactly the finished records, and cut_off 1 exactly when the cut falls inside a record
    starts = [e - len(json.dumps(r, ensure_ascii=False, indent=1).replace("\n", "\n ")) + 1 for r, e in zip(records, ends)]
    assert k == sum(e < i for e in ends)
    assert p.cut_off == int(any(s < i <= e for s, e in zip(starts, ends))), (i, text[:i])

@SETTINGS
@given(st.data())
def test_truncation(data):
    fields, records = data.draw(record_lists("json"))
    text, ends = _render_with_ends(records)
    for i in data.draw(st.lists(st.integers(0, len(text)), min_size=1, max_size=8)):
        _check_cut(records, fields, text, ends, i)

def test_truncation_every_position():
    records = [{"question": "Open {Mondays}?", "response": "No, \"closed\" on Mondays.", "count": 0},
               {"question": "Birthday cake for Friday?", "response": "Order by Wednesday: 48 hours' notice.", "count": 1},
               {"question": "Tarts?", "response": "Fruit tarts on Sundays [only].", "count": -3}]
    text, ends = _render_with_ends(records)
    for i in range(len(text) + 1): _check_cut(records, QRC, text, ends, i)

# ---------------------------------------------------------------------------------------------------------------------
# Single object, coercion, missing and extra keys

@SETTINGS
@given(record_lists("json", max_size=1))
def test_single_object(fr):
    fields, records = fr
    text = json.dumps(records[0], ensure_ascii=False, indent=2)
    _ok(parse_records(text, fields, "json"), records)
    _ok(parse_records("Here is one record:\n```json\n" + text + "\n```", fields, "json"), records)

@SETTINGS
@given(q=st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False), st.booleans()),
       r=values("json"))
def test_numbers_coerced_to_strings(q, r):
    p = parse_records(json.dumps([{"question": q, "response": r}]), QR, "json")
    assert p.records == [{"question": str(q), "response": r}] and not p.broken
    assert p.notes == [[f"question: {type(q).__name__} given, kept as text"]]

@SETTINGS
@given(fr=record_lists("json", min_size=1, max_size=4), data=st.data())
def test_missing_keys_break_the_record(fr, data):
    fields, records = fr
    j = data.draw(st.integers(0, len(records) - 1))
    dropped = data.draw(st.lists(st.sampled_from([f.name for f in fields]), min_size=1, unique=True))
    how = data.draw(st.sampled_from(["absent", "null", "empty", "blank"]))
    bad = dict(records[j])
    for k in dropped:
        if how == "absent": del bad[k]
        else: bad[k] = {"null": None, "empty": "", "blank": "  "}[how]
    text = json.dumps(records[:j] + [bad] + records[j+1:], ensure_ascii=False)
    p = parse_records(text, fields, "json")
    assert p.records == records[:j] + records[j+1:]
    assert len(p.broken) == 1
    raw, reason = p.broken[0]
    assert reason == "missing " + ", ".join(f.name for f in fields if f.name in dropped)
    assert json.loads(raw) == bad

@SETTINGS
@given(fr=record_lists("json", max_size=3),
       extra=st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in ("question", "response", "count")),
                             st.one_of(st.text(max_size=80), st.integers(), st.booleans(), st.none()), min_size=1, max_size=3))
def test_extra_keys_noted(fr, extra):
    fields, records = fr
    text = json.dumps([{**r, **extra} for r in records], ensure_ascii=False)
    p = parse_records(text, fields, "json")
    assert p.records == records and not p.broken
    for notes in p.notes:
        extra_notes = [n for n in notes if n.startswith("extra key")]
        assert len(extra_notes) == len(extra)
        for k in extra: assert any(n.startswith(f"extra key {k!r} set aside") for n in extra_notes)

# ---------------------------------------------------------------------------------------------------------------------
# The corpus: real answers of the embedded model, read by hand

CORPUS = sorted((Path(__file__).parent/"data"/"corpus").glob("*.json"))
BAKERY = PromptSpec.example("bakery")

# Answers where the hand reading (the file's `expected`) and the parser disagree: name -> why.
DISAGREE = {
    "017_csv.json": "cut off by max_tokens mid-record, but parse_csv never sets cut_off (hand reading: 0 records, cut_off 1; "
                    "parser: 0 records, cut_off 0, 6 broken one-value rows)",
    "022_text.json": "cut off by max_tokens inside the third response; parse_text keeps the truncated record as good and never "
                     "sets cut_off (hand reading: 2 records, cut_off 1; parser: 3, 0)",
}

# answers whose hand reading the parser alone cannot reach but generate's rows do (finish_reason tells the cut)
HAND_READING_OK_IN_ROWS = {"022_text.json"}

def _corpus_params():
    out = []
    for path in CORPUS:
        marks = [pytest.mark.xfail(strict=True, reason=DISAGREE[path.name])] if path.name in DISAGREE else []
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out

def test_corpus_present():
    assert len(CORPUS) >= 20, "run tests/collect_corpus.py"
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in CORPUS]
    assert {d["format"] for d in docs} == set(FORMATS)
    assert all(d["expected"] is not None for d in docs), "every corpus answer needs a hand reading in `expected`"

def _corpus_doc(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    spec = PromptSpec(**{**BAKERY.to_dict(), "format": doc["format"]})
    return doc, spec, parse_records(doc["text"], spec.output_fields, doc["format"])

@pytest.mark.parametrize("path", _corpus_params())
def test_corpus(path):
    "The parser finds the complete good records and the cut-off one that a person reading the answer sees."
    doc, spec, p = _corpus_doc(path)
    assert (len(p.records), p.cut_off) == (doc["expected"]["records"], doc["expected"]["cut_off"]), (p.records, p.broken)

@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_bookkeeping(path):
    "Every record asked for ends as ok or failed (generate.rows_for); records beyond those asked become 'extra'."
    doc, spec, p = _corpus_doc(path)
    n = doc["n_asked"]
    missing = max(0, n - p.found)
    rows = rows_for(Request(0, n, doc.get("topic"), doc.get("seed")), spec, Reply(doc["text"], doc["mode"], doc["finish_reason"]))
    statuses = [r["status"] for r in rows]
    assert set(statuses) <= {"ok", "failed", "extra"}
    assert statuses.count("ok") + statuses.count("failed") == n
    assert len(p.records) + len(p.broken) + missing == n + statuses.count("extra")
    # a CSV or text answer that hit the token limit has its last record set aside as possibly incomplete (rows_for)
    suspect = int(doc["finish_reason"] == "length" and not p.cut_off and bool(p.records) and doc["format"] in ("csv", "text"))
    assert statuses.count("ok") == min(len(p.records) - suspect, n)
    if path.name in HAND_READING_OK_IN_ROWS: assert statuses.count("ok") == doc["expected"]["records"]
    if doc["finish_reason"] == "length" and p.found < n:
        assert any("cut off by the token limit" in r.get("reason", "") for r in rows)
