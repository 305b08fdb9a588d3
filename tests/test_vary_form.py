"""The studio's spec form edits `vary` (issue 16): add and remove attributes, values one a line or comma separated,
optional weights; a bad value is marked where it is typed and named in the spec's one-line words; form -> spec -> form
keeps vary. Driven headless, from Python, as a person would click and type."""
import html
import pytest
from synthnb.spec import PromptSpec, SpecError
from synthnb.spec_form import SpecForm, values_from_text, values_to_text

VARIED = PromptSpec.example("bakery_varied")
BAKERY = PromptSpec.example("bakery")

def shown(form): return html.unescape(form.problems_box.value)
def missing(w): return "synthnb-missing" in w._dom_classes

def test_the_form_shows_the_spec_vary_and_gives_it_back_unchanged():
    form = SpecForm(VARIED)
    assert [(r.name.value, r.values.value) for r in form.vary.rows] == [
        ("persona", "a regular\na tourist\na parent planning a party"), ("tone", "curious: 2\nin a hurry: 1")]
    assert form.read() == (VARIED, []) and "the spec is ready" in shown(form)
    again = SpecForm(form.spec)
    assert again.spec.vary == VARIED.vary and again.spec.hash == VARIED.hash

def test_a_spec_without_vary_has_no_rows_and_stays_without():
    form = SpecForm(BAKERY)
    assert form.vary.rows == [] and form.spec.vary == {} and form.spec.hash == BAKERY.hash

def test_adding_an_attribute_by_typing_reaches_the_spec():
    form = SpecForm(BAKERY)
    form.vary.add_button.click()
    row = form.vary.rows[0]
    assert missing(row.name) and missing(row.values)
    assert "an attribute in vary has no name" in shown(form) and "has no name" in html.unescape(row.note.value)
    row.name.value = "persona"
    assert not missing(row.name) and missing(row.values) and "vary: persona has no values; list at least one" in shown(form)
    row.values.value = "a regular, a tourist"
    assert form.spec.vary == {"persona": ["a regular", "a tourist"]} and row.note.value == "" and not missing(row.values)
    row.values.value = "a regular: 3\na tourist"
    assert form.spec.vary == {"persona": {"a regular": 3, "a tourist": 1}}   # a value without a weight weighs 1

def test_removing_an_attribute_removes_it_from_the_spec():
    form = SpecForm(VARIED)
    form.vary.rows[0].children[-1].click()
    assert list(form.spec.vary) == ["tone"] and len(form.vary.rows) == 1

@pytest.mark.parametrize("values, problem", [
    ("curious: 2, in a hurry: 0", "vary: tone's weights must be numbers above 0"),
    ("curious, curious", "vary: tone lists a value twice"),
    ("curious: 2\ncurious: 1", "vary: tone lists a value twice"),
    ("", "vary: tone has no values; list at least one")])
def test_a_bad_value_is_one_line_under_its_row_and_in_the_problems(values, problem):
    form = SpecForm(VARIED)
    tone = form.vary.rows[1]
    tone.values.value = values
    assert problem in shown(form) and "ready" not in shown(form)
    if problem.startswith("vary: tone's") or "has no values" in problem: assert problem in html.unescape(tone.note.value)
    assert form.vary.rows[0].note.value == ""
    with pytest.raises(SpecError, match=problem.replace("'", ".")): form.spec
    tone.values.value = "curious, in a hurry"
    assert form.read()[1] == [] and tone.note.value == ""

def test_a_name_taken_twice_or_by_a_field_is_a_problem():
    form = SpecForm(VARIED)
    form.vary.rows[1].name.value = "persona"
    assert "vary: persona is named twice" in shown(form)
    form.vary.rows[1].name.value = "response"
    assert "vary: 'response' is also the name of an output field; rename the attribute" in shown(form)
    assert "rename the attribute" in html.unescape(form.vary.rows[1].note.value)

def test_values_text_round_trips():
    for values in (["a regular", "a tourist"], {"curious": 2, "in a hurry": 1}, {"x": 0.5, "y": 1.5}):
        assert values_from_text(values_to_text(values)) == values
    assert values_from_text("a, b\n") == ["a", "b"] and values_from_text("a, b\nc") == ["a, b", "c"]
