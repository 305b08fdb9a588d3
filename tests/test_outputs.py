"""The stored-output policy (tools/outputs.py): what an output may hold, what is masked before comparing, and that a
stale or missing output is found. The whole check runs in `make test` (test-notebooks)."""
import json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parents[1]/"tools"))
import outputs

def test_progress_bars_widgets_and_plotly_are_not_stored():
    assert outputs.strip_output({"output_type": "stream", "name": "stderr", "text": ["100%|████| 6/6"]}) is None
    kept = outputs.strip_output({"output_type": "stream", "name": "stdout", "text": ["sent 3 requests"]})
    assert kept["text"] == ["sent 3 requests"]
    widget = {"output_type": "display_data", "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": ["VBox()"]}, "metadata": {}}
    assert outputs.strip_output(widget)["data"] == {"text/plain": ["VBox()"]}
    fig = {"output_type": "display_data", "metadata": {}, "data": {"application/vnd.plotly.v1+json": {"data": [{"type": "bar"}], "layout": {"title": {"text": "Flags by kind"}}},
                                                                   "text/html": ["<script>plotly.js …</script>"]}}
    assert outputs.strip_output(fig)["data"] == {"text/plain": ["[plotly chart: Flags by kind (bar)]"]}

def test_large_outputs_are_cut_and_big_html_dropped():
    big = {"output_type": "execute_result", "metadata": {}, "data": {"text/plain": ["x" * 50_000], "text/html": ["<p>" + "y" * 50_000]}}
    out = outputs.strip_output(big)
    assert "text/html" not in out["data"] and len(out["data"]["text/plain"][0]) < 3000

def test_what_changes_by_nature_is_masked_and_nothing_else():
    a = "sent 3 requests in 4.2 s, 1.3 ok records/s · /tmp/tmpab12/x.jsonl at 127.0.0.1:41733 on 2026-12-01 22:49:21"
    b = "sent 3 requests in 0.9 s, 7.0 ok records/s · /tmp/tmpzz99/x.jsonl at 127.0.0.1:5000 on 2026-12-02 08:01:02"
    assert outputs.masked(a) == outputs.masked(b)
    assert outputs.masked("6 requested = 5 ok + 1 failed") != outputs.masked("6 requested = 6 ok + 0 failed")
    assert outputs.masked("Recording(/work/main/nbs/replay.jsonl)") == outputs.masked("Recording(/tmp/clone/nbs/replay.jsonl)")
    assert outputs.masked("/tmp/a/x.jsonl") != outputs.masked("/tmp/a/y.jsonl")
    assert outputs.masked("http://127.0.0.1:9/v1") == "http://127.0.0.1:<port>/v1"

def test_a_changed_or_missing_output_differs_in_the_signature(tmp_path):
    nb = {"cells": [{"cell_type": "code", "id": "a1", "source": ["1+1"], "metadata": {}, "execution_count": None,
                     "outputs": [{"output_type": "execute_result", "data": {"text/plain": ["2"]}, "metadata": {}, "execution_count": None}]},
                    {"cell_type": "code", "id": "b2", "source": ["x"], "metadata": {}, "execution_count": None, "outputs": []}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    p = tmp_path/"n.ipynb"; p.write_text(json.dumps(nb))
    before = outputs.signature(p)
    nb["cells"][0]["outputs"][0]["data"]["text/plain"] = ["3"]
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi"]}]
    p.write_text(json.dumps(nb))
    after = outputs.signature(p)
    assert before["a1"] != after["a1"] and before["b2"] == "" and after["b2"] == "hi"
