"""The studio as a newcomer finds it (issue 15), headless: flags and their reasons from the start and after edits, Stats of
the curated rows beside all rows, the status line and the bar, the plan before Generate, review by keys, the Export
tab's files said before writing. Generation goes through a scripted OpenAI-compatible server on 127.0.0.1; the checks
run the real embedding model. The browser half (focus, JupyterLab's command keys, screenshots) is in test_browser.py."""
import threading, time
import pandas as pd, pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.studio import Studio, export_files
from servers import ScriptedServer, completion, records_answer

SPEC = PromptSpec.example("bakery")

def rows():
    return pd.DataFrame({"question": ["When do you open on Saturdays?", "How much is a croissant?", "Do you sell chocolate croissants?", ""],
                         "response": ["We open at 7am on Saturdays.", "A croissant is $3.", "Yes, chocolate croissants for $2.", ""],
                         "status": ["ok", "ok", "ok", "failed"], "reason": ["", "", "", "the answer stops in the middle of a record"],
                         "raw": ["", "", "", '[{"question": "Do you deliver?", "response": "No, sor'],
                         "topic": ["daily specials", "daily specials", "daily specials", "custom cake orders"]})

def answer(body, i):
    return (200, completion(records_answer(body, lambda k: {"question": f"Seed {body.get('seed')} question {k} about cakes?",
                                                            "response": f"Answer {k}: custom cakes need 48 hours' notice."})))

def test_flags_and_reasons_from_the_start_and_after_an_edit(fresh_cache):
    s = Studio(SPEC, df=rows(), cache=fresh_cache)
    s.session.wait(120)                       # measured as it opens: nobody clicked "measure again"
    notes = {rv.row: rv.notes.value for rv in s.table.pool if rv.row is not None}
    assert "not on the fact sheet" in notes[2] and "chocolate croissants" in notes[2]      # the reason in words, under the row
    assert "<mark>" in s.table.pool[2].cells[1].value                             # the words the check found, marked
    assert notes[0] == "" and notes[1] == ""
    s.edit(1, {"response": "A croissant is $5."})   # now it contradicts the sheet ($3)
    s.session.wait(120)                             # measured again on its own, in the background
    kinds = [x["kind"] for x in s.session.findings().get(1, [])]
    assert kinds == ["wrong_price"], kinds
    assert "wrong price" in s.table.pool[1].notes.value and "the fact" in s.table.pool[1].notes.value and "$3" in s.table.pool[1].notes.value
    s.undo(); s.session.wait(120)
    assert 1 not in s.session.findings()

def test_a_failed_row_shows_its_reason_and_raw_answer():
    s = Studio(SPEC, df=rows(), measure=False)
    rv = s.table.pool[3]
    assert rv.row == 3 and "synthnb-failed-row" in rv._dom_classes
    assert "stops in the middle of a record" in rv.cells[0].value and "Do you deliver?" in rv.cells[1].value

def test_stats_show_the_curated_rows_beside_all_rows(fresh_cache):
    s = Studio(SPEC, df=rows(), cache=fresh_cache)
    s.session.wait(120)
    head = lambda: s.stats_head.value
    assert "<tr><td>rows</td><td>4</td><td>3</td></tr>" in head()        # the failed row is no curated row
    assert "<td>not on the fact sheet</td><td>1</td><td>1</td>" in head()
    s.decide([2], "rejected")                                            # the flagged row leaves the curated rows
    assert "<td>not on the fact sheet</td><td>1</td><td>0</td>" in head() and "<tr><td>rows</td><td>4</td><td>2</td></tr>" in head()
    assert "application/vnd.plotly.v1+json" in s.charts.outputs[0]["data"] and len(s.charts.outputs) == 3
    assert "<details" in s.summary.value                                 # the report's tables, folded below the charts

def test_status_bar_plan_badge_and_version_labels(fresh_cache):
    gate = threading.Event()
    def script(body, i):
        if i > 1: gate.wait(20)
        return answer(body, i)
    with ScriptedServer(script) as srv:
        s = Studio(SPEC, endpoint=Endpoint(srv.base_url, "scripted", timeout=5), n=15, cache=fresh_cache)
        assert "15 records in 3 requests (records per topic: daily specials 5, custom cake orders 5, allergy information 5)" in s.plan.value and "known after a first run" in s.plan.value
        s.tabs.selected_index = 0
        s.generate()
        deadline = time.monotonic() + 30
        while s.session.progress[0] < 5 and time.monotonic() < deadline: time.sleep(0.05)
        time.sleep(1.2)                           # the status line ticks between answers
        assert "5 of 15 records" in s.status.value and "left" in s.status.value, s.status.value
        assert 0 < s.progress.value < s.progress.max
        gate.set(); s.wait(60)
        assert s.status.value.startswith("<small>done: 15 of 15 records") and s.progress.bar_style == "success"
        new = s.session.run.watch.novelty.share()          # the share of new rows, measured as the run went
        assert 0 < new <= 1 and f"15 ok, 0 failed) · {new:.0%} new" in s.status.value, s.status.value
        assert s.progress.value == 15 and s.tabs.titles[1] == "Rows (+15 new)"
        assert "at the pace seen here" in s.plan.value                 # the time, now that this endpoint's pace is known
        s.tabs.selected_index = 1
        assert s.tabs.titles[1] == "Rows"
        assert all("synthnb-new-row" in rv._dom_classes for rv in s.table.pool if rv.row is not None)
        s.form.instruction.value += " Customers write casually."
        s.generate(5); s.wait(60)
    labels = [label for label, _ in s.session.version_options()]
    assert labels[0].startswith("v1: bakery, 15 rows") and labels[1].startswith("v2: 5 rows · changed instruction"), labels

