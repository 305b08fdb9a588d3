"Downstream evaluation: data sets measured on real questions they never saw, against real HTTP servers on 127.0.0.1 and the real small model."
import json, os, re, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from servers import ScriptedServer, completion
from synthnb.endpoints import Endpoint
from synthnb.downstream import (qa_pairs, data_sets, seen_questions, in_context_answers, score_answers, compare, difference,
                                downstream, save_downstream, wrong_answers, sample_pairs, DownstreamError, NO_DATA, MEASURES)

FIQA = Path(__file__).parent.parent/"nbs/tutorials/data/fiqa_test.jsonl"
KEY = "sk-downstream-secret-0123456789"

def _split(n_test=8, n_train=40, seed=0):
    real = qa_pairs(FIQA)
    order = np.random.default_rng(seed).permutation(len(real))
    return real.iloc[order[:n_test]].reset_index(drop=True), real.iloc[order[100:100 + n_train]].reset_index(drop=True)

BAKERY = pd.DataFrame({"question": ["When do you open on Saturdays?", "Do you make gluten-free bread?", "How much is a croissant?"],
                       "answer": ["We open at 7 am.", "Yes, on Tuesdays.", "A croissant is $3."]})

def _echo(body, i, broken=()):
    "Answers with the first example's answer shown in the prompt (or 'I do not know.'), as one record; `broken`: words that make it answer prose."
    prompt = body["messages"][-1]["content"]
    if any(w in prompt for w in broken): return 200, completion("Sorry, I cannot write JSON today.")
    m = re.search(r"^Answer: (.*)$", prompt, re.M)
    text = m[1] if m else "I do not know."
    schema = (body.get("response_format") or {}).get("json_schema")
    return 200, completion(json.dumps({"records": [{"response": text}]} if schema else [{"response": text}]))

def test_pairs_from_every_kind_of_file(tmp_path):
    rows = pd.DataFrame({"question": ["a?", "b?"], "answer": ["A.", "B."]})
    rows.to_csv(tmp_path/"r.csv", index=False); rows.to_parquet(tmp_path/"r.parquet")
    (tmp_path/"chat.jsonl").write_text("".join(json.dumps({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": q},
                                                                        {"role": "assistant", "content": a}]}) + "\n" for q, a in rows.values))
    for name in ("r.csv", "r.parquet", "chat.jsonl"):
        assert qa_pairs(tmp_path/name).values.tolist() == [["a?", "A."], ["b?", "B."]], name
    rows.rename(columns={"answer": "text"}).to_csv(tmp_path/"odd.csv", index=False)
    with pytest.raises(DownstreamError, match="no answer column .* answer_field="): qa_pairs(tmp_path/"odd.csv")
    assert qa_pairs(tmp_path/"odd.csv", answer_field="text")["answer"].tolist() == ["A.", "B."]
    generated = pd.DataFrame({"question": ["x?", "y?", "z?"], "response": ["X.", "Y.", ""], "status": ["ok", "failed", "ok"], "decision": ["accepted", "", ""]})
    assert qa_pairs(generated).values.tolist() == [["x?", "X."]]   # failed and blank rows teach nothing
    with pytest.raises(DownstreamError, match="no good row"): qa_pairs(generated.assign(decision="rejected"))

def test_seen_questions_are_left_out_for_every_data_set():
    test, train = _split()
    leaky = pd.concat([train, test.iloc[[2]].assign(question=lambda d: d["question"].str.upper() + "  ")], ignore_index=True)
    seen = seen_questions(test, {"leaky": leaky, "bakery": BAKERY})
    assert seen["real_id"].tolist() == [2] and seen["data"].tolist() == ["leaky"]
    with ScriptedServer(_echo) as s:
        r = downstream({"leaky": leaky, "bakery": BAKERY}, test, k=1, endpoint=Endpoint(s.base_url, "scripted", api_key_env="NO_KEY_HERE"), resamples=200, progress=False)
    assert test["question"][2] not in set(r.real["question"]) and len(r.real) == len(test) - 1
    assert set(r.answers["question"]) == set(r.real["question"])   # the same questions for each data set and the baseline
    assert r.settings["left_out"] == 1

