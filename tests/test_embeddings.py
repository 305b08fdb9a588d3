"""The embedded sentence-embedding model (synthnb.embeddings) against sentence-transformers' own vectors and tokens for
the same files (tests/data/minilm_reference.npz, written by benchmarks/minilm_reference.py), the cache, and the
embeddings-endpoint path against a real OpenAI-compatible HTTP server on 127.0.0.1."""
import json, pathlib, shutil
import numpy as np
import pytest
from synthnb.embeddings import MiniLM, embed, embedding_files, checked_bytes, EMBEDDING_FILES, EmbeddingError, EmbeddingCache, nearest_rows
from synthnb.endpoints import Endpoint

REF = np.load(pathlib.Path(__file__).parent/"data"/"minilm_reference.npz")
TEXTS, IDS = json.loads(str(REF["texts"])), json.loads(str(REF["ids"]))


@pytest.fixture(scope="module")
def model(): return MiniLM.load()


def test_tokens_are_sentence_transformers(model):
    for text, ids in zip(TEXTS, IDS): assert model.tokenizer(text) == ids, text


def test_vectors_are_sentence_transformers(model):
    v = model.encode(TEXTS, batch_size=7)
    assert v.shape == REF["vectors"].shape
    assert np.abs(v - REF["vectors"]).max() < 2e-6
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)


def test_a_batch_gives_what_one_text_alone_gives(model):
    alone = np.stack([model.encode([t])[0] for t in TEXTS[:6]])
    assert np.abs(alone - model.encode(TEXTS[:6], batch_size=6)).max() < 2e-6


def test_meaning_not_words(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHNB_CACHE_DIR", str(tmp_path))
    v = embed(["Are you hiring at the moment?", "How do I apply for a job with you?", "What time do you close on Friday?"])
    assert v[0] @ v[1] > 0.4 > v[0] @ v[2]


def test_a_changed_byte_is_refused(tmp_path):
    src = embedding_files()["vocab.txt"]; bad = tmp_path/"vocab.txt"
    shutil.copy(src, bad); bad.write_bytes(bad.read_bytes()[:-2] + b"x\n")
    with pytest.raises(EmbeddingError, match="not the official"): checked_bytes(bad, *EMBEDDING_FILES["vocab.txt"])


def test_the_cache_keeps_every_vector_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHNB_CACHE_DIR", str(tmp_path))
    first = embed(["one text", "another text", "one text"])
    assert len(EmbeddingCache(tmp_path/"embeddings.sqlite")) == 2
    assert np.array_equal(first[0], first[2])
    assert np.array_equal(embed(["another text", "one text"]), first[[1, 0]])
    assert embed([]).shape[0] == 0


def test_nearest_rows_in_chunks_is_the_full_argmax(model):
    v = model.encode(TEXTS)
    best, score = nearest_rows(v[:10], v, chunk=3, exclude_self=True)
    s = v[:10] @ v.T; s[np.arange(10), np.arange(10)] = -np.inf
    assert (best == s.argmax(1)).all() and np.allclose(score, s.max(1))


def test_an_embeddings_endpoint(tmp_path, monkeypatch):
    "A real HTTP server on 127.0.0.1 speaking the OpenAI embeddings API: vectors come back normalised, in order, cached apart, without the key."
    from servers import serve_embeddings
    monkeypatch.setenv("SYNTHNB_CACHE_DIR", str(tmp_path)); monkeypatch.setenv("EMB_KEY", "sk-secret-embeddings-key")
    with serve_embeddings() as (url, seen):
        ep = Endpoint(url, "toy-embedder", api_key_env="EMB_KEY")
        v = embed(["alpha", "beta", "alpha"], model=ep)
        assert v.shape == (3, 8) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3)
        assert np.array_equal(v[0], v[2]) and not np.array_equal(v[0], v[1])
        assert seen["inputs"] == [["alpha", "beta"]] and seen["auth"] == ["Bearer sk-secret-embeddings-key"]
        embed(["alpha"], model=ep); assert len(seen["inputs"]) == 1   # from the cache
    assert b"sk-secret" not in (tmp_path/"embeddings.sqlite").read_bytes()


def test_an_endpoint_without_embeddings_is_one_line(tmp_path, monkeypatch):
    from servers import serve_embeddings
    monkeypatch.setenv("SYNTHNB_CACHE_DIR", str(tmp_path))
    with serve_embeddings(status=404) as (url, seen):
        with pytest.raises(EmbeddingError, match="gave no embeddings") as e: embed(["x"], model=Endpoint(url, "none"))
        assert "\n" not in str(e.value)
