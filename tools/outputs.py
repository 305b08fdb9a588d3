"""The notebooks are committed with their outputs, so a reader sees what each call returns. This script decides once
what an output may hold, stores fresh outputs, and fails when the stored ones are stale or missing.

  python tools/outputs.py save    run every notebook (replaying the model's recorded answers) and store the outputs
  python tools/outputs.py check   run them again and fail if any stored output differs (CI), or the model was started
  python tools/outputs.py stats   how many code cells carry a stored output, per notebook

Kept: text, tables, small HTML and small images. Dropped: stderr (progress bars), widget state, plotly's JSON and
inline plotly.js (a chart shows as one line naming it), and anything over MAX_BYTES. Compared after masking what
changes from run to run by nature (durations, temporary paths, ports, dates, object addresses)."""
import json, os, re, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/"nbs"
BIN = Path(sys.executable).parent
MAX_BYTES = 20_000
DROP_MIME = {"application/vnd.jupyter.widget-view+json", "application/vnd.plotly.v1+json", "application/javascript",
             "application/vnd.jupyter.widget-state+json"}

def notebooks() -> list:
    return sorted(p for p in NBS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and not p.name.startswith("_"))

def _plotly_line(data) -> str:
    fig = data.get("application/vnd.plotly.v1+json") or {}
    title = ((fig.get("layout") or {}).get("title") or {})
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    kinds = sorted({t.get("type", "scatter") for t in fig.get("data", [])})
    return f"[plotly chart{': ' + re.sub('<[^>]+>', ' ', title).strip() if title else ''} ({', '.join(kinds) or 'empty'})]"

def strip_output(o:dict) -> dict|None:
    "The output as it is stored, or None to drop it."
    if o.get("output_type") == "stream": return None if o.get("name") == "stderr" else o
    if o.get("output_type") == "error": return o
    data = o.get("data", {})
    if "application/vnd.plotly.v1+json" in data:
        return dict(o, data={"text/plain": [_plotly_line(data)]}, metadata={})
    data = {k: v for k, v in data.items() if k not in DROP_MIME}
    if "text/html" in data and ("plotly" in "".join(data["text/html"]) or len("".join(data["text/html"])) > MAX_BYTES):
        data.pop("text/html")
    for k in [k for k in data if k.startswith("image/")]:
        if len(data[k]) > MAX_BYTES*4: data.pop(k)
    if "text/plain" in data and len("".join(data["text/plain"])) > MAX_BYTES:
        data["text/plain"] = ["".join(data["text/plain"])[:2000] + "\n… (cut: the whole output is longer)"]
    if not data: return None
    return dict(o, data=data, metadata={k: v for k, v in o.get("metadata", {}).items() if k in data})

def strip_nb(path:Path) -> bool:
    "Apply the policy to a notebook in place; True if it changed."
    raw = path.read_text(); nb = json.loads(raw)
    for c in nb["cells"]:
        if c["cell_type"] != "code": continue
        c["outputs"] = [s for o in c.get("outputs", []) if (s := strip_output(o)) is not None]
        for o in c["outputs"]:
            if "execution_count" in o: o["execution_count"] = None
        c["execution_count"] = None
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if new != raw: path.write_text(new)
    return new != raw