def test_review_keys_walk_the_rows_and_turn_pages():
    df = pd.DataFrame({"question": [f"Question {i}?" for i in range(12)], "response": [f"Answer {i}." for i in range(12)], "status": "ok"})
    s = Studio(SPEC, df=df, measure=False, page_size=5)
    t = s.table
    t.pick(3)
    t.key_box.value = "r"                      # rejects row 3, goes on to row 4
    assert s.df.at[3, "decision"] == "rejected" and t.current == 4
    t.key_box.value = "ja"                     # two keys at once: on to row 5 (the next page), accept it
    assert t.view.page == 1 and s.df.at[5, "decision"] == "accepted" and t.current == 6
    t.key_box.value = "kk"
    assert t.current == 4 and t.view.page == 0
    t.key_box.value = "e"
    assert t.editor.row == 4 and t.editor.layout.display == ""
    t.close_editor()
    t.decision.value = "pending"               # only pending rows shown: a reject takes the row out, the keys go on
    t.pick(0); t.key_box.value = "r"
    assert s.df.at[0, "decision"] == "rejected" and t.current == 1 and 0 not in list(t.shown)
    t.key_box.value = "uu"
    assert (s.df.at[0, "decision"], s.df.at[5, "decision"], s.df.at[3, "decision"]) == ("pending", "pending", "rejected")   # the last two changes taken back
    t.key_box.value = "?"
    assert "no review key" in s.message.value and t.key_box.value == ""

def test_export_says_which_files_it_will_write(tmp_path):
    assert [p.name for p in export_files(tmp_path/"x.jsonl", "chat", 0.1)] == ["x.train.jsonl", "x.validation.jsonl", "x.card.md"]
    assert [p.name for p in export_files(tmp_path/"x.jsonl", "chat", 0)] == ["x.jsonl", "x.card.md"]
    assert [p.name for p in export_files(tmp_path/"x", "hf", 0.1)] == ["x", "README.md"]
    s = Studio(SPEC, df=rows(), measure=False)
    s.export_path.value = str(tmp_path/"out"/"bakery.jsonl")
    assert "90% train, 10% validation" in s.export_files.value and "bakery.train.jsonl" in s.export_files.value
    s.export_validation.value = 0
    assert "bakery.jsonl" in s.export_files.value and "train" not in s.export_files.value
    res = s.export()
    assert sorted(p.name for p in (tmp_path/"out").iterdir()) == ["bakery.card.md", "bakery.jsonl"]   # what it said

def test_generate_while_the_rows_are_measured_goes_after_it(fresh_cache):
    "Generate clicked while the studio measures the rows it opened with: no 'busy' error and no blocked kernel; it starts once the measurement ends."
    with ScriptedServer(answer) as srv:
        s = Studio(SPEC, df=rows(), endpoint=Endpoint(srv.base_url, "scripted", timeout=5), cache=fresh_cache, measure=False)
        with s.session.lock:                                 # the measurement waits for the lock: it surely runs while Generate is clicked
            s.session.measure(quiet=True)
            assert s.session.measuring
            s.form.n.value = 5
            s.generate()
            assert "synthnb-error" not in s.message.value and s.session.run is None, s.message.value
        s.wait(120)
    assert len(s.df) == 9 and s.df["status"].iloc[4:].eq("ok").all() and s.session.report.counts["rows"] == 9

def test_a_repeat_names_the_row_or_example_it_repeats(fresh_cache):
    df = pd.DataFrame({"question": ["What time do you open on Saturdays?", "When do you open on Saturdays?", "When do you open on Saturdays?"],
                       "response": ["We open at 7am on Saturdays and close at 6pm.", "We open at 7am.", "We open at 7am."], "status": "ok"})
    s = Studio(SPEC, df=df, cache=fresh_cache); s.session.wait(120)
    notes = [rv.notes.value for rv in s.table.pool[:3]]
    assert "copies an example" in notes[0] and "example 1: What time do you open on Saturdays?" in notes[0]
    assert "exact duplicate" in notes[2] and "row 1: When do you open on Saturdays?" in notes[2]