def test_in_context_shows_the_nearest_rows_and_keeps_failed_answers():
    test, train = _split()
    twin = train.iloc[:3].assign(question=[f"{q} Please explain." for q in test["question"][:3]], answer=[f"Twin answer {i}." for i in range(3)])
    sets = data_sets({"finance": pd.concat([twin, train], ignore_index=True), "bakery": BAKERY})
    with ScriptedServer(lambda b, i: _echo(b, i, broken=("croissant",))) as s:
        ans = in_context_answers(test, sets, k=2, endpoint=Endpoint(s.base_url, "scripted", api_key_env="NO_KEY_HERE"), progress=False)
        prompts = [b["messages"][-1]["content"] for b in s.requests]
    assert len(ans) == 3 * len(test) and set(ans["data"]) == {NO_DATA, "finance", "bakery"}
    fin = ans[ans["data"] == "finance"].reset_index(drop=True)
    assert fin["answer"][:3].tolist() == [f"Twin answer {i}." for i in range(3)]     # the nearest row by meaning came first
    assert all(len(s) == 2 for s in fin["shots"]) and all(s == [] for s in ans[ans["data"] == NO_DATA]["shots"])
    assert (ans[ans["data"] == NO_DATA]["answer"] == "I do not know.").all()
    assert not any("Answer: " in p for p in prompts if "Here is how" not in p)
    bad = ans[ans["status"] == "failed"]
    assert len(bad) and (bad["data"] == "bakery").all()           # every bakery prompt shows the croissant row, and gets prose
    assert bad["raw"].str.contains("cannot write JSON").all() and bad["reason"].str.len().gt(0).all()
    scored = score_answers(ans)
    assert scored.loc[bad.index, "similarity"].isna().all() and scored.loc[bad.index, "token F1"].isna().all()
    assert scored.loc[ans["status"] == "ok", "similarity"].notna().all()

def test_a_data_set_that_holds_the_answers_ranks_above_one_that_does_not(tmp_path):
    "The echo server answers with the first example: data whose nearest rows carry each question's reference answer must win, with intervals apart."
    test, _ = _split(n_test=30)
    helpful = test.assign(question=[f"Asked again: {q}" for q in test["question"]])   # paraphrased questions, the real answers
    with ScriptedServer(_echo) as s:
        r = downstream({"helpful": helpful, "bakery": BAKERY}, test, k=1, endpoint=Endpoint(s.base_url, "scripted", api_key_env="NO_KEY_HERE"),
                       resamples=500, progress=False)
    rank = r.ranking("similarity")
    assert rank["data"].tolist() == ["helpful", "bakery"] and rank["above the next"].iloc[0]
    assert r.table.set_index(["data", "measure"]).loc[("helpful", "token F1"), "gain_low"] > 0
    d, lo, hi = difference(r.scores(), "helpful", "bakery", "similarity")
    assert lo > 0 and lo <= d <= hi
    ch = r.changed("helpful", "similarity", n=3)
    assert (ch[ch["direction"] == "better"]["change"] > 0).all()
    fake = pd.DataFrame([dict(data=d, question_id=i, question=q, **{"answer loss": 2.0 - shift}) for d, shift in [(NO_DATA, 0), ("helpful", .1), ("bakery", 0)]
                         for i, q in enumerate(r.real["question"])])   # losses stored apart (the tutorial reads the benchmark's)
    both = r.with_losses(fake)
    assert set(both.table["measure"]) == {"similarity", "token F1", "answer loss"} and both.ranking("answer loss")["data"][0] == "helpful"
    with pytest.raises(DownstreamError, match="other real questions"): r.with_losses(fake.assign(question="another?"))
    page = save_downstream(both, tmp_path/"r.html").read_text()
    for m in ("similarity", "token F1", "answer loss"): assert MEASURES[m] in page   # every score says how it was computed
    assert "helpful" in page and "bootstrap" in page

