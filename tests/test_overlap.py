"""Near-duplicates between two sets of texts (synthnb.overlap): reading the user's examples from every kind of source,
exact pair finding checked against comparing every pair, train/validation leaks moved without losing a row, and
contamination by an evaluation set. Pure logic: no model, no network."""
import json
import numpy as np, pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from synthnb.files import DataError
from synthnb.overlap import read_examples, cross_pairs, text_similarity, split_leaks, move_leaks, contamination

CHAT = [{"role": "system", "content": "You are Sunrise Bakery's assistant."},
        {"role": "user", "content": "Do you open on Sundays?"}, {"role": "assistant", "content": "Yes, 8am to 2pm."}]
SHAREGPT = [{"from": "system", "value": "Be brief."}, {"from": "human", "value": "Can I order a cake for Friday?"},
            {"from": "gpt", "value": "Yes, with 48 hours' notice."}]
QUESTIONS = ["Do you open on Sundays?", "Is the rye bread vegan?", "Can I pay by card?"]

# reading ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["jsonl", "json", "csv", "parquet"])
def test_reads_each_file_type_with_other_columns_kept(tmp_path, suffix):
    df, path = pd.DataFrame({"prompt": QUESTIONS, "answer": ["yes", "no", "yes"]}), tmp_path/f"eval.{suffix}"
    {"jsonl": lambda: df.to_json(path, orient="records", lines=True), "json": lambda: df.to_json(path, orient="records"),
     "csv": lambda: df.to_csv(path, index=False), "parquet": lambda: df.to_parquet(path)}[suffix]()
    ev = read_examples(path)
    assert ev["question"].tolist() == QUESTIONS and ev["answer"].tolist() == ["yes", "no", "yes"]
    assert list(ev.index) == [0, 1, 2] and ev.attrs["dropped"] == 0 and ev.attrs["field"] == "prompt"
    assert read_examples(str(path))["question"].tolist() == QUESTIONS  # a str path too

def test_reads_a_json_file_that_holds_json_lines(tmp_path):
    (tmp_path/"eval.json").write_text("".join(json.dumps({"query": q}) + "\n" for q in QUESTIONS))
    assert read_examples(tmp_path/"eval.json")["question"].tolist() == QUESTIONS

def test_reads_a_dataframe_a_list_of_questions_and_a_list_of_records():
    frame = pd.DataFrame({"question": QUESTIONS, "id": [5, 6, 7]}, index=["a", "b", "c"])
    ev = read_examples(frame)
    assert ev["question"].tolist() == QUESTIONS and list(ev.index) == [0, 1, 2] and ev["id"].tolist() == [5, 6, 7]
    assert list(frame.index) == ["a", "b", "c"]  # the caller's frame is untouched
    assert read_examples(QUESTIONS)["question"].tolist() == QUESTIONS
    assert read_examples(pd.Series(QUESTIONS))["question"].tolist() == QUESTIONS
    assert read_examples([{"Instruction": q} for q in QUESTIONS])["question"].tolist() == QUESTIONS

@pytest.mark.parametrize("columns, chosen", [
    (["text", "question"], "question"), (["text", "prompt"], "prompt"), (["user", "input"], "input"),
    (["input", "instruction"], "instruction"), (["user", "text"], "text"), (["messages", "user"], "user")])
def test_guesses_the_question_column_in_the_documented_order(columns, chosen):
    df = pd.DataFrame({c: [f"{c} {q}" for q in QUESTIONS] for c in columns})
    ev = read_examples(df)
    assert ev["question"].tolist() == [f"{chosen} {q}" for q in QUESTIONS] and ev.attrs["field"] == chosen

def test_field_picks_the_column_and_an_existing_question_column_is_kept():
    df = pd.DataFrame({"question": ["ignored"] * 3, "rewritten": QUESTIONS})
    ev = read_examples(df, field="rewritten")
    assert ev["question"].tolist() == QUESTIONS and ev["original_question"].tolist() == ["ignored"] * 3
    assert "rewritten" not in ev.columns

def test_chat_messages_give_the_first_user_message(tmp_path):
    df = pd.DataFrame({"messages": [CHAT, [{"role": "user", "content": [{"type": "text", "text": "Vegan cakes?"}]}]]})
    df.to_json(tmp_path/"chat.jsonl", orient="records", lines=True)
    pd.DataFrame({"messages": [CHAT, [{"role": "user", "content": "Vegan cakes?"}]]}).to_parquet(tmp_path/"chat.parquet")
    df.assign(messages=df["messages"].map(json.dumps)).to_csv(tmp_path/"chat.csv", index=False)
    for source in (df, tmp_path/"chat.jsonl", tmp_path/"chat.parquet", tmp_path/"chat.csv"):
        ev = read_examples(source)
        assert ev["question"].tolist() == ["Do you open on Sundays?", "Vegan cakes?"], source
        assert "messages" in ev.columns  # the answers stay with the question

