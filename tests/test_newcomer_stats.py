"""The studio's Stats and Compare tabs as a newcomer finds them (issue 15): flags by name, the report's HTML led by one
summary line with its tables folded, the flags and the topic coverage in one figure, counts printed as counts."""
import re
import pandas as pd
from synthnb.spec import PromptSpec
from synthnb.quality import quality, flag_name, FLAG_KINDS, FLAG_NAMES
from synthnb.plots import flags_and_coverage, flags_chart, row_map, compare_table
from synthnb.report import report_html

SPEC = PromptSpec.example("bakery")
ROWS = [("How much are cinnamon rolls?", "Cinnamon rolls are $5 each, on Saturdays only.", "daily specials"),            # wrong price
        ("Do you have anything nut-free?", "Yes, we have nut-free options every day, but our kitchen handles nuts.", "allergy information"),
        ("Can I get a cake with my dog's face on it?", "Sure! Custom cakes need 48 hours' notice; call 555-1234.", "custom cake orders"),
        ("Can I get a cake with my dog's face on it?", "Sure! Custom cakes need 48 hours' notice; call 555-1234.", "custom cake orders"),  # exact duplicate
        ("When do you open on Saturdays?", "We open at 7am on Saturdays and close at 6pm.", "daily specials")]

def _report(rows=ROWS, failed=1):
    df = pd.DataFrame(rows, columns=["question", "response", "topic"]).assign(status="ok", reason="")
    for _ in range(failed): df.loc[len(df)] = ["", None, "daily specials", "failed", "the answer was not JSON"]
    return quality(df, SPEC, by="words")

def test_every_flag_kind_has_a_name_in_words():
    assert set(FLAG_KINDS) <= set(FLAG_NAMES)
    assert all("_" not in flag_name(k) for k in FLAG_KINDS)
    assert (flag_name("near_duplicate"), flag_name("wrong_price"), flag_name("copies_example"), flag_name("avoided_topic"),
            flag_name("not_in_list")) == ("near-duplicate", "wrong price", "copies an example", "avoided topic", "not on the list")
    assert flag_name("a_kind_not_known_yet") == "a kind not known yet"

def test_the_report_html_starts_with_a_summary_and_folds_its_tables():
    r = _report()
    assert set(r.flags["kind"]) >= {"wrong_price", "exact_duplicate"}   # the data keep the codes
    page = r._repr_html_()
    summary = re.search(r"<p class='synthnb-quality-summary'>(.*?)</p>", page).group(1)
    assert page.index("synthnb-quality-summary") < page.index("<details>") < page.index("<table")  # no table before the first fold
    assert "6 rows" in summary and "5 good rows" in summary and "1 failed" in summary and f"{r.counts['flagged']} flagged" in summary
    assert "wrong price" in summary and "exact duplicate" in summary and "_" not in re.sub(r"<[^>]+>", "", summary)
    summaries = re.findall(r"<details><summary>(.*?)</summary>", page)
    assert page.count("<details>") == page.count("</details>") == len(summaries) == 6   # flags, topics, diversity, lengths, clusters, failures
    assert [s.split(" ")[0].rstrip(":") for s in summaries] == ["Flags", "Topics", "Diversity", "Lengths", "Biggest", "Failures"] and summaries[-1] == "Failures: 1 row"
    flags_part = page[page.index("<details><summary>Flags"):]
    flags_part = flags_part[:flags_part.index("</details>")]
    assert "<td>wrong price</td>" in flags_part and "wrong_price" not in page and "exact_duplicate" not in page

def test_a_clean_report_says_so_in_its_first_line():
    r = _report(ROWS[1:3], failed=0)
    assert r.counts["flagged"] == 0
    page = r._repr_html_()
    assert "no flags" in page[:page.index("</p>")] and "<summary>Flags" not in page

def test_the_offline_page_names_the_flags():
    page = report_html(_report())
    findings = page[page.index("<h2>Findings</h2>"):]
    assert "<th>flag</th>" in findings and "<td>wrong price</td>" in findings and "wrong_price" not in findings

def test_charts_name_the_flags():
    r = _report()
    names = [x for t in flags_chart(r).data for x in t.x]
    assert sorted(names) == sorted(flag_name(k) for k in r.flag_counts()["kind"]) and "wrong price" in names
    hover = " ".join(h for t in row_map(r).data for h in (t.hovertext if t.hovertext is not None else []))
    assert "wrong price" in hover and "wrong_price" not in hover and "exact_duplicate" not in hover

def test_flags_and_coverage_is_one_figure_of_two_panels():
    r = _report()
    fig = flags_and_coverage(r)
    flags = [t for t in fig.data if t.xaxis == "x"]; topics = [t for t in fig.data if t.xaxis == "x2"]
    assert {t.xaxis for t in fig.data} == {"x", "x2"} and fig.layout.xaxis2.domain[0] > fig.layout.xaxis.domain[1]  # side by side
    assert [t.name for t in flags] == list(dict.fromkeys(r.flag_counts()["group"])) and [t.name for t in topics] == ["requested", "obtained", "obtained as requested"]
    assert sorted(x for t in flags for x in t.x) == sorted(flag_name(k) for k in r.flag_counts()["kind"])
    assert list(topics[0].x) == r.topic_coverage["topic"].tolist() and list(topics[1].y) == r.topic_coverage["obtained"].tolist()
    assert [a.text for a in fig.layout.annotations][0].startswith("Flags:")

def test_compare_prints_counts_as_integers_and_shares_with_few_decimals():
    t = compare_table({"A": _report(), "B": _report(ROWS * 4, failed=0)})
    assert t.loc["good rows"].tolist() == [5, 20] and all(type(v) is int for v in t.loc[["good rows", "failed", "duplicates flags"]].to_numpy().ravel())
    text, page = t.to_string(), t.to_html()
    assert re.search(r"good rows\s+5\s+20\n", text) and "20.0" not in text and "<td>20</td>" in page
    shares = [v for v in t.loc[["flagged share", "distinct_1 (response)", "tfidf_distance (response)"]].to_numpy().ravel()]
    assert all(len(str(v).split(".")[-1]) <= 3 for v in shares) and 0 < t.loc["flagged share", "B"] < 1
