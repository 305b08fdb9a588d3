"""The prompt's order, on the real embedded model (llama.cpp through the openai client): what the requests of a run
share comes first, so the server reads only the varying last line of later requests again; its answers say how many
prompt tokens it kept (`cached_prompt_tokens`)."""
import pytest
from synthnb.spec import PromptSpec
from synthnb.endpoints import Endpoint
from synthnb.generate import generate
from servers import start_embedded_server

pytestmark = pytest.mark.model

def test_later_requests_of_a_run_read_at_most_a_quarter_of_the_prompt_again(tmp_path):
    spec = PromptSpec(**{**PromptSpec.example("bakery").to_dict(), "records_per_request": 1,
                         "vary": {"persona": ["a regular", "a tourist"]}})
    proc, base_url, model = start_embedded_server(threads=2)   # one slot: every request after the first finds its prompt
    try:
        ep = Endpoint(base_url, model, concurrency=1, timeout=300)
        df = generate(spec, 4, endpoint=ep, cache=False, progress=False, top_up=0)
    finally: proc.kill(); proc.wait()
    per = df.drop_duplicates("request_id").sort_values("request_id")
    assert len(per) == 4 and per.topic.nunique() == 3 and per.persona.nunique() == 2   # the last line differs each time
    first, later = per.iloc[0], per.iloc[1:]
    assert first.cached_prompt_tokens < 0.25 * first.prompt_tokens                     # the first reads its prompt
    read_again = later.prompt_tokens - later.cached_prompt_tokens
    assert (read_again <= 0.25 * first.prompt_tokens).all(), read_again.tolist()
    print(f"\nfirst request: {first.prompt_tokens} prompt tokens; later ones read again {read_again.tolist()}")
