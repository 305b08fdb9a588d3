"""The spec form keeps `turns` and conversation examples (headless: the widgets driven from Python)."""
from synthnb.spec import PromptSpec
from synthnb.spec_form import SpecForm

def test_a_conversation_spec_round_trips_through_the_form():
    spec = PromptSpec.example("bakery_conversations")
    form = SpecForm(spec)
    assert form.spec == spec and form.spec.hash == spec.hash
    assert form.examples.layout.display == "none" and form.conversations.layout.display == ""   # YAML, not the grid

def test_raising_turns_starts_the_conversations_from_the_grid_and_says_what_to_write():
    form = SpecForm(PromptSpec.example("bakery"))
    form.turns.value = 3
    spec, problems = form.read()
    assert spec.turns == 3 and "conversation:" in form.conversations.value
    assert problems == [f"example {i} has 1 turn where turns is 3; write 3 or change turns" for i in (1, 2)]
    form.turns.value = 1                                                # back: the grid holds each conversation's first turn
    assert form.read() == (PromptSpec.example("bakery"), [])

def test_broken_conversation_yaml_is_one_line():
    form = SpecForm(PromptSpec.example("bakery_conversations"))
    form.conversations.value = "- conversation: [unclosed"
    spec, problems = form.read()
    assert spec is None and problems == ["the conversation examples are not valid YAML (line 1): expected ',' or ']', but got '<stream end>'"]
    assert "not valid YAML" in form.problems_box.value

def test_the_table_refuses_to_edit_a_conversation_rather_than_lose_the_edit():
    import pandas as pd, pytest
    from synthnb.curation import Curation, CurationError
    conv = [{"question": "Open Mondays?", "response": "No."}, {"question": "Tuesdays?", "response": "Yes, from 7am."}]
    cur = Curation(pd.DataFrame([{"question": "Open Mondays?", "response": "No.", "conversation": conv, "status": "ok"}]))
    with pytest.raises(CurationError, match="row 0 is a conversation of 2 turns"): cur.edit(0, "response", "We are closed on Mondays.")
    assert cur.df.at[0, "response"] == "No." and cur.log == []
