"""The real thing: generate() on the embedded llama.cpp server, and on a separate llama.cpp server process reached only
by its base URL through the openai client."""
import pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate, summary
from synthnb.local import MODEL_NAME
from servers import start_embedded_server

SPEC = PromptSpec(**{**PromptSpec.example("bakery").to_dict(), "records_per_request": 2})

def check_rows(df, spec, n):
    s = summary(df)
    assert s.requested == n == s.ok + s.failed
    assert s.ok >= 1, df[["status", "reason", "raw"]].to_string()
    ok = df[df.status == "ok"]
    for f in spec.output_fields:
        assert ok[f.name].map(type).eq(str).all() and ok[f.name].str.strip().str.len().gt(0).all()
        assert ok[f.name].str.len().le(f.max_length).all() or (ok["mode"] != "json_schema").any()
    assert ok["spec_hash"].eq(spec.hash).all() and ok["model"].str.len().gt(0).all()
    return s

@pytest.mark.model
def test_generate_on_the_embedded_model(fresh_cache):
    df = generate(SPEC, 4, temperature=0.7, seed=11, cache=fresh_cache, progress=False)
    s = check_rows(df, SPEC, 4)
    assert s.cached == 0 and (df["mode"] == "json_schema").all()
    assert (df["model"] == MODEL_NAME).all()  # not llama.cpp's "-"
    assert set(df.topic) <= set(SPEC.topics) and df.topic.nunique() >= 2
    again = generate(SPEC, 4, temperature=0.7, seed=11, cache=fresh_cache, progress=False)
    assert summary(again).cached == summary(again).requests
    assert again["question"].tolist() == df["question"].tolist() and again["cached"].all()

@pytest.mark.model
def test_a_separate_llama_cpp_server_by_base_url(fresh_cache):
    proc, base_url, model = start_embedded_server()
    try:
        ep = Endpoint(base_url, model)
        reply = ep.client().chat.completions.create(model=model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=5)
        assert reply.choices[0].message.content
        csv_spec = PromptSpec(**{**SPEC.to_dict(), "format": "csv", "topics": ["daily specials"]})
        df = generate(csv_spec, 2, endpoint=ep, temperature=0.5, cache=fresh_cache, progress=False)
        check_rows(df, csv_spec, 2)
        assert (df["mode"] == "text").all()  # CSV is asked for in plain text
        plain = Endpoint(base_url, model, structured="off")
        df = generate(SPEC, 2, endpoint=plain, temperature=0.5, seed=3, cache=fresh_cache, progress=False)
        check_rows(df, SPEC, 2)
    finally:
        proc.terminate(); proc.wait(10)
