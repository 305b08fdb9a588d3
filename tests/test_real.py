"""Real questions against synthetic rows (synthnb.real, synthnb.real_plots, `synthnb eval`): no real question lost,
nearest neighbours checked against comparing every pair, properties of coverage, suggested topics on planted clusters,
the `embed=` path, the offline page and the command's one-line errors. Pure logic: no model, no network."""
import html, os, re, subprocess, sys, zlib
import numpy as np, pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.metrics.pairwise import cosine_similarity
from synthnb.files import DataError
from synthnb.overlap import read_examples
from synthnb.real import (THRESHOLDS, NOT_COVERED, terms, ruler, nearest, coverage_at, length_gap, ks_statistic, vocabulary_gap,
                          vocabulary_seen, topic_gap, centroid_similarity, separability, suggest_topics, coverage)
from synthnb.real_plots import coverage_figures, coverage_curve, save_eval

SYNTHNB = os.path.join(os.path.dirname(sys.executable), "synthnb")

# FiQA-like personal-finance questions: two planted clusters that no synthetic row covers, a few singletons, and
# questions that have a synthetic twin.
MORTGAGE = ["How do I refinance my mortgage?", "Should I refinance my mortgage now that rates dropped?",
            "What are the closing costs to refinance a mortgage?", "Is a cash-out mortgage refinance a good idea?",
            "Can I refinance my mortgage with bad credit?", "How often can you refinance a mortgage?"]
STOCK = ["How are stock options taxed?", "When should I exercise my stock options?", "What happens to my stock options if I quit?",
         "Are incentive stock options better than non-qualified stock options?", "How do I value startup stock options?",
         "Do I owe tax when my stock options vest?"]
SINGLES = ["Why do bond prices fall when interest rates rise?", "Can I deduct my home office?", "Is gold a hedge against inflation?"]
TWINS = ["How do I get out of credit card debt?", "How much should I keep in an emergency fund?",
         "Should I pay off student loans or invest in my 401k?", "How do I make a monthly budget?"]
SYNTHETIC = ["What is the fastest way to pay off credit card debt?", "How much money belongs in an emergency fund?",
             "Pay off student loans or invest in a 401k first?", "How do I make a monthly budget that works?",
             "What is a good credit score?"]
REAL = TWINS[:2] + MORTGAGE[:3] + SINGLES[:1] + STOCK[:3] + TWINS[2:] + MORTGAGE[3:] + SINGLES[1:] + STOCK[3:]

WORDS = "mortgage refinance stock option tax bond fund credit card debt loan budget retirement pension rent insurance".split()
SMALL = "how do i what is the best way my a".split()
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).flatmap(
    lambda ws: st.lists(st.sampled_from(SMALL), max_size=3).map(lambda s: " ".join(s + ws)))

def random_texts(rng, n, vocab=WORDS) -> list:
    return [" ".join(rng.choice(SMALL, rng.integers(0, 3)).tolist() + rng.choice(vocab, rng.integers(1, 7)).tolist()) for _ in range(n)]

def hashed_embedding(texts, dims=64) -> np.ndarray:
    "A deterministic bag-of-words embedding: each lower-cased word adds 1 to one of `dims` buckets."
    v = np.zeros((len(texts), dims))
    for i, t in enumerate(texts):
        for w in re.findall(r"[a-z0-9]+", t.lower()): v[i, zlib.crc32(w.encode()) % dims] += 1
    return v

@pytest.fixture(scope="module")
def planted():
    "The coverage of REAL by SYNTHETIC: computed once, read by several tests."
    return coverage(SYNTHETIC, REAL, by="words")

# nothing is lost ------------------------------------------------------------------------------------------------------

WITH_BLANKS = REAL[:5] + ["", REAL[2]] + [None] + REAL[5:]  # a duplicate stays, the blanks are dropped
KEPT = [q for q in WITH_BLANKS if q]

