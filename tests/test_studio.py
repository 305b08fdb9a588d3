"""The studio's logic on its plain `Session`, then the studio headless: set widget values, click buttons, assert on what
the widgets show. Generation goes through real HTTP servers on 127.0.0.1 (a scripted OpenAI-compatible one, and the
embedded llama.cpp model)."""
import html, json, os, re, threading, time
import numpy as np, pandas as pd, pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.curation import CurationError
from synthnb.export import ExportError
from synthnb.studio import Session, Studio, StudioError
from servers import ScriptedServer, completion, records_answer

SPEC = PromptSpec.example("bakery")

def answer(body, i):
    return (200, completion(records_answer(body, lambda k: {"question": f"Seed {body.get('seed')} question {k} about cakes?",
                                                            "response": f"Answer {k}: we open at 7am."})))

def studio_on(srv, spec=SPEC, **kw):
    return Studio(spec, endpoint=Endpoint(srv.base_url, "scripted", timeout=5), **kw)

def wait_for(cond, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond(): return True
        time.sleep(0.05)
    return False

def session_on(srv, spec=SPEC, **kw):
    return Session(spec, endpoint=Endpoint(srv.base_url, "scripted", timeout=5), **kw)

def test_session_rows_arrive_before_the_run_ends_then_report_and_seed(fresh_cache):
    gate, heard = threading.Event(), []
    def script(body, i):
        if i > 1: gate.wait(20)
        return answer(body, i)
    with ScriptedServer(script) as srv:
        s = session_on(srv, n=15, cache=fresh_cache)
        s.watch(heard.append)
        assert s.generate() is s and s.running
        assert wait_for(lambda: len(s.rows) == 5), s.message   # the first request's rows, while the others wait
        assert s.running and s.progress == (5, 15)
        with pytest.raises(StudioError, match="busy"): s.generate()
        gate.set(); s.wait(30)
    assert not s.running and len(s.rows) == 15 and (s.rows["batch"] == 1).all() and s.rows["status"].eq("ok").all()
    assert s.seed == 3 and s.message == "done: 15 ok, 0 failed" and s.message_kind == "ok"
    assert s.report.counts["ok"] == 15 and s.progress == (15, 15)
    assert heard[0] == "generating" and heard[-1] == "done" and {"rows", "message", "report"} <= set(heard)

def test_session_stop_keeps_what_arrived(fresh_cache):
    release = threading.Event()
    def script(body, i):
        if i > 1: release.wait(20)
        return answer(body, i)
    with ScriptedServer(script) as srv:
        s = session_on(srv, spec=PromptSpec.from_dict({**SPEC.to_dict(), "records_per_request": 5}), n=20, cache=fresh_cache)
        s.generate(); assert wait_for(lambda: len(s.rows) >= 5)
        s.stop(); s.wait(30); release.set()
    df = s.rows
    assert len(df) == 20 and (df["status"] == "ok").sum() >= 5 and "(stopped)" in s.message
    assert df.loc[df["status"] == "failed", "reason"].str.contains("stopped|not sent").all()

def test_session_curation_and_its_errors():
    s = Session(SPEC, df=pd.DataFrame({"question": ["a?", "b?"], "response": ["A.", "B."], "status": "ok"}))
    assert s.reject(0).action == "reject" and s.curated["question"].tolist() == ["b?"]
    assert s.decide([0], "rejected", toggle=True).action == "reset" and len(s.curated) == 2
    assert [c.column for c in s.edit(1, {"question": "b?", "response": "Bee."})] == ["response"]
    assert s.undo().action == "edit" and s.curated.at[1, "response"] == "B."
    with pytest.raises(CurationError, match="no rows to decide on"): s.decide([], "rejected")
    with pytest.raises(CurationError, match="must be one of"): s.decide([0], "maybe")
    with pytest.raises(CurationError, match="no row 7"): s.reject(7)
    assert s.undo().action == "reset" and s.undo().action == "reject" and s.undo() is None

def test_session_compares_two_spec_versions(fresh_cache):
    with ScriptedServer(answer) as srv:
        s = session_on(srv, cache=fresh_cache)
        with pytest.raises(StudioError, match="two spec versions"): s.compare()
        s.generate(5).wait(30)
        s.spec = PromptSpec.from_dict({**SPEC.to_dict(), "instruction": SPEC.instruction + " Customers write casually."})
        c = s.generate(5).wait(30).compare()
    assert len(s.versions) == 2 and [h for _, h in s.version_options()] == [c.a, c.b] and s.comparison is c
    assert c.changes["part"].tolist() == ["instruction"] and c.numbers.loc["good rows"].tolist() == [5, 5]
    assert list(c.samples.columns.get_level_values(0).unique()) == ["A", "B"] and "What changed" in c._repr_html_()

def test_session_exports_with_its_settings_or_arguments(tmp_path):
    rows = pd.DataFrame({"question": [f"Question {i}?" for i in range(10)], "response": [f"Answer {i}." for i in range(10)], "status": "ok"})
    s = Session(SPEC, df=rows)
    assert s.export_settings.path == f"out/{SPEC.name}.jsonl" and s.export_settings.spec_path == f"{SPEC.name}.yaml"
    s.reject(0)
    s.export_settings.path, s.export_settings.validation, s.export_settings.system = str(tmp_path/"b.jsonl"), 0, "Be kind."
    res = s.export()
    lines = [json.loads(l) for l in (tmp_path/"b.jsonl").read_text().splitlines()]
    assert res.counts == {"all": 9} and lines[0]["messages"][0] == {"role": "system", "content": "Be kind."}
    s.export(tmp_path/"rows.csv", validation=0)   # the format from the suffix
    assert pd.read_csv(tmp_path/"rows.csv").columns.tolist() == ["question", "response", "edited"]
    with pytest.raises(ExportError, match="does not end in .jsonl"): s.export(tmp_path/"x.txt", "chat")
    with pytest.raises(StudioError, match="should end in .yaml"): s.save_spec(tmp_path/"spec.txt")
    assert PromptSpec.load(s.save_spec(tmp_path/"spec.yaml")) == SPEC
    s.decide(list(range(10)), "rejected")
    with pytest.raises(ExportError, match="no curated rows"): s.export()

def test_a_studio_shows_the_session_it_is_given(fresh_cache):
    with ScriptedServer(answer) as srv:
        s = session_on(srv, cache=fresh_cache)
        s.generate(5).wait(30)
        st = Studio(session=s)
        assert st.session is s and "5 rows" in st.table.count.value and "good rows" in st.summary.value.lower()
        assert st.form.base_url.value == srv.base_url and st.report is s.report
        st.table.pool[0].reject.click()
        assert s.rows.at[0, "decision"] == "rejected" and "reject: 1 row" in st.message.value and s.message.startswith("reject")
        st.try5_button.click(); st.wait(30)
    assert len(s.rows) == 10 and "done: 5 ok" in st.message.value and st.form.seed.value == s.seed == 6

def test_generate_adds_rows_live_then_measures_and_moves_the_seed(fresh_cache):
    gate = threading.Event()
    def script(body, i):
        if i > 1: gate.wait(20)   # the first request answers, the rest wait: rows must show before the run ends
        return answer(body, i)
    with ScriptedServer(script) as srv:
        s = studio_on(srv, n=15, cache=fresh_cache)
        s.form.endpoint.value  # the form shows the endpoint given
        assert s.form.base_url.value == srv.base_url
        s.generate_button.click()
        assert wait_for(lambda: "5 rows" in s.table.count.value), s.message.value   # drawn before the run ends
        assert s.running and s.stop_button.disabled is False and len(s.df) == 5
        gate.set(); s.wait(30)
    assert not s.running
    assert len(s.df) == 15 and (s.df["status"] == "ok").all() and (s.df["batch"] == 1).all()
    assert s.progress.value == 15 and "done: 15 ok" in s.message.value
    assert s.form.seed.value == 3   # past the seeds of its 3 requests
    assert s.report is not None and s.report.counts["ok"] == 15
    assert len(s.charts.outputs) == 3 and "application/vnd.plotly.v1+json" in s.charts.outputs[0]["data"]
    shown = [rv for rv in s.table.pool if rv.layout.display != "none"]
    assert len(shown) == 10 and "Seed" in shown[0].cells[0].value

def test_try5_twice_asks_for_new_rows_each_time(fresh_cache):
    with ScriptedServer(answer) as srv:
        s = studio_on(srv, cache=fresh_cache)
        s.try5_button.click(); s.wait(30)
        s.try5_button.click(); s.wait(30)
    assert len(s.df) == 10 and s.df["batch"].tolist() == [1] * 5 + [2] * 5
    assert s.df["question"].nunique() == 10  # the second click used the next seed, not the cache
    assert len(srv.requests) == 2 * 3        # 5 records over 3 topics: 3 requests a click

def test_stop_keeps_what_arrived_and_the_rest_are_failed_rows(fresh_cache):
    release = threading.Event()
    def script(body, i):
        if i > 1: release.wait(20)
        return answer(body, i)
    with ScriptedServer(script) as srv:
        s = studio_on(srv, n=20, cache=fresh_cache)
        s.form.per_request.value = 5
        s.generate(); assert wait_for(lambda: len(s.df) >= 5)
        s.stop_button.click(); s.wait(30); release.set()
    df = s.df
    assert len(df) == 20 and (df["status"] == "ok").sum() >= 5
    stopped = df[df["status"] == "failed"]
    assert len(stopped) and stopped["reason"].str.contains("stopped|not sent").all()
    assert "(stopped)" in s.message.value

def test_unreachable_endpoint_is_one_line_in_the_ui_and_the_rows_stay(fresh_cache):
    rows = pd.DataFrame({"question": ["Open Mondays?"], "response": ["No, closed on Mondays."], "status": ["ok"]})
    s = Studio(SPEC, df=rows, cache=fresh_cache)
    s.table.pool[0].reject.click()
    s.form.endpoint.value = "other server"
    s.form.base_url.value, s.form.model.value = "http://127.0.0.1:9/v1", "nothing-here"
    s.try5_button.click(); s.wait(60)
    assert "synthnb-error" in s.message.value and "Traceback" not in s.message.value
    text = s.message.value
    assert "127.0.0.1:9" in text or "connect" in text.lower(), text
    assert s.df.at[0, "decision"] == "rejected" and s.df.at[0, "response"] == "No, closed on Mondays."
    assert len(s.df) == 6 and (s.df["status"].iloc[1:] == "failed").all()   # the 5 asked for are failed rows with the reason
    assert s.df["reason"].iloc[1:].str.len().gt(0).all()
    assert s.retry_button.layout.display == "" and "Retry" in s.message.value and s.progress.bar_style == "danger"
    assert s.progress.value == 0   # no full bar for a run that failed
    s.try5_button.click(); s.wait(60)   # again at the dead server: the same 5 failed rows, tried twice, not 5 more
    assert len(s.df) == 6 and s.df["earlier"].iloc[1:].str.contains("127.0.0.1:9").all()
    print(text)

@pytest.mark.parametrize("change, problem", [
    (lambda f: setattr(f.base_url, "value", "localhost:8000"), "must start with http"),
    (lambda f: setattr(f.examples.rows[0].areas["question"], "value", ""), "example 1: `question` is empty; write it or delete the example"),
    (lambda f: setattr(f.fields, "value", "question | integr"), "not one of"),
    (lambda f: setattr(f.facts, "value", "no colon here"), "fact sheet line 1"),
    (lambda f: setattr(f.instruction, "value", "  "), "instruction is empty"),
])
def test_bad_input_is_a_message_not_a_traceback(change, problem, fresh_cache):
    s = Studio(SPEC, df=pd.DataFrame({"question": ["a?"], "response": ["b."], "status": ["ok"]}), cache=fresh_cache)
    s.form.endpoint.value = "other server"; s.form.base_url.value, s.form.model.value = "http://127.0.0.1:9/v1", "m"
    change(s.form)
    s.generate_button.click()
    assert s.session.batch == 0 and "synthnb-error" in s.message.value and problem in s.message.value   # no generation started
    assert "\n" not in s.errors[-1][0] and len(s.df) == 1

def test_an_example_of_the_wrong_type_is_named():
    spec = PromptSpec("Rate the bakery.", examples=[{"review": "Lovely bread.", "stars": 5}], name="reviews")
    s = Studio(spec)
    s.form.examples.rows[0].areas["stars"].value = "five"
    assert html.unescape(s.form.problems_box.value).count("example 1: 'stars' is 'five', which is not a whole number") == 1
    s.generate(); assert "which is not a whole number" in html.unescape(s.message.value)

def big_rows(n=100_000):
    rng = np.random.default_rng(0)
    words = np.array("bread cake tart roll open close nut gluten sunday monday order".split())
    q = [" ".join(rng.choice(words, rng.integers(2, 9))) + "?" for _ in range(n)]
    return pd.DataFrame({"question": q, "response": [f"Answer {i}." for i in range(n)], "status": "ok",
                         "topic": np.resize(["daily specials", "custom cake orders", "allergy information"], n), "spec_hash": SPEC.hash})

def test_the_table_pages_sorts_and_filters_100k_rows():
    df = big_rows()
    s = Studio(SPEC, df=df)
    t = s.table
    assert "100,000 rows" in t.count.value and t.page.value == "page 1 of 10,000"
    t.next.click(); t.next.click()
    assert t.pool[0].row == 20 and t.page.value == "page 3 of 10,000"
    t.sort.value = "question length"; t.descending.value = True
    longest = df["question"].str.len().max()
    assert len(df.at[t.pool[0].row, "question"]) == longest and t.page.value.startswith("page 1")
    t.topic.value = "allergy information"
    assert all(df.at[rv.row, "topic"] == "allergy information" for rv in t.pool)
    t.search.value = "gluten sunday"
    assert all({"gluten", "sunday"} <= set(df.at[rv.row, "question"][:-1].split()) for rv in t.pool if rv.row is not None)
    n_shown = len(t.shown)
    t.reject_shown.click()
    assert (s.df["decision"] == "rejected").sum() == n_shown and len(s.curated) == 100_000 - n_shown
    t.undo_button.click()
    assert (s.df["decision"] == "rejected").sum() == 0   # one undo takes back the whole bulk rejection

def test_flags_filter_after_a_report_and_edit_rescues_a_failed_row(fresh_cache):
    rows = pd.DataFrame({"question": ["When do you open on Saturdays?", "When do you open on Saturdays?", "Do you sell chocolate croissants?", ""],
                         "response": ["We open at 7am.", "We open at 7am.", "Yes, chocolate croissants for $2.", ""],
                         "status": ["ok", "ok", "ok", "failed"], "reason": ["", "", "", "cut off"],
                         "raw": ["", "", "", '[{"question": "Do you deliver?", "response": "No, sorry'], "spec_hash": SPEC.hash})
    s = Studio(SPEC, df=rows, cache=fresh_cache)
    s.measure_button.click(); s.wait(60)
    kinds = [v for _, v in s.table.flag.options]
    assert "exact_duplicate" in kinds and "unknown_item" in kinds   # chocolate croissants are not on the fact sheet
    s.table.flag.value = "unknown_item"
    assert [rv.row for rv in s.table.pool if rv.row is not None] == [2]
    s.table.flag.value = ""; s.table.decision.value = "failed"
    rv = s.table.pool[0]; assert rv.row == 3 and "<b>failed</b>: cut off" in rv.cells[0].value
    rv.edit.click()
    assert "Do you deliver?" in s.table.editor.raw.value
    s.table.editor.areas["question"].value = "Do you deliver?"
    s.table.editor.areas["response"].value = "No, sorry: pick-up only."
    s.table.editor.save.click()
    assert 3 not in s.curated.index
    s.table.pool[0].accept.click()
    assert 3 in s.curated.index and s.curated.at[3, "response"] == "No, sorry: pick-up only."
    assert [c.action for c in s.curation.log] == ["edit", "edit", "accept"]
    assert "accept" in s.table.audit.value

def test_compare_two_spec_versions(fresh_cache):
    with ScriptedServer(answer) as srv:
        s = studio_on(srv, cache=fresh_cache)
        s.compare(); assert "two spec versions" in s.message.value
        s.generate(5); s.wait(30)
        s.form.instruction.value = SPEC.instruction + " Customers write casually."
        s.generate(5); s.wait(30)
        s.compare_button.click()
    assert "synthnb-error" not in s.message.value, s.message.value
    assert len(s.version_a.options) == 2 and s.version_a.value != s.version_b.value
    out = s.comparison.outputs
    texts = " ".join(o.get("data", {}).get("text/plain", "") for o in out)
    assert "instruction" in texts and "good rows" in texts
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in out)

