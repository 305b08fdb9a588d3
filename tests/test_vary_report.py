"""The quality report broken down by the attributes a spec's `vary` draws (issue 16): the numbers of each value, the
plain findings for the values that stand out (only when the difference is real), and the page that shows them. The rows
are made up here: random words with planted wrong prices and short answers, so every number is known in advance."""
import html, os, random, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from synthnb.spec import PromptSpec
from synthnb.quality import quality
from synthnb.report import attribute_table, attribute_findings, attribute_names, report_html

VARIED = PromptSpec.example("bakery_varied")
PLAIN = PromptSpec.example("bakery")
WORDS = ("thanks please kindly really maybe today later great happy visit soon again friend family lovely bright "
         "quiet warm sunny little nice good fine sure glad").split()

def made_rows(n=90, wrong=lambda persona, i: persona == "a tourist" and i % 2 == 0, short=lambda tone: tone == "in a hurry", seed=0):
    "Rows of the bakery_varied spec: persona by i % 3, tone curious two times in three; `wrong` plants a wrong price."
    rng, out = random.Random(seed), []
    for i in range(n):
        persona, tone = VARIED.vary["persona"][i % 3], "in a hurry" if (i // 3) % 3 == 2 else "curious"
        answer = " ".join(rng.sample(WORDS, 4 if short(tone) else 10)).capitalize() + "."
        if wrong(persona, i): answer += " A cinnamon roll is $5."   # the fact sheet says $3.50
        out.append({"question": " ".join(rng.sample(WORDS, 6)).capitalize() + "?", "response": answer, "persona": persona, "tone": tone, "status": "ok"})
    return pd.DataFrame(out)

@pytest.fixture(scope="module")
def made(): return made_rows()

@pytest.fixture(scope="module")
def report(made): return quality(made, VARIED, by="words")

def per_row(persona, tone, flags, q, a):
    return pd.DataFrame({"persona": persona, "tone": tone, "flags": flags, "words_question": q, "words_response": a})

def test_the_breakdown_counts_each_value_by_hand():
    rows = per_row(["x", "x", "y", "y", None], ["p", "q", "p", "q", "p"],
                   ["wrong_price", "", "near_duplicate, wrong_price", "", "too_long"], [5, 7, 6, 6, 1], [10, 20, 30, 41, 1])
    t = attribute_table(rows, ["persona", "tone"], {"persona": ["y", "x"]}).set_index(["attribute", "value"])
    assert t.index.tolist() == [("persona", "y"), ("persona", "x"), ("tone", "p"), ("tone", "q")]   # the spec's order; a row without a value counts for none
    assert t.loc[("persona", "y"), ["rows", "flagged", "flagged_share", "duplicate_share", "wrong_price", "near_duplicate"]].tolist() == [2, 1, 0.5, 0.5, 1, 1]
    assert t.loc[("persona", "y"), ["words_response_mean", "words_response_median", "words_question_median"]].tolist() == [35.5, 35.5, 6.0]
    assert t.loc[("tone", "p"), ["rows", "flagged", "wrong_price", "wrong_price_share", "too_long"]].tolist() == [3, 3, 2, 0.667, 1]
    assert t.loc[("tone", "q"), ["flagged_share", "duplicate_share", "too_long_share"]].tolist() == [0.0, 0.0, 0.0]
    # kinds in group order, only those that occur
    assert [c for c in t if not c.startswith(("words_", "rows", "flagged", "duplicate"))] == \
           ["near_duplicate", "near_duplicate_share", "too_long", "too_long_share", "wrong_price", "wrong_price_share"]

def test_the_report_breaks_planted_wrong_prices_down_by_persona(made, report):
    t = report.by_attribute(made, VARIED).set_index(["attribute", "value"])
    assert t.loc["persona", "rows"].tolist() == [30, 30, 30] and t.loc["tone", "rows"].tolist() == [60, 30]
    assert t.loc["persona", "wrong_price"].tolist() == [0, 15, 0]   # every other tourist row
    assert t.loc[("persona", "a tourist"), "flagged_share"] == 0.5
    assert t.loc[("tone", "in a hurry"), "words_response_median"] == 4.0 and t.loc[("tone", "curious"), "words_response_median"] == 10.0

def test_the_findings_name_the_values_that_stand_out_with_their_counts(made, report):
    assert report.attribute_findings(made, VARIED) == [
        "persona=a tourist: contradicted facts on 15 rows, and none on the other values (15 of 30 rows, against 0 of 60)",
        "tone=in a hurry: response 2.5× shorter than the other values' (median 4 words, against 10; 30 and 60 rows)"]

def test_a_ratio_finding_says_how_many_times_and_the_counts():
    made = made_rows(wrong=lambda persona, i: (persona == "a tourist" and i % 3 == 1 and i % 2 == 0) or i in (0, 2, 5), short=lambda tone: False)
    r = quality(made, VARIED, by="words")
    assert r.attribute_findings(made, VARIED) == ["persona=a tourist: 10× the contradicted facts of the other values (15 of 30 rows, against 3 of 60)"]

def test_no_finding_when_the_difference_could_be_chance():
    # 3 of 12 against 1 of 24: six times the rate, but four rows in all
    rows = per_row(["t"] * 12 + ["r"] * 24, ["c"] * 36, ["wrong_price"] * 3 + [""] * 9 + ["wrong_price"] + [""] * 23, [6] * 36, [10] * 36)
    assert attribute_findings(rows, ["persona"], min_flags=1) == []           # Fisher's test: could be chance
    assert attribute_findings(rows, ["persona"], min_flags=1, p=0.2) != []    # the same numbers, once chance is allowed
    assert attribute_findings(rows, ["persona"], min_flags=5, p=0.2) == []    # and too few flags to compare at all

def test_too_few_rows_and_equal_values_give_no_finding(made, report):
    assert report.attribute_findings(made, VARIED, min_rows=31) == []   # each persona has 30 rows
    regulars = made_rows(wrong=lambda persona, i: i % 6 == 0, short=lambda tone: False)   # i % 3 == 0 is "a regular"
    found = quality(regulars, VARIED, by="words").attribute_findings(regulars, VARIED)
    assert [f.split(":")[0] for f in found] == ["persona=a regular"]
    spread = made_rows(wrong=lambda persona, i: i % 5 == 0, short=lambda tone: False)   # every persona alike
    assert quality(spread, VARIED, by="words").attribute_findings(spread, VARIED) == []

def test_two_values_give_one_line_not_two_mirror_ones():
    rows = per_row(["x"] * 40, ["a"] * 20 + ["b"] * 20, ["wrong_price"] * 12 + [""] * 28, [6] * 40, [10] * 40)
    assert attribute_findings(rows, ["tone"]) == ["tone=a: contradicted facts on 12 rows, and none on the other values (12 of 20 rows, against 0 of 20)"]

def test_without_vary_nothing_changes(made, report):
    plain = quality(made, PLAIN, by="words")
    assert attribute_names(PLAIN, made) == [] and len(plain.by_attribute(made, PLAIN)) == 0 and plain.attribute_findings(made, PLAIN) == []
    page, with_rows = report_html(plain), report_html(plain, df=made, spec=PLAIN)
    assert "synthnb-by-attribute" not in with_rows and "By attribute" not in with_rows
    assert with_rows.count("plotly-graph-div") == page.count("plotly-graph-div")
    # a varied spec whose rows lack its columns (made before it had vary) has nothing to break down either
    old = made.drop(columns=["persona", "tone"])
    assert "synthnb-by-attribute" not in report_html(quality(old, VARIED, by="words"), df=old, spec=VARIED)

def test_the_page_folds_the_breakdown_with_its_findings_and_adds_a_chart(made, report):
    page, plain = report_html(report, df=made, spec=VARIED), report_html(report)
    text = html.unescape(page)
    assert "<summary>By attribute: persona, tone (2 findings)</summary>" in text
    assert text.index("synthnb-by-attribute") < text.index("<h2>Charts</h2>")
    assert "persona=a tourist: contradicted facts on 15 rows" in text and "wrong price share" in text and "response words (median)" in text
    assert page.count("plotly-graph-div") == plain.count("plotly-graph-div") + 1 and "Flags by attribute value" in page
    assert "synthnb-by-attribute" not in plain   # without the rows the report cannot know the attributes

def test_synthnb_report_writes_the_breakdown(made, tmp_path):
    made.to_json(tmp_path/"rows.jsonl", orient="records", lines=True)
    spec = Path(__file__).parents[1]/"nbs"/"specs"/"bakery_varied.yaml"
    exe = os.path.join(os.path.dirname(sys.executable), "synthnb")
    r = subprocess.run([exe, "report", tmp_path/"rows.jsonl", "--spec", spec, "-o", tmp_path/"r.html", "--by", "words"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "persona=a tourist: contradicted facts on 15 rows" in html.unescape((tmp_path/"r.html").read_text())