@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet", "frame", "list"])
def test_every_real_question_has_one_row_in_order(tmp_path, kind):
    df = pd.DataFrame({"prompt": WITH_BLANKS, "answer": [f"a{i}" for i in range(len(WITH_BLANKS))]})
    path = tmp_path/f"real.{kind}"
    source = {"jsonl": lambda: df.to_json(path, orient="records", lines=True) or path, "csv": lambda: df.to_csv(path, index=False) or path,
              "parquet": lambda: df.to_parquet(path) or path, "frame": lambda: df, "list": lambda: WITH_BLANKS}[kind]()
    ex = read_examples(source)
    assert ex.attrs["dropped"] == 2 and len(ex) + ex.attrs["dropped"] == len(WITH_BLANKS)  # reported, not lost
    c = coverage(SYNTHETIC, source)
    assert c.nearest["real question"].tolist() == KEPT and list(c.nearest.index) == list(range(len(KEPT)))
    assert c.at.loc[0.4] == pytest.approx(c.nearest["covered"].sum() / len(KEPT))  # blanks are not counted as uncovered
    assert (c.lengths["source"] == "real").sum() == len(KEPT)

def test_real_field_picks_the_column(tmp_path):
    df = pd.DataFrame({"question": ["ignored"] * 3, "asked": REAL[:3]})
    assert coverage(SYNTHETIC, df, real_field="asked").nearest["real question"].tolist() == REAL[:3]

def test_failed_and_empty_synthetic_rows_are_left_out():
    # each excluded row is the exact text of a real question: used by mistake, it would be that question's neighbour at 1
    rows = pd.DataFrame({"question": [SYNTHETIC[0], MORTGAGE[0], "", "   ", None, np.nan, STOCK[0], SYNTHETIC[1]],
                         "status": ["ok", "failed", "ok", "ok", "ok", "ok", "failed", "ok"]})
    c = coverage(rows, [MORTGAGE[0], STOCK[0], TWINS[0], TWINS[1]])
    assert c.n_synthetic == 2 and c.summary()["synthetic rows"] == 2
    assert set(c.nearest["synthetic row"]) <= {0, 7, -1}
    assert (c.nearest["similarity"].iloc[:2] < 1).all() and not c.nearest["covered"].iloc[:2].any()
    assert (c.lengths["source"] == "synthetic").sum() == 2

def test_failures_file_beside_the_rows_is_not_read(tmp_path):
    pd.DataFrame({"question": SYNTHETIC}).to_json(tmp_path/"rows.jsonl", orient="records", lines=True)
    pd.DataFrame({"question": MORTGAGE, "status": "failed", "reason": "cut off"}).to_json(tmp_path/"rows.failures.jsonl", orient="records", lines=True)
    c = coverage(tmp_path/"rows.jsonl", REAL)
    assert c.n_synthetic == len(SYNTHETIC) and not c.nearest["nearest synthetic question"].isin(MORTGAGE).any()

def test_a_list_of_synthetic_questions_drops_blanks():
    c = coverage([SYNTHETIC[0], "", None, SYNTHETIC[1]], REAL)
    assert c.n_synthetic == 2 and set(c.nearest["synthetic row"]) <= {0, 3, -1}

def test_unusable_real_examples_are_one_line_errors():
    with pytest.raises(DataError, match="has no questions"): coverage(SYNTHETIC, ["", None])
    with pytest.raises(DataError, match="no words to compare"): coverage(SYNTHETIC, ["What is it?", "How do I do that?"])
    with pytest.raises(DataError, match="empty"): coverage(SYNTHETIC, [])
    with pytest.raises(DataError, match="no 'prompt' column"): coverage(pd.DataFrame({"question": SYNTHETIC}), REAL, field="prompt")
    for t in (0, -0.1, 1.01, 40):
        with pytest.raises(DataError, match="above 0 and at most 1"): coverage(SYNTHETIC, REAL, threshold=t)