def test_export_every_format_and_the_spec_without_the_key(tmp_path, monkeypatch, fresh_cache):
    monkeypatch.setenv("SYNTHNB_TEST_KEY", "sk-this-must-not-leak")
    rows = pd.DataFrame({"question": [f"Question {i}?" for i in range(20)], "response": [f"Answer {i}." for i in range(20)],
                         "status": "ok", "topic": np.resize(["a", "b"], 20), "raw": "secret raw"})
    s = Studio(SPEC, df=rows, cache=fresh_cache)
    s.form.endpoint.value = "other server"; s.form.key_env.value = "SYNTHNB_TEST_KEY"
    assert "is set" in s.form.key_note.value and "sk-this" not in s.form.key_note.value
    s.table.pool[0].reject.click()
    s.table.pool[1].edit.click(); s.table.editor.areas["response"].value = "Edited answer."; s.table.editor.save.click()
    s.export_format.value, s.export_path.value, s.export_validation.value = "chat", str(tmp_path/"bakery.jsonl"), 0.2
    s.export_system.value = "You are Sunrise Bakery's assistant."
    s.export_button.click()
    train, val = tmp_path/"bakery.train.jsonl", tmp_path/"bakery.validation.jsonl"
    lines = [json.loads(l) for p in (train, val) for l in p.read_text().splitlines()]
    assert len(lines) == 19 and str(train.resolve()) in s.export_result.value
    users = [l["messages"][1]["content"] for l in lines]
    assert "Question 0?" not in users and {"Edited answer."} <= {l["messages"][2]["content"] for l in lines}
    assert all(l["messages"][0] == {"role": "system", "content": "You are Sunrise Bakery's assistant."} for l in lines)
    for fmt, name in (("jsonl", "rows.jsonl"), ("csv", "rows.csv"), ("parquet", "rows.parquet")):
        s.export(tmp_path/name, fmt, validation=0)
        assert (tmp_path/name).exists(), s.message.value
    assert pd.read_csv(tmp_path/"rows.csv").columns.tolist() == ["question", "response", "topic", "edited"]
    assert len(pd.read_parquet(tmp_path/"rows.parquet")) == 19
    s.spec_path.value = str(tmp_path/"spec.yaml"); s.save_spec_button.click()
    assert PromptSpec.load(tmp_path/"spec.yaml") == s.spec
    assert (tmp_path/"bakery.card.md").exists() and (tmp_path/"rows.card.md").exists()
    for p in tmp_path.iterdir(): assert b"sk-this-must-not-leak" not in p.read_bytes()
    s.export(tmp_path/"x.txt", "chat"); assert "x.txt does not end in .jsonl" in s.message.value
    s.export_format.value = "parquet"; assert s.export_path.value.endswith("bakery.parquet")
    s.table.decision.value = ""; s.decide(list(range(20)), "rejected", toggle=False)
    s.export(tmp_path/"none.jsonl"); assert "no curated rows" in s.message.value