def test_sharegpt_conversations_give_the_first_human_turn(tmp_path):
    df = pd.DataFrame({"conversations": [SHAREGPT], "source": ["sharegpt"]})
    df.to_json(tmp_path/"sg.jsonl", orient="records", lines=True)
    for source in (df, tmp_path/"sg.jsonl"):
        assert read_examples(source)["question"].tolist() == ["Can I order a cake for Friday?"]

def test_rows_without_a_question_are_counted_not_lost():
    chats = [CHAT, [{"role": "assistant", "content": "hi"}], None, CHAT]
    ev = read_examples(pd.DataFrame({"messages": chats}))
    assert ev.attrs["dropped"] == 2 and list(ev.index) == [0, 3]  # the index is the row's place in the source
    ev = read_examples(["Open?", "", "   ", None, float("nan"), "Closed?"])
    assert ev["question"].tolist() == ["Open?", "Closed?"] and ev.attrs["dropped"] == 4 and list(ev.index) == [0, 5]

def _error(source, **kw) -> str:
    with pytest.raises(DataError) as e: read_examples(source, **kw)
    msg = str(e.value)
    assert "\n" not in msg and "Traceback" not in msg and len(msg) < 300, msg
    return msg

def test_error_messages_are_one_actionable_line(tmp_path):
    assert _error(tmp_path/"nope.jsonl") == f"no file {tmp_path/'nope.jsonl'}"
    (tmp_path/"bad.jsonl").write_text('{"question": "a"}\n\n{"question": "b"}\n{"question": "c\n')
    assert "is not valid JSON at line 4" in _error(tmp_path/"bad.jsonl")
    (tmp_path/"bad.json").write_text('[\n {"question": "a"},\n {"question": }\n]')
    assert "is not valid JSON at line 3" in _error(tmp_path/"bad.json")
    (tmp_path/"empty.jsonl").write_text("")
    assert "is empty" in _error(tmp_path/"empty.jsonl")
    (tmp_path/"empty.csv").write_text("")
    assert "is empty" in _error(tmp_path/"empty.csv")
    (tmp_path/"header.csv").write_text("question,answer\n")
    assert "is empty" in _error(tmp_path/"header.csv")
    (tmp_path/"eval.txt").write_text("Open?")
    assert "unknown file type" in _error(tmp_path/"eval.txt")
    assert _error(pd.DataFrame({"a": [1], "b": [2]})) == \
        "the DataFrame has no question column (columns: a, b): pass field= the column with the questions"
    assert "has no column 'prompt' (columns: question): pass field=" in _error(QUESTIONS, field="prompt")
    assert "the list is empty" in _error([])
    assert "has no questions: all 2 rows" in _error(["", None])
    assert "cannot read examples from a int" in _error(3)

# what near-duplicate means, and cross_pairs -------------------------------------------------------------------------

def _pairs(df): return set(map(tuple, df[["left", "right"]].values.tolist()))

def test_identical_after_normalising_is_similarity_one():
    left = ["Can I order a birthday cake for Friday?", "Hi", "gluten free", "Open late?"]
    right = ["  can i ORDER a birthday-cake, for friday!!", "hi!", "Gluten-Free.", "Open  LATE"]
    p = cross_pairs(left, right, threshold=1.0)
    assert _pairs(p) == {(0, 0), (1, 1), (2, 2), (3, 3)} and (p["similarity"] == 1.0).all()

def test_short_texts_match_only_when_identical():
    p = cross_pairs(["Hi", "Thanks", "Open today?"], ["hi", "thanks a lot", "open today", "Closed today?"])
    assert _pairs(p) == {(0, 0), (2, 2)}

def test_reworded_near_duplicates_are_found_and_unrelated_texts_are_not():
    train = ["Can I order a birthday cake for this Friday afternoon?", "Do you sell gluten-free bread?",
             "What time does the bakery open on Saturday mornings?", "Are your croissants made with real butter?"]
    val = ["How much is a loaf of sourdough?", "Can I order a birthday cake for Friday afternoon?",
           "What time does the bakery open on Saturday mornings please?", "Where do you park?"]
    p = cross_pairs(train, val)
    assert _pairs(p) == {(0, 1), (2, 2)}
    assert p["similarity"].between(0.8, 1.0).all() and p["similarity"].is_monotonic_decreasing
    assert p["similarity"].tolist() == [text_similarity(train[i], val[j]) for i, j in zip(p["left"], p["right"])]