@pytest.mark.parametrize("synthetic", [[], pd.DataFrame({"question": ["How do I refinance my mortgage?"], "status": ["failed"]}),
                                       pd.DataFrame({"question": ["", None]})], ids=["empty list", "all failed", "all blank"])
def test_a_synthetic_set_with_no_usable_row_covers_nothing(synthetic):
    c = coverage(synthetic, REAL)
    assert c.n_synthetic == 0 and c.covered == 0 and len(c.nearest) == len(REAL) and (c.nearest["synthetic row"] == -1).all()

# nearest neighbours against comparing every pair ----------------------------------------------------------------------

def _check_against_brute_force(at, sim, rv, sv):
    full = cosine_similarity(rv, sv)
    best = full.max(axis=1)
    assert np.allclose(sim, np.clip(best, 0, 1), atol=1e-5)
    hit = at >= 0
    assert (hit == (best > 1e-6)).all()
    assert np.allclose(full[np.flatnonzero(hit), at[hit]], best[hit], atol=1e-5)  # ties may pick either; both are nearest

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_is_the_most_similar_of_every_pair(seed):
    rng = np.random.default_rng(seed)
    real = random_texts(rng, 60) + ["What is it?", "pension"]   # no term; a term no synthetic text has
    synthetic = random_texts(rng, 80, vocab=[w for w in WORDS if w != "pension"])
    r = ruler(real)
    rv, sv = r.vectors(real), r.vectors(synthetic)
    at, sim = nearest(rv, sv)
    _check_against_brute_force(at, sim, rv, sv)
    assert at[-2] == -1 and sim[-2] == 0 and at[-1] == -1 and sim[-1] == 0
    at7, sim7 = nearest(rv, sv, chunk=7)                            # chunking changes nothing
    assert (at7 == at).all() and np.allclose(sim7, sim)

def test_nearest_on_dense_vectors_is_the_most_similar_of_every_pair():
    rng = np.random.default_rng(3)
    real, synthetic = random_texts(rng, 40), random_texts(rng, 50)
    r = ruler(real, embed=hashed_embedding)
    rv, sv = r.vectors(real), r.vectors(synthetic)
    assert isinstance(rv, np.ndarray) and np.allclose(np.linalg.norm(rv, axis=1), 1, atol=1e-5)
    at, sim = nearest(rv, sv, chunk=9)
    _check_against_brute_force(at, sim, rv, sv)

def test_a_question_finds_itself_at_similarity_one():
    r = ruler(REAL)
    at, sim = nearest(r.vectors(REAL), r.vectors(REAL))
    assert np.allclose(sim, 1, atol=1e-5)
    # "How often can you…" and "How do I…" share every term ("often" is a stop word): either is the nearest
    assert all(at[i] == i or terms(REAL[at[i]]) == terms(q) for i, q in enumerate(REAL)) and (at == np.arange(len(REAL))).sum() >= len(REAL) - 2
    c = coverage(REAL, REAL, by="words")
    assert c.covered == 1 and (c.nearest["similarity"] == 1).all() and c.nearest["synthetic row"].tolist() == at.tolist()
    assert len(c.suggestions) == 0 and c.suggested_topics == []
    m = coverage(REAL, REAL)   # by meaning: every question is its own nearest, at centred cosine 1
    assert m.by == "meaning" and m.covered == 1 and np.allclose(m.nearest["similarity"], 1, atol=1e-3)
    assert m.nearest["synthetic row"].tolist() == list(range(len(REAL)))