def test_export_tab_formats_counts_leaks_eval_set_and_card(tmp_path, monkeypatch, fresh_cache):
    from datasets import load_from_disk
    monkeypatch.setenv("SYNTHNB_TEST_KEY", "sk-this-must-not-leak-either")
    things = ["sourdough", "croissants", "scones", "muffins", "bagels", "brownies", "cookies", "pies", "eclairs", "donuts",
              "pretzels", "macarons", "focaccia", "brioche", "strudel", "cupcakes", "tarts", "baguettes", "rolls", "buns"]
    q = [f"Do you sell {t} on Sundays?" for t in things]
    for i in range(4): q[16 + i] = q[i].replace("?", " please?")    # rows 16-19 nearly repeat rows 0-3
    rows = pd.DataFrame({"question": q, "response": [f"Yes, {t} every Sunday." for t in things], "status": "ok",
                         "topic": np.resize(SPEC.topics, 20), "model": "gpt-4o-mini", "spec_hash": SPEC.hash})
    (tmp_path/"eval.csv").write_text(f"prompt\n{q[8]}\n{q[9]}\n")
    s = Studio(SPEC, df=rows, cache=fresh_cache)
    s.form.endpoint.value = "other server"; s.form.key_env.value = "SYNTHNB_TEST_KEY"
    s.table.pool[5].reject.click()
    assert set(s.export_format.options) == {"chat", "jsonl", "csv", "parquet", "alpaca", "sharegpt", "hf", "dpo", "kto"}
    s.export_path.value = str(tmp_path/"out"/"bakery.jsonl")
    s.export_format.value = "alpaca"; assert s.export_path.value.endswith("bakery.json")
    s.export_format.value = "hf"; assert s.export_path.value == str(tmp_path/"out"/"bakery")
    s.export_format.value = "sharegpt"; assert s.export_path.value.endswith("bakery.jsonl")
    s.export_validation.value, s.export_eval.value = 0.25, str(tmp_path/"eval.csv")
    s.export_button.click()
    assert "synthnb-ok" in s.message.value, s.message.value
    train, val = tmp_path/"out"/"bakery.train.jsonl", tmp_path/"out"/"bakery.validation.jsonl"
    n_train, n_val = (len(p.read_text().splitlines()) for p in (train, val))
    assert n_train + n_val + 2 == 19                             # 20 rows, 1 rejected, 2 close to the eval set
    shown = html.unescape(s.export_result.value)
    assert f"{n_train:,} train rows → <code>{train.resolve()}</code>" in shown and f"{n_val:,} validation rows → <code>{val.resolve()}</code>" in shown
    assert "2 rows close to the evaluation set" in shown and f"{q[8]} ≈ {q[8]}" in shown
    assert "2 rows close to the evaluation set, 2 left out" in s.message.value
    asked = lambda p: {json.loads(l)["conversations"][0]["value"] for l in p.read_text().splitlines()}
    for i in range(4): assert not ({q[i], q[16 + i]} & asked(val) and {q[i], q[16 + i]} & asked(train))   # no pair across the split
    assert "1 near-duplicate leak across the split, 1 validation row moved to train" in s.message.value, s.message.value
    assert n_val == 4 and "1 leak across the split" in shown
    card = (tmp_path/"out"/"bakery.card.md").read_text()
    assert "| rejected | 1 |" in card and "The audit log holds 1 change to 1 row: 1 reject." in card and "`gpt-4o-mini` (20 rows)" in card
    assert f"| exported: train | {n_train} |" in card and "| close to the evaluation set (left out) | 2 |" in card
    s.export_format.value = "hf"
    s.export_button.click()
    ds = load_from_disk(str(tmp_path/"out"/"bakery"))
    assert len(ds["train"]) + len(ds["validation"]) == 17 and (tmp_path/"out"/"bakery"/"README.md").exists()
    assert f"{len(ds['train'])} train + {len(ds['validation'])} validation rows → <code>{(tmp_path/'out'/'bakery').resolve()}</code>" in s.export_result.value
    s.export_eval.value = str(tmp_path/"missing.jsonl"); s.export_button.click()
    assert "synthnb-error" in s.message.value and "no file" in s.message.value and "Traceback" not in s.message.value
    for f in tmp_path.rglob("*"):
        if f.is_file(): assert b"sk-this-must-not-leak-either" not in f.read_bytes(), f

