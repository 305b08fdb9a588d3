"""The notebooks are the source: they must be clean (nbdev-clean changes nothing) and synthnb/ must be what
nbdev-export makes of them. Checked on a copy, so the working tree is never touched."""
import filecmp, os, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent

def _snapshot(d):
    return {p.relative_to(d): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}

def test_notebooks_are_clean_and_synthnb_matches_them(tmp_path):
    for name in ("nbs", "synthnb"): shutil.copytree(ROOT/name, tmp_path/name, symlinks=True)
    shutil.copy(ROOT/"pyproject.toml", tmp_path)
    before = {**{("nbs", k): v for k, v in _snapshot(tmp_path/"nbs").items()}, **{("synthnb", k): v for k, v in _snapshot(tmp_path/"synthnb").items()}}
    for cmd in ("nbdev-clean", "nbdev-export"):
        subprocess.run([BIN/cmd], cwd=tmp_path, check=True, capture_output=True)
    after = {**{("nbs", k): v for k, v in _snapshot(tmp_path/"nbs").items()}, **{("synthnb", k): v for k, v in _snapshot(tmp_path/"synthnb").items()}}
    changed = sorted(f"{a}/{b}" for (a, b) in set(before) | set(after) if before.get((a, b)) != after.get((a, b)))
    assert not changed, f"run `make export` (nbdev-export, nbdev-clean) and commit: these differ: {changed}"