def test_synthetic_row_is_the_index_label_of_the_frame():
    rng = np.random.default_rng(4)
    real = random_texts(rng, 30)
    good = random_texts(rng, 25)
    # failed rows interleaved, and their texts are the real ones: they would win every comparison
    rows = pd.DataFrame({"question": [t for pair in zip(good, real) for t in pair], "status": ["ok", "failed"] * 25},
                        index=rng.permutation(np.arange(1000, 1050)))
    c = coverage(rows, real, by="words")
    ok = rows[rows["status"] == "ok"]
    r = ruler(real)
    full = cosine_similarity(r.vectors(real), r.vectors(ok["question"]))
    for i, n in c.nearest.iterrows():
        if n["synthetic row"] == -1: assert full[i].max() <= 1e-6; continue
        assert rows.loc[n["synthetic row"], "status"] == "ok"
        assert rows.loc[n["synthetic row"], "question"] == n["nearest synthetic question"]
        assert full[i, ok.index.get_loc(n["synthetic row"])] == pytest.approx(full[i].max(), abs=1e-5)
        assert n["similarity"] == pytest.approx(full[i].max(), abs=1e-4)

def test_synthetic_row_can_be_a_string_label():
    rows = pd.DataFrame({"question": ["bond fund risk", MORTGAGE[0], "mortgage refinance"], "status": ["ok", "failed", "ok"]},
                        index=["a", "b", "c"])
    c = coverage(rows, [MORTGAGE[0], STOCK[0], "What is a bond fund?"], by="words")
    assert c.nearest["synthetic row"].tolist() == ["c", -1, "a"]
    m = coverage(rows, [MORTGAGE[0], STOCK[0], "What is a bond fund?"])   # by meaning every question has a nearest row
    assert m.nearest["synthetic row"].tolist()[::2] == ["c", "a"] and set(m.nearest["synthetic row"]) <= {"a", "c"}

def test_terms_meet_across_spellings_and_skip_small_words():
    assert terms("Taxes on loans") == terms("taxed loan") and terms("refinancing") == terms("Refinance")
    assert terms("What is the best way to do it?") == [] and terms(None) == []
    assert "credit card" in " ".join(terms("How do I get out of credit card debt?")).replace("card debt", "")

# properties -----------------------------------------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(real=st.lists(texts, min_size=2, max_size=12), synthetic=st.lists(texts, max_size=10), more=st.lists(texts, min_size=1, max_size=6),
       threshold=st.sampled_from(THRESHOLDS))
def test_more_synthetic_rows_never_lower_a_similarity(real, synthetic, more, threshold):
    before = coverage(synthetic + ["credit"], real, threshold=threshold, by="words")
    after = coverage(synthetic + ["credit"] + more, real, threshold=threshold, by="words")
    assert (after.nearest["similarity"].to_numpy() >= before.nearest["similarity"].to_numpy() - 1e-6).all()
    assert after.covered >= before.covered and (after.at >= before.at - 1e-12).all()
    for c in (before, after):
        assert c.at.is_monotonic_decreasing and c.at.loc[threshold] == pytest.approx(c.covered)
        assert c.topics["real"].sum() == pytest.approx(1) and c.topics["synthetic"].sum() == pytest.approx(1)

@settings(max_examples=100, deadline=None)
@given(real=st.lists(texts, min_size=1, max_size=15), synthetic=st.lists(texts, max_size=15), more=st.lists(texts, max_size=8))
def test_the_ruler_is_learnt_on_the_real_texts_only(real, synthetic, more):
    r = ruler(real)
    _, before = nearest(r.vectors(real), r.vectors(synthetic))
    _, after = nearest(r.vectors(real), r.vectors(synthetic + more))
    assert (after >= before - 1e-6).all()

@settings(max_examples=200, deadline=None)
@given(sim=st.lists(st.floats(0, 1), max_size=40), thresholds=st.lists(st.floats(0.01, 1), min_size=1, max_size=8, unique=True))
def test_coverage_at_is_non_increasing_in_the_threshold(sim, thresholds):
    thresholds = sorted(thresholds)
    at = coverage_at(sim, thresholds)
    assert at.index.tolist() == thresholds and (np.diff(at.to_numpy()) <= 0).all()
    assert at.tolist() == [float(np.mean(np.array(sim) >= t)) if sim else 0.0 for t in thresholds]