def test_export_refuses_a_chat_file_with_an_emptied_answer(tmp_path, fresh_cache):
    rows = pd.DataFrame({"question": ["Open on Mondays?", "Nut-free cakes?"], "response": ["No.", "Yes."], "status": "ok"})
    s = Studio(SPEC, df=rows, cache=fresh_cache)
    s.edit(1, {"response": "  "})
    tmp_path = tmp_path/"out"; tmp_path.mkdir()
    s.export(tmp_path/"chat.jsonl", "chat", validation=0)
    assert "synthnb-error" in s.message.value and "1 row breaks the chat format, e.g. row 1: the assistant message is empty; fix or reject it" in s.message.value
    assert list(tmp_path.iterdir()) == []
    s.decide([1], "rejected")
    s.export(tmp_path/"chat.jsonl", "chat", validation=0)
    assert "exported 1 row to" in s.message.value and len((tmp_path/"chat.jsonl").read_text().splitlines()) == 1

@pytest.mark.model
def test_try5_on_the_embedded_model(fresh_cache):
    s = Studio(SPEC, cache=fresh_cache)
    s.try5_button.click(); s.wait(600)
    df = s.df
    assert len(df) == 5 and (df["status"] == "ok").sum() >= 1, s.message.value
    assert df["model"].iloc[0] and "done" in s.message.value and s.report is not None
    ok = df[df["status"] == "ok"]
    assert ok["question"].str.len().gt(0).all()