def test_compare_is_paired_and_signed():
    rng = np.random.default_rng(1)
    q = rng.normal(0, 1, 40)   # questions differ a lot; the data's effect is small and steady
    rows = [dict(data=d, question_id=i, similarity=q[i] + shift, **{"answer loss": 2 + q[i] - shift}) for d, shift in [(NO_DATA, 0), ("a", .05), ("b", -.05)] for i in range(40)]
    t = compare(pd.DataFrame(rows), resamples=300).set_index(["data", "measure"])
    assert t.loc[("a", "similarity"), "gain_low"] > 0 > t.loc[("b", "similarity"), "gain_high"]   # paired: the question's spread cancels
    assert t.loc[("a", "answer loss"), "gain"] == pytest.approx(0.05)                              # a lower loss is a positive gain
    assert t.loc[("a", "similarity"), "low"] < t.loc[("b", "similarity"), "high"]                  # unpaired means overlap
    with pytest.raises(DownstreamError, match="between 0 and 1"): compare(pd.DataFrame(rows), level=90)

def test_wrong_answers_never_pair_a_question_with_its_own():
    test, _ = _split(n_test=25)
    for seed in range(5):
        w = wrong_answers(test, seed)
        assert all(a != b for a, b in zip(w, test["answer"])) and sorted(w) == sorted(test["answer"])

def _cli(*args, env=None):
    e = dict(os.environ, SYNTHNB_REPLAY="off", **(env or {}))
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "synthnb"), *map(str, args)], capture_output=True, text=True, env=e, cwd=Path(__file__).parent)

def test_cli_writes_the_report_and_keeps_the_key_out(tmp_path):
    test, train = _split(n_test=6)
    test.to_json(tmp_path/"real.jsonl", orient="records", lines=True)
    train.rename(columns={"answer": "response"}).to_json(tmp_path/"finance.jsonl", orient="records", lines=True)
    BAKERY.to_csv(tmp_path/"bakery.csv", index=False)
    with ScriptedServer(_echo) as s:
        p = _cli("downstream", tmp_path/"finance.jsonl", f"cakes={tmp_path/'bakery.csv'}", "--real", tmp_path/"real.jsonl", "-o", tmp_path/"d.html",
                 "--base-url", s.base_url, "--model", "scripted", "--sample", 6, "--k", 2, env={"OPENAI_API_KEY": KEY})
        assert p.returncode == 0, p.stderr
        assert s.headers and all({k.lower(): v for k, v in h.items()}.get("authorization") == f"Bearer {KEY}" for h in s.headers)
    assert "finance · similarity" in p.stdout and "cakes · token F1" in p.stdout and "wrote" in p.stdout
    assert KEY not in p.stdout + p.stderr + (tmp_path/"d.html").read_text()
    for f in Path(os.environ["SYNTHNB_CACHE_DIR"]).rglob("*") if os.environ.get("SYNTHNB_CACHE_DIR") else []:
        if f.is_file(): assert KEY.encode() not in f.read_bytes(), f