topic = st.sampled_from(["debt", "saving", "budget", "credit", None])

@settings(max_examples=200, deadline=None)
@given(supply=st.lists(topic, min_size=1, max_size=30), demand=st.lists(topic, min_size=1, max_size=30))
def test_topic_gap_shares_sum_to_one(supply, demand):
    t = topic_gap(pd.Series(supply, dtype=object), pd.Series(demand, dtype=object))
    assert t["synthetic"].sum() == pytest.approx(1) and t["real"].sum() == pytest.approx(1)
    assert np.allclose(t["gap"], t["real"] - t["synthetic"]) and t["gap"].is_monotonic_decreasing and t["topic"].is_unique
    served = t.set_index("topic")["real"]
    assert served.get(NOT_COVERED, 0) == pytest.approx(sum(d is None for d in demand) / len(demand))

@pytest.mark.parametrize("threshold", [0.2, 0.4, 0.7])
def test_covered_is_the_share_at_the_chosen_threshold(planted, threshold):
    c = coverage(SYNTHETIC, REAL, threshold=threshold, by="words")
    assert c.covered == pytest.approx(c.at.loc[threshold]) == pytest.approx(planted.at.loc[threshold])
    assert c.summary()[f"covered at {threshold:g}"] == round(c.covered, 3)
    assert (c.nearest["similarity"].to_numpy() == planted.nearest["similarity"].to_numpy()).all()
    assert c.gaps()["similarity"].is_monotonic_increasing and not c.gaps()["covered"].any()

def test_the_table_agrees_with_itself_at_the_threshold():
    vectors = {"alpha": [1.0, 0.0], "beta": [0.39997, np.sqrt(1 - 0.39997**2)]}   # cosine 0.39997
    c = coverage(["beta"], ["alpha"], embed=lambda ts: [vectors[t] for t in ts])
    assert (c.nearest["covered"] == (c.nearest["similarity"] >= c.threshold)).all(), c.nearest

def test_covered_questions_are_never_counted_as_not_covered_in_topics():
    c = coverage(REAL, REAL)                                  # every question covered; the rows have no topic column
    assert c.covered == 1
    assert c.topics.set_index("topic")["real"].get(NOT_COVERED, 0) == 0, c.topics

def test_topics_count_each_covered_question_for_its_nearest_rows_topic():
    rows = pd.DataFrame({"question": SYNTHETIC, "topic": ["debt", "saving", "debt", "budget", "credit"], "status": "ok"})
    c = coverage(rows, REAL)
    t = c.topics.set_index("topic")
    near_topic = c.nearest["synthetic row"].map(lambda i: rows["topic"].get(i)).where(c.nearest["covered"])
    expected = near_topic.fillna(NOT_COVERED).value_counts(normalize=True)
    for name, share in expected.items(): assert t.loc[name, "real"] == pytest.approx(share)
    assert t.loc["debt", "synthetic"] == pytest.approx(0.4) and t["real"].sum() == pytest.approx(1)

# the other gaps -------------------------------------------------------------------------------------------------------

def test_lengths_vocabulary_and_embeddings():
    assert ks_statistic(np.array([1, 2, 3]), np.array([1, 2, 3])) == 0 and ks_statistic(np.array([1, 2]), np.array([5, 6])) == 1
    assert np.isnan(ks_statistic(np.array([]), np.array([1])))
    g = length_gap(np.array([2, 4, 6]), np.array([10]))
    assert g.loc["real", "median"] == 4 and g.loc["synthetic", "texts"] == 1
    v = vocabulary_gap(["mortgage rate", "mortgage refinance", "stock"], ["stock option"])
    assert v["word"].tolist() == ["mortgage"] and v.loc[0, "real"] == pytest.approx(2/3) and v.loc[0, "synthetic"] == 0
    assert vocabulary_seen(["credit card debt"], ["debt"]) == pytest.approx(1/3) and vocabulary_seen(["mortgage"], ["mortgages"]) == 1
    r = ruler(REAL)
    rv, sv = r.vectors(REAL), r.vectors(SYNTHETIC)
    assert centroid_similarity(rv, rv) == pytest.approx(1, abs=1e-5) and 0 < centroid_similarity(rv, sv) < 1
    far, near = r.vectors(["mortgage refinance rate"] * 10), r.vectors(["credit card debt"] * 10)
    assert separability(far, near) == 1.0 and np.isnan(separability(rv[:3], sv))

