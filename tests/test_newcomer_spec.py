"""What a newcomer meets first (issue 15): an example with an empty answer is a problem named where it is typed, and
never reaches the model; the audit log shows what an edit changed, not two identical prefixes."""
import html
import pytest
from synthnb.spec import PromptSpec, SpecError, Field
from synthnb.endpoints import Endpoint
from synthnb.generate import generate
from synthnb.spec_form import SpecForm, ExamplesGrid
from synthnb.curation import Change, Curation, changed_part
import pandas as pd
from servers import ScriptedServer, completion, records_answer

BAKERY = PromptSpec.example("bakery")
QA = [{"question": "Open on Mondays?", "response": "No, we are closed on Mondays."},
      {"question": "Do you sell gluten-free bread?", "response": "Yes, every day from 7am."}]

def spec_with(examples): return PromptSpec("Questions a bakery's customers ask, with the answers.", examples, name="qa")

@pytest.mark.parametrize("empty", ["", "   ", "\n\t", None])
def test_an_empty_answer_in_an_example_is_named_with_its_number_and_field(empty):
    spec = spec_with([QA[0], {**QA[1], "response": empty}])
    assert spec.problems() == ["example 2: `response` is empty; write it or delete the example"]
    with pytest.raises(SpecError, match="example 2: `response` is empty; write it or delete the example"): spec.validate()

def test_a_blank_example_row_is_a_problem_and_a_full_one_is_not():
    assert spec_with(QA).problems() == []
    with pytest.raises(SpecError, match="example 3 is blank; fill it in or delete it"):
        spec_with([*QA, {"question": " ", "response": ""}]).validate()
    with pytest.raises(SpecError, match="example 1 is blank"):
        PromptSpec("x", [{}, QA[0]], fields=[Field("question"), Field("response")]).validate()
    # zero and false are values, not blanks
    assert PromptSpec("Rate it.", [{"review": "Good.", "stars": 0, "vegan": False}]).problems() == []

def test_the_message_is_one_line_and_names_every_empty_field():
    spec = spec_with([{**QA[0], "topic": "hours"}, {"question": "", "response": "", "topic": "hours"}])
    (p,) = spec.problems()
    assert p == "example 2: `question`, `response` are empty; write them or delete the example" and "\n" not in p

def test_generation_never_sends_an_empty_example(fresh_cache):
    with ScriptedServer(lambda body, i: (200, completion(records_answer(body, lambda k: QA[0])))) as srv:
        with pytest.raises(SpecError, match="example 2: `response` is empty"):
            generate(spec_with([QA[0], {**QA[1], "response": " "}]), n=5, endpoint=Endpoint(srv.base_url, "scripted", timeout=5),
                     cache=fresh_cache, progress=False)
        assert srv.requests == []
        df = generate(spec_with(QA), n=5, endpoint=Endpoint(srv.base_url, "scripted", timeout=5), cache=fresh_cache, progress=False)
        assert len(srv.requests) == 1 and (df["status"] == "ok").all()

def marked(grid):
    return [[k for k, a in r.areas.items() if "synthnb-missing" in a._dom_classes] for r in grid.rows]

def test_the_form_marks_the_empty_cell_and_says_what_to_do_under_its_row():
    form = SpecForm(BAKERY)
    assert "the spec is ready" in form.problems_box.value and marked(form.examples) == [[], []]
    cell = form.examples.rows[1].areas["response"]
    cell.value = "  "
    assert marked(form.examples) == [[], ["response"]]
    note = html.unescape(form.examples.rows[1].note.value)
    assert "example 2: `response` is empty; write it or delete the example" in note and form.examples.rows[0].note.value == ""
    assert form.examples.rows[1].note in form.examples.children   # the message sits by the row, not only in the status line
    shown = html.unescape(form.problems_box.value)
    assert "example 2: `response` is empty" in shown and "ready" not in shown
    with pytest.raises(SpecError, match="example 2: `response` is empty"): form.spec
    cell.value = "Yes, 8am to 1pm."
    assert marked(form.examples) == [[], []] and form.examples.rows[1].note.value == "" and "ready" in form.problems_box.value

def test_a_new_blank_row_is_marked_and_renumbered_when_a_row_above_goes():
    form = SpecForm(BAKERY)
    form.examples.add_button.click()
    assert marked(form.examples)[2] == ["question", "response"]
    assert "example 3 is blank; fill it in or delete it" in html.unescape(form.problems_box.value)
    form.examples.rows[0].children[-1].click()   # remove the first example: the blank one is now example 2
    assert "example 2 is blank" in html.unescape(form.examples.rows[1].note.value)
    assert "example 2 is blank" in html.unescape(form.problems_box.value)
    form.examples.rows[1].children[-1].click()
    assert form.read()[1] == [] and marked(form.examples) == [[]]

def test_an_empty_number_cell_is_empty_not_a_type_error():
    spec = PromptSpec("Rate the bakery.", examples=[{"review": "Lovely bread.", "stars": 5}], name="reviews")
    form = SpecForm(spec)
    form.examples.rows[0].areas["stars"].value = " "
    shown = html.unescape(form.problems_box.value)
    assert "example 1: `stars` is empty; write it or delete the example" in shown and "not a whole number" not in shown
    assert marked(form.examples) == [["stars"]]

def test_the_grid_alone_marks_cells_as_it_is_built():
    g = ExamplesGrid([Field("question"), Field("response")], [QA[0], {"question": "Vegan cakes?", "response": ""}])
    assert marked(g) == [[], ["response"]]

# The audit log

BEFORE = "Thanks for asking! On weekdays we light the oven at 8 am, and the first loaves are out by half past."
AFTER = BEFORE.replace("8 am", "7 am")

def test_an_edit_of_a_long_text_shows_the_words_that_changed():
    line = str(Change("edit", [4], "response", [BEFORE], [AFTER]))
    assert "'…the oven at 8 am, and the…' → '…the oven at 7 am, and the…'" in line, line
    assert "\n" not in line and len(line) < 120

def test_the_old_log_would_have_shown_the_same_text_twice():
    # both 40-character prefixes are the same: the change is past them
    assert BEFORE[:40] == AFTER[:40]
    b, a = changed_part(BEFORE, AFTER)
    assert b != a and "8 am" in b and "7 am" in a

def test_short_values_are_shown_whole_and_an_added_sentence_is_seen():
    assert changed_part("", "We open at 7am.") == ("", "We open at 7am.")
    assert changed_part(None, "x") == ("", "x")
    b, a = changed_part(BEFORE, BEFORE + " Call 555-1234 to order.")
    assert b.endswith("half past.") and a.endswith("Call 555-1234 to order.") and b.startswith("…")

def test_a_long_rewrite_shows_both_ends_and_stays_short():
    b, a = changed_part(BEFORE, "We are closed on Mondays. " * 8)
    assert " … " in a and len(a) < 60 and len(b) < 60

def test_the_log_table_shows_the_changed_part_too():
    cur = Curation(pd.DataFrame({"question": ["When do you open?"], "response": [BEFORE], "status": ["ok"]}), fields=["question", "response"])
    cur.edit(0, "response", AFTER)
    row = cur.log_frame().iloc[0]
    assert "8 am" in row["before"] and "7 am" in row["after"]
    assert "7 am" in str(cur.log[-1])