def test_cli_errors_are_one_line(tmp_path):
    BAKERY.to_csv(tmp_path/"bakery.csv", index=False)
    BAKERY.rename(columns={"answer": "text"}).to_csv(tmp_path/"real.csv", index=False)
    cases = [(["downstream", tmp_path/"bakery.csv", "--real", tmp_path/"none.jsonl", "-o", tmp_path/"d.html"], "none.jsonl: no such file"),
             (["downstream", tmp_path/"nope.csv", "--real", tmp_path/"real.csv", "-o", tmp_path/"d.html"], "nope.csv: no such file"),
             (["downstream", tmp_path/"bakery.csv", "--real", tmp_path/"real.csv", "-o", tmp_path/"d.txt"], "name it .html"),
             (["downstream", tmp_path/"bakery.csv", "--real", tmp_path/"real.csv", "-o", tmp_path/"d.html"], "--answer-field"),
             (["downstream", tmp_path/"bakery.csv", "--real", tmp_path/"real.csv", "-o", tmp_path/"d.html", "--answer-field", "text", "--no-in-context"], "drop --no-in-context")]
    for args, says in cases:
        p = _cli(*args)
        assert p.returncode == 2, (args, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("synthnb: error:") and says in lines[0], (args, p.stderr)

@pytest.mark.model
def test_in_context_on_the_embedded_model():
    test, train = _split(n_test=2)
    r = downstream({"finance": train}, test, k=1, resamples=100, progress=False)
    assert len(r.answers) == 4 and set(r.answers["status"]) <= {"ok", "failed"}
    ok = r.answers[r.answers["status"] == "ok"]
    assert ok["answer"].map(lambda a: isinstance(a, str) and a.strip() != "").all()
    assert set(r.table["measure"]) == {"similarity", "token F1"}

@pytest.mark.model
def test_fine_tuned_on_a_tiny_configuration():
    pytest.importorskip("torch")
    test, train = _split(n_test=6, n_train=12)
    r = downstream({"finance": train, "bakery": BAKERY}, test, in_context=False, fine_tuned=True,
                   fine_tune=dict(epochs=2, max_steps=2, batch_size=4, answer_tokens=32), resamples=100, progress=False)
    assert r.training["steps"].tolist() == [2, 2] and (r.training["tokens"] > 0).all()
    assert len(r.losses) == 3 * len(test) and np.isfinite(r.losses["answer loss"]).all() and (r.losses["answer loss"] > 0).all()
    base = r.losses[r.losses["data"] == NO_DATA].set_index("question_id")["answer loss"]
    fin = r.losses[r.losses["data"] == "finance"].set_index("question_id")["answer loss"]
    assert not np.allclose(base, fin)   # two steps of LoRA changed the model
    assert set(r.table["measure"]) == {"in-context loss", "answer loss", "answer match"}
    assert (r.losses["tokens"] <= 32).all()
    ctx = r.losses[r.losses["data"] == "finance"].set_index("question_id")["in-context loss"]
    assert not np.allclose(base, ctx)   # the rows in the prompt changed the loss, without training

def test_facts_and_the_judge_are_scores_of_their_own():
    "The fact sheet's checks and a judge's opinion, each a score of the answer; the judge's said to be an opinion."
    from synthnb.spec import PromptSpec
    spec = PromptSpec.example("bakery")
    real = pd.DataFrame({"question": ["How much is a croissant?", "How much is a sourdough loaf?", "When do you open on Sundays?"],
                         "answer": ["A croissant is $3.", "A sourdough loaf is $6.", "We open at 8am on Sundays."]})
    rows = pd.DataFrame({"question": ["Tell me about your croissants.", "Tell me about your sourdough bread.", "Are you around on Sunday mornings?"],
                         "answer": ["A croissant costs $9.", "A sourdough loaf is $6.", "We open at 8am on Sundays."]})
    def judge(body, i):
        prompt = body["messages"][-1]["content"]
        score = 1 if "$9" in prompt.split("Answer to rate:")[-1] else 5
        rec = {"score": score, "reason": "compared with the reference"}
        return 200, completion(json.dumps({"records": [rec]} if body.get("response_format") else [rec]))
    with ScriptedServer(_echo) as answers, ScriptedServer(judge) as judges:
        r = downstream({"rows": rows}, real, k=1, endpoint=Endpoint(answers.base_url, "scripted", api_key_env="NO_KEY_HERE"), spec=spec,
                       judge=Endpoint(judges.base_url, "judge", api_key_env="NO_KEY_HERE"), resamples=100, progress=False)
        judged = len(judges.requests)
    got = r.answers[r.answers["data"] == "rows"].set_index("question")
    assert got.loc["How much is a croissant?", "answer"] == "A croissant costs $9."
    assert got.loc["How much is a croissant?", "facts"] == 0.0 and got.loc["How much is a sourdough loaf?", "facts"] == 1.0
    assert got.loc["How much is a croissant?", "judge"] == 0.0 and got.loc["How much is a sourdough loaf?", "judge"] == 1.0
    assert judged >= 3 and set(r.table["measure"]) == {"similarity", "token F1", "facts", "judge"}
    assert "opinion" in MEASURES["judge"] and r.settings["judge"]