# suggested topics -----------------------------------------------------------------------------------------------------

def test_suggested_topics_name_the_planted_clusters(planted):
    c = planted
    uncovered = set(np.flatnonzero(~c.nearest["covered"].to_numpy()))
    assert {REAL.index(q) for q in MORTGAGE + STOCK + SINGLES} <= uncovered
    assert not uncovered & {REAL.index(q) for q in TWINS}                       # the twins are covered
    named = {"mortgage": None, "stock": None}
    for s in c.suggestions.itertuples():
        assert set(s.rows) <= uncovered and len(s.rows) == s.questions
        assert set(s.examples) <= {REAL[i] for i in s.rows}
        if "mortgage" in s.topic and "refinanc" in s.topic: named["mortgage"] = s
        if "stock option" in s.topic: named["stock"] = s
    assert named["mortgage"] and named["stock"], c.suggested_topics
    assert {REAL.index(q) for q in MORTGAGE} <= set(named["mortgage"].rows)
    assert set(named["stock"].rows) == {REAL.index(q) for q in STOCK}
    all_rows = [i for rows in c.suggestions["rows"] for i in rows]
    assert len(all_rows) == len(set(all_rows))                                  # a question is in one suggestion at most
    assert c.summary()["suggested topics"] == len(c.suggestions) == len(c.suggested_topics)

def test_suggest_topics_leaves_out_clusters_below_min_size():
    gaps = MORTGAGE[:3] + STOCK[:3] + ["Is a bond fund safe?"]
    r = ruler(REAL + gaps)
    s = suggest_topics(gaps, r.vectors(gaps), r.vectorizer.get_feature_names_out(), clusters=3)
    assert sorted(s["questions"]) == [3, 3] and sorted(i for rows in s["rows"] for i in rows) == [0, 1, 2, 3, 4, 5]
    assert len(suggest_topics(gaps[:1], r.vectors(gaps[:1]), r.vectorizer.get_feature_names_out())) == 0

# the embed= path ------------------------------------------------------------------------------------------------------

def test_an_embedding_function_works_end_to_end(planted):
    calls = []
    def embed(texts): calls.append(len(texts)); return hashed_embedding(texts)
    c = coverage(SYNTHETIC, REAL, embed=embed)
    assert calls and sum(calls) >= len(REAL) + len(SYNTHETIC)
    assert c.nearest["real question"].tolist() == REAL and c.n_synthetic == len(SYNTHETIC)
    full = cosine_similarity(hashed_embedding(REAL), hashed_embedding(SYNTHETIC))
    assert np.allclose(c.nearest["similarity"], np.clip(full.max(axis=1), 0, 1), atol=1e-4)
    assert not np.allclose(c.nearest["similarity"], planted.nearest["similarity"], atol=1e-3)   # a different ruler
    assert c.at.is_monotonic_decreasing and c.covered == pytest.approx(c.at.loc[0.4])
    assert all(isinstance(t, str) and t for t in c.suggested_topics)                 # still named by words
    assert set(c.points["source"]) == {"real", "synthetic"}
    assert coverage(REAL, REAL, embed=hashed_embedding).nearest["similarity"].min() == pytest.approx(1, abs=1e-4)

# charts and the page --------------------------------------------------------------------------------------------------

