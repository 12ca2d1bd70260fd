"""The layer rules of pyproject.toml's [tool.importlinter] hold, and a module in the wrong layer breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--no-logo", "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_tree_keeps_its_layer_rules():
    out = lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_a_lower_stage_importing_the_query_side_breaks_them(tmp_path):
    for package in ("indexer", "service"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("models", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    # a passage cutter that asks the searcher something: the build would depend on the query side
    (tmp_path / "indexer" / "ingest" / "shortcut.py").write_text("from indexer.search.question import clip_words\n")
    # and a service module that reads a store directly, past the snapshot
    (tmp_path / "service" / "shortcut.py").write_text("import indexer.stores.vectors.faiss_flat\n")
    out = lint(tmp_path)
    assert out.returncode != 0
    assert "indexer.ingest.shortcut -> indexer.search.question" in out.stdout
    assert "service.shortcut -> indexer.stores.vectors.faiss_flat" in out.stdout