def test_threshold_is_respected():
    a, b = "one two three four five", "one two three four six"  # 4 shared of 6 words
    assert len(cross_pairs([a], [b], 0.66)) == 1 and len(cross_pairs([a], [b], 2/3)) == 1 and len(cross_pairs([a], [b], 0.67)) == 0
    with pytest.raises(ValueError, match="must be above 0"): cross_pairs([a], [b], 0)
    with pytest.raises(ValueError, match="at most 1"): cross_pairs([a], [b], 1.2)

def test_every_pair_of_duplicates_is_listed():
    p = cross_pairs(["Open?", "open", "OPEN!", "closed"], ["open", "Open..."])
    assert _pairs(p) == {(i, j) for i in range(3) for j in range(2)}
    assert list(p.columns) == ["left", "right", "similarity"] and p["left"].dtype.kind == "i"

def test_empty_inputs_give_an_empty_frame():
    for left, right in [([], []), ([], ["a"]), (["a"], []), (["", None, float("nan")], ["", "?!"])]:
        p = cross_pairs(left, right)
        assert len(p) == 0 and list(p.columns) == ["left", "right", "similarity"]

def test_ngram_three_compares_word_trigrams():
    a, b = "Can I order a birthday cake for Friday?", "Can I order a birthday cake for this Friday?"
    assert len(cross_pairs([a], [b])) == 1 and len(cross_pairs([a], [b], ngram=3)) == 0
    assert cross_pairs([a], [b], 0.6, ngram=3)["similarity"].tolist() == [text_similarity(a, b, 3)]

WORDS = ["cake", "bread", "open", "sunday", "vegan", "price", "card", "Cake", "bread!"]
texts = st.lists(st.lists(st.sampled_from(WORDS), max_size=7).map(" ".join), max_size=25)

@settings(max_examples=150, deadline=None)
@given(left=texts, right=texts, threshold=st.sampled_from([0.2, 0.5, 0.6, 2/3, 0.7, 0.75, 0.8, 0.9, 1.0]),
       ngram=st.sampled_from([1, 1, 2]), chunk=st.sampled_from([1, 3, 20_000]))
def test_cross_pairs_finds_exactly_the_pairs_a_full_comparison_finds(left, right, threshold, ngram, chunk):
    want = {(i, j): text_similarity(a, b, ngram) for i, a in enumerate(left) for j, b in enumerate(right)}
    p = cross_pairs(left, right, threshold, ngram=ngram, chunk=chunk)
    assert _pairs(p) == {k for k, s in want.items() if s >= threshold}
    assert all(abs(s - want[(i, j)]) < 1e-12 for i, j, s in p[["left", "right", "similarity"]].itertuples(index=False))

# leaks between train and validation --------------------------------------------------------------------------------

def _split():
    train = pd.DataFrame({"question": ["Can I order a birthday cake for Friday?", "Do you sell gluten-free bread?",
                                       "What time do you open on Saturdays?", "Hi"], "response": ["r"] * 4})
    val = pd.DataFrame({"question": ["can i order a BIRTHDAY cake for friday", "How much is a cinnamon roll?", "hi!",
                                     "What time do you open on Saturdays please?", "Where can I park?"],
                        "response": ["v"] * 5}, index=[10, 11, 12, 13, 14])
    return train, val

def test_split_leaks_lists_leaking_validation_rows_by_label():
    train, val = _split()
    leaks = split_leaks(train, val)
    assert list(leaks.columns) == ["train_row", "validation_row", "similarity", "train_text", "validation_text"]
    assert set(zip(leaks["train_row"], leaks["validation_row"])) == {(0, 10), (3, 12), (2, 13)}
    for r in leaks.itertuples():
        assert r.train_text == train.loc[r.train_row, "question"] and r.validation_text == val.loc[r.validation_row, "question"]
    assert leaks["similarity"].is_monotonic_decreasing
    assert len(split_leaks(train, val, threshold=1.0)) == 2

def test_move_leaks_keeps_every_row_and_leaves_no_leak():
    train, val = _split()
    new_train, new_val = move_leaks(train, val, split_leaks(train, val))
    assert len(new_train) + len(new_val) == len(train) + len(val)
    assert sorted(new_val.index) == [11, 14] and list(new_train.index) == [0, 1, 2, 3, 10, 12, 13]
    assert new_train.loc[10, "response"] == "v"  # a moved row keeps its columns
    assert len(split_leaks(new_train, new_val)) == 0