def test_figures_follow_the_coverage(planted):
    figs = coverage_figures(planted)
    assert set(figs) == {"coverage", "similarity", "suggestions", "map", "topics", "lengths", "vocabulary"}
    more = coverage(SYNTHETIC + MORTGAGE[:1], REAL)
    curve = coverage_curve({"first": planted, "more": more})
    assert len(curve.data) == 2 and list(curve.data[1].y) == more.at.tolist() and list(curve.data[0].x) == list(THRESHOLDS)
    assert list(figs["suggestions"].data[0].y) == planted.suggested_topics[::-1]

def test_the_page_is_self_contained_and_lists_the_gaps(planted, tmp_path):
    out = save_eval(planted, tmp_path/"new folder"/"eval.html")
    assert out == tmp_path/"new folder"/"eval.html" and os.listdir(tmp_path/"new folder") == ["eval.html"]  # no temporary file left
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert page.count("* plotly.js v") == 1                                          # plotly.js inlined once
    assert not re.search(r"<script[^>]*\ssrc=", page) and not re.search(r"<link[^>]*href=[\"']https?:", page)
    assert page.count("Plotly.newPlot(") == len(coverage_figures(planted))
    for q in planted.gaps()["real question"]: assert html.escape(q) in page
    assert f"Real questions not covered ({(~planted.nearest['covered']).sum()}" in page
    assert all(html.escape(t) in page for t in planted.suggested_topics)

# the command ----------------------------------------------------------------------------------------------------------

