"""make_scale_corpus.py writes career documents the indexer reads, about the passages asked for, the same each time."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.ingest.corpus import read_corpus
from indexer.ingest.passages import passages_of
from tests.helpers import ROOT

SCRIPT = ROOT / "scripts" / "make_scale_corpus.py"
WORDS = "planning checking records machines customers reports safety budgets samples schedules teams tools".split()


@pytest.fixture(scope="module")
def esco_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small stand-in for ESCO's occupations CSV (made-up text): the test needs no shared data."""
    path = tmp_path_factory.mktemp("esco") / "occupations_en.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, ["preferredLabel", "altLabels", "iscoGroup", "description"])
        out.writeheader()
        for i in range(40):
            words = [WORDS[(i + j) % len(WORDS)] for j in range(12)]
            sentences = [f"Workers of kind {i} handle {' and '.join(words[k : k + 3])} daily." for k in (0, 3, 6)]
            out.writerow(
                {
                    "preferredLabel": f"occupation number {i}",
                    "altLabels": f"job {i}\nrole {i}",
                    "iscoGroup": f"{i % 3 + 2}{i % 2}1{i % 4}",
                    "description": " ".join(sentences),
                }
            )
    return path


def make(n: int, out: Path, esco: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(n), str(out), "--esco", str(esco), *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_writes_about_the_passages_asked_for_and_the_indexer_reads_them(tmp_path, esco_csv):
    proc = make(300, tmp_path / "c", esco_csv, "--passages", "--copies", "3")
    assert proc.returncode == 0, proc.stderr
    result = read_corpus(tmp_path / "c")
    assert not result.skipped
    passages = [p for doc in result.documents for p in passages_of(doc)]
    assert 300 <= len(passages) <= 330  # stops at the document that reaches the target
    assert len({(p.title, p.text) for p in passages}) >= 0.97 * len(passages)  # copies recombine, not repeat
    doc = result.documents[0]
    assert doc.title.startswith("Occupation Number") and doc.aliases and doc.category
    assert [s.path[0] for s in doc.sections][:2] == ["Overview", "Core Responsibilities"]


def test_same_arguments_same_corpus_and_n_counts_documents(tmp_path, esco_csv):
    for name in ("a", "b"):
        assert make(12, tmp_path / name, esco_csv, "--seed", "3").returncode == 0
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.md"))
    assert len(files) == 12
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    again = make(12, tmp_path / "a", esco_csv, "--seed", "3")
    assert again.returncode == 0 and "up to date" in again.stdout


def test_refuses_to_write_into_the_project_or_over_other_files(tmp_path, esco_csv):
    inside = make(5, ROOT / "scale-corpus", esco_csv)
    assert inside.returncode == 2 and "inside the project" in inside.stderr and not (ROOT / "scale-corpus").exists()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.md").write_text("# mine\n")
    other = make(5, tmp_path / "mine", esco_csv)
    assert other.returncode == 2 and (tmp_path / "mine" / "notes.md").exists()