def test_move_leaks_follows_chains_inside_validation():
    train = pd.DataFrame({"question": ["open on sunday morning at eight"]})
    val = pd.DataFrame({"question": ["open on sunday morning at eight please", "open on sunday morning at eight please thanks",
                                     "open on sunday morning at eight please thanks a lot", "vegan cakes"]})
    leaks = split_leaks(train, val)
    assert leaks["validation_row"].tolist() == [0]  # only the first is near train
    new_train, new_val = move_leaks(train, val, leaks)
    assert new_val["question"].tolist() == ["vegan cakes"] and len(split_leaks(new_train, new_val)) == 0

def test_move_leaks_with_no_leaks_or_leaks_read_back_from_a_file():
    train, val = _split()
    t, v = move_leaks(train, val, split_leaks(train.iloc[:0], val))
    assert t.equals(train) and v.equals(val)
    leaks = pd.DataFrame(split_leaks(train, val).to_dict("records"))  # no attrs: the defaults apply
    t, v = move_leaks(train, val, leaks)
    assert sorted(v.index) == [11, 14]

def test_split_leaks_says_which_column_is_missing():
    train, val = _split()
    with pytest.raises(DataError, match="validation has no column 'prompt'"): split_leaks(train.rename(columns={"question": "prompt"}), val, field="prompt")
    with pytest.raises(DataError, match="train has no column 'question'"): split_leaks(train.rename(columns={"question": "q"}), val)

@settings(max_examples=100, deadline=None)
@given(train=texts, val=texts, threshold=st.sampled_from([0.5, 0.7, 0.8, 1.0]), seed=st.integers(0, 100))
def test_move_leaks_never_loses_a_row_and_never_leaves_a_leak(train, val, threshold, seed):
    labels = np.random.default_rng(seed).permutation(1000)[:len(val)]
    tr, va = pd.DataFrame({"question": train}), pd.DataFrame({"question": val, "n": range(len(val))}, index=labels)
    leaks = split_leaks(tr, va, threshold=threshold)
    new_tr, new_va = move_leaks(tr, va, leaks)
    assert len(new_tr) + len(new_va) == len(tr) + len(va)
    assert sorted(new_va["n"].tolist() + new_tr.get("n", pd.Series(dtype=float)).dropna().astype(int).tolist()) == list(range(len(val)))
    assert set(leaks["validation_row"]).isdisjoint(new_va.index)
    assert len(split_leaks(new_tr, new_va, threshold=threshold)) == 0
    assert new_tr.iloc[:len(tr)][tr.columns].equals(tr)  # train rows stay, in order, first

# contamination -------------------------------------------------------------------------------------------------------

def test_contamination_finds_planted_eval_questions_in_a_generated_set(tmp_path):
    rng = np.random.default_rng(0)
    vocab = [f"word{i}" for i in range(3000)]
    generated = [" ".join(rng.choice(vocab, rng.integers(6, 15))) + "?" for _ in range(2000)]
    eval_qs = [" ".join(rng.choice(vocab, rng.integers(8, 15))) + "?" for _ in range(300)]
    planted = {int(r): int(e) for r, e in zip(rng.choice(2000, 40, replace=False), rng.choice(300, 40, replace=False))}
    for r, e in planted.items():  # copied, shouted, with one word more
        generated[r] = eval_qs[e].upper().replace("?", " please?")
    df = pd.DataFrame({"question": generated, "response": "r"}, index=range(5000, 7000))
    pd.DataFrame({"messages": [[{"role": "user", "content": q}] for q in eval_qs]}).to_json(tmp_path/"eval.jsonl", orient="records", lines=True)
    found = contamination(df, tmp_path/"eval.jsonl")
    assert list(found.columns) == ["row", "eval_row", "similarity", "text", "eval_text"]
    assert set(zip(found["row"], found["eval_row"])) == {(5000 + r, e) for r, e in planted.items()}
    assert (found["eval_text"] == [eval_qs[e] for e in found["eval_row"]]).all()
    assert (found["text"] == df.loc[found["row"], "question"].to_numpy()).all()

def test_contamination_eval_row_is_the_position_in_the_eval_set():
    df = pd.DataFrame({"question": ["Can I pay by card?", "Is the rye bread vegan?"]})
    found = contamination(df, ["", "Is the rye bread vegan?", None, "can i pay by CARD"])
    assert set(zip(found["row"], found["eval_row"])) == {(0, 3), (1, 1)}
    assert found.attrs["eval_dropped"] == 2

def test_contamination_with_other_columns_and_nothing_to_find():
    df = pd.DataFrame({"prompt": QUESTIONS})
    ev = pd.DataFrame({"q": ["Do you open on Sundays?"], "query": ["unrelated"]})
    assert contamination(df, ev, field="prompt", eval_field="q")["row"].tolist() == [0]
    assert len(contamination(df, ev, field="prompt")) == 0
    with pytest.raises(DataError, match="df has no column 'question'"): contamination(df, ev)