def synthnb(*args, cwd=None) -> subprocess.Popen:
    return subprocess.Popen([SYNTHNB, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)

ERRORS = {  # name: (arguments after `eval rows.jsonl`, what the one line says)
    "missing real file": (["--real", "nothing.jsonl", "-o", "e.html"], "no file nothing.jsonl"),
    "no question column": (["--real", "nocolumn.csv", "-o", "e.html"], "has no question column (columns: id, body)"),
    "wrong --field": (["--real", "real.jsonl", "--field", "prompt", "-o", "e.html"], "no 'prompt' column"),
    "wrong --real-field": (["--real", "real.jsonl", "--real-field", "prompt", "-o", "e.html"], "has no column 'prompt'"),
    "output not html": (["--real", "real.jsonl", "-o", "e.txt"], "the evaluation is HTML; name it .html"),
    "threshold 0": (["--real", "real.jsonl", "-o", "e.html", "--threshold", "0"], "above 0 and at most 1"),
    "threshold 2": (["--real", "real.jsonl", "-o", "e.html", "--threshold", "2"], "above 0 and at most 1"),
}

@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    "Every `synthnb eval` of this module, started at once (each process spends seconds importing), by name."
    d = tmp_path_factory.mktemp("eval")
    rows = pd.DataFrame({"question": SYNTHETIC + [MORTGAGE[0]], "topic": ["debt", "saving", "debt", "budget", "credit", "x"],
                         "status": ["ok"] * 5 + ["failed"]})
    rows.to_json(d/"rows.jsonl", orient="records", lines=True)
    rows.rename(columns={"question": "prompt"}).to_csv(d/"rows.csv", index=False)
    pd.DataFrame({"query": REAL, "answer": "…"}).to_json(d/"real.jsonl", orient="records", lines=True)
    pd.DataFrame({"body": REAL, "id": range(len(REAL))}).to_parquet(d/"real.parquet")
    pd.DataFrame({"id": [1, 2], "body": REAL[:2]}).to_csv(d/"nocolumn.csv", index=False)
    procs = {"default": synthnb("eval", "rows.jsonl", "--real", "real.jsonl", "-o", d/"out"/"eval.html", cwd=d),
             "options": synthnb("eval", "rows.csv", "--real", "real.parquet", "--field", "prompt", "--real-field", "body",
                                "--threshold", "0.9", "--by", "words", "-o", "strict.HTML", cwd=d)}
    procs.update({name: synthnb("eval", "rows.jsonl", *args, cwd=d) for name, (args, _) in ERRORS.items()})
    done = {}
    for name, p in procs.items():
        out, err = p.communicate(timeout=300)
        done[name] = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    return d, done

def test_eval_writes_the_page_and_prints_coverage_and_topics(runs):
    d, done = runs
    r = done["default"]
    assert r.returncode == 0 and r.stderr == "", r.stderr
    lines = r.stdout.splitlines()
    assert re.fullmatch(rf"Coverage: \d+\.\d% of {len(REAL)} real questions have a synthetic neighbour at similarity ≥ 0.38 by meaning \(5 synthetic rows\)", lines[0])
    topics = [l for l in lines if l.startswith("  suggested topic: ")]
    assert topics and any("mortgage" in l and "refinanc" in l for l in topics) and any("stock option" in l for l in topics), lines
    assert all(re.search(r"\(\d+ real questions\)$", l) for l in topics)
    assert lines[-1] == f"wrote {d/'out'/'eval.html'}"
    page = (d/"out"/"eval.html").read_text(encoding="utf-8")
    c = coverage(d/"rows.jsonl", d/"real.jsonl")
    assert lines[0] == repr(c)                                                   # the same numbers as the library
    for q in MORTGAGE + STOCK + SINGLES: assert html.escape(q) in page
    assert page.count("* plotly.js v") == 1 and not re.search(r"<script[^>]*\ssrc=", page)

def test_eval_options_pick_columns_and_threshold(runs):
    d, done = runs
    r = done["options"]
    assert r.returncode == 0, r.stderr
    assert f"of {len(REAL)} real questions have a synthetic neighbour at similarity ≥ 0.9 by words (5 synthetic rows)" in r.stdout
    assert (d/"strict.HTML").exists() and "similarity ≥ 0.9" in (d/"strict.HTML").read_text(encoding="utf-8")

@pytest.mark.parametrize("name", list(ERRORS))
def test_eval_errors_are_one_line(runs, name):
    d, done = runs
    r, says = done[name], ERRORS[name][1]
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith("synthnb: error:") and says in lines[0], lines[0]
    assert r.stdout == "" and not (d/"e.html").exists() and not (d/"e.txt").exists()

@pytest.mark.parametrize("name, option", [("no question column", "--real-field"), ("wrong --real-field", "--real-field"),
                                          ("wrong --field", "--field")])
def test_eval_errors_name_the_option_to_pass(runs, name, option):
    _, done = runs
    assert option in done[name].stderr and "field=" not in done[name].stderr, done[name].stderr


def test_by_meaning_a_paraphrase_covers_what_words_miss():
    real = ["can i write off my laptop as a work expense", "how do i lower the interest rate on my credit card",
            "what happens if i miss a car payment", "is it worth paying off my mortgage early"]
    synthetic = ["Is a computer I use for my job tax deductible?", "Can I negotiate a lower APR with my card issuer?",
                 "What are the consequences of a late auto loan instalment?", "Should I repay my home loan ahead of schedule?"]
    words, meaning = coverage(synthetic, real, by="words"), coverage(synthetic, real)
    assert meaning.by == "meaning" and words.by == "words"
    assert meaning.nearest["synthetic row"].tolist() == [0, 1, 2, 3]          # each real question finds its paraphrase
    assert meaning.covered > words.covered
    assert "by meaning" in repr(meaning) and "by words" in repr(words)

def test_by_meaning_an_added_copy_of_a_real_question_covers_it():
    real = ["how do i get a mortgage with bad credit", "what is an index fund", "can i deduct my home office"]
    before = coverage(["What is a bond?"] * 25, real)
    after = coverage(["What is a bond?"] * 25 + ["what is an index fund"], real)
    assert not before.nearest["covered"][1] and after.nearest["covered"][1]
    assert after.nearest.loc[1, "similarity"] == pytest.approx(1, abs=0.05)