MASKS = [(r"(?<![\w:/.~])(/[^\s'\"<>)\],:/]+)+/?", lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1]), (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
         (r"\b0x[0-9a-f]{6,}\b", "<addr>"), (r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?", "<date>"),
         (r"\b\d+(\.\d+)? ?(s|ms|secs?|seconds|minutes?|min)\b", "<time>"), (r"\b\d+(\.\d+)? ?(ok )?(records|rec|requests|rows|tokens)/s\b", "<rate>"),
         (r"llama-server-\d+", "llama-server-<pid>"), (r"\b\d{2}:\d{2}:\d{2}(\.\d+)?\b", "<clock>"),
         (r"\b(seconds|secs|elapsed|took)=[\d.]+", r"\1=<time>"), (r"pid[=: ]+\d+", "pid <pid>")]

def masked(s:str) -> str:
    for pat, rep in MASKS: s = re.sub(pat, rep, s)   # an absolute path keeps its last part only: clones and temp folders differ
    return s

def _output_text(o:dict) -> str:
    if o.get("output_type") == "stream": return "".join(o.get("text", []))
    if o.get("output_type") == "error": return f"{o.get('ename')}: {o.get('evalue')}"
    data = o.get("data", {})
    return "".join(data.get("text/plain", [])) or "".join(data.get("text/html", [])) or ",".join(sorted(data))

def signature(path:Path) -> dict:
    "Each code cell's outputs, masked, by cell id."
    nb = json.loads(path.read_text())
    return {c.get("id", str(i)): masked("\n".join(_output_text(o) for o in c.get("outputs", [])))
            for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"}

def run_notebooks(cache_dir:str, extra=()) -> int:
    "nbdev-test with --save over every notebook, replaying the recording; the return code."
    env = dict(os.environ, SYNTHNB_CACHE_DIR=cache_dir, PYTHONHASHSEED="0")
    env.pop("SYNTHNB_BASE_URL", None)
    return subprocess.run([str(BIN/"nbdev-test"), "--n-workers", "2", "--save", *extra], cwd=NBS, env=env).returncode

def _tidy():
    for p in notebooks(): strip_nb(p)
    subprocess.run([str(BIN/"nbdev-clean")], cwd=ROOT, check=True)

def model_started(cache_dir:str) -> list:
    "Signs that the embedded model was started: server logs or an assembled model in the cache."
    d = Path(cache_dir)
    return sorted(str(p) for p in [*d.glob("logs/llama-server-*"), *d.glob("models/*.gguf")])

def save() -> int:
    with tempfile.TemporaryDirectory() as cache:
        rc = run_notebooks(cache)
    _tidy()
    return rc

def check() -> int:
    paths = notebooks()
    before = {p: p.read_bytes() for p in paths}
    sig_before = {p: signature(p) for p in paths}
    t0 = time.time()
    with tempfile.TemporaryDirectory() as cache:
        rc = run_notebooks(cache)
        started = model_started(cache)
    _tidy()
    print(f"notebooks ran in {time.time() - t0:.0f} s")
    stale = []
    for p in paths:
        new = signature(p)
        for cid, out in new.items():
            old = sig_before[p].get(cid)
            if old != out:
                first = next((f"stored: {a!r}\n      now:    {b!r}" for a, b in zip((old or "").splitlines() + ["<nothing>"], out.splitlines() + ["<nothing>"]) if a != b), "")
                stale.append(f"{p.relative_to(ROOT)} cell {cid}:\n      {first}")
    if started: print("the embedded model was started while the notebooks ran (they must replay the recording):", *started, sep="\n  ")
    if stale:
        print(f"{len(stale)} stored outputs are stale or missing; run `make outputs` and commit the notebooks:")
        for s in stale[:30]: print("  " + s)
    if rc or stale or started: return 1
    for p, b in before.items(): p.write_bytes(b)   # the same outputs (masked): keep the committed bytes
    print(f"stored outputs of {len(paths)} notebooks are current")
    return 0

def _counted(c) -> bool:
    "A code cell a reader sees that is not exported code: hidden cells and the `default_exp` line are left out."
    s = "".join(c["source"]).lstrip()
    return c["cell_type"] == "code" and bool(s) and not re.match(r"#\|\s*(export|exports|exporti|default_exp|hide)\b", s)

def stats() -> int:
    tot = have = 0
    for p in notebooks():
        cells = [c for c in json.loads(p.read_text())["cells"] if _counted(c)]
        n = sum(bool(c.get("outputs")) for c in cells)
        tot += len(cells); have += n
        print(f"{str(p.relative_to(NBS)):34} {n:3}/{len(cells):3} cells with a stored output")
    print(f"{'all':34} {have:3}/{tot:3} = {have/max(tot, 1):.0%}")
    return 0

if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "check"
    sys.exit({"save": save, "check": check, "stats": stats, "strip": lambda: (_tidy(), 0)[1]}[cmd]())
