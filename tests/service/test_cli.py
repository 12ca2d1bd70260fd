"""The `career-search` command a user types: its subcommands, their help, one-line errors and exit statuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MINI_CORPUS

COMMAND = Path(sys.executable).parent / "career-search"
SUBCOMMANDS = ("build", "serve", "ask", "status", "evaluate", "report")


def career_search(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs the installed console script, as a user would from the shell (from another folder when cwd is given)."""
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} missing: scripts/setup.sh installs the project with its console script")
    return subprocess.run(
        [str(COMMAND), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ}
    )


def test_help_lists_every_subcommand_and_each_has_its_own_help(tmp_path: Path):
    top = career_search("--help", cwd=tmp_path)
    assert top.returncode == 0
    for name in SUBCOMMANDS:
        assert f"    {name} " in top.stdout, name
        sub = career_search(name, "--help", cwd=tmp_path)
        assert sub.returncode == 0 and sub.stdout.startswith(f"usage: career-search {name}"), sub.stderr


@pytest.mark.parametrize(
    "args, says",
    [
        ((), "required: COMMAND"),
        (("frob",), "invalid choice: 'frob'"),
        (("ask",), "required: question"),
        (("ask", "-k", "many", "nurse"), "invalid int value: 'many'"),
        (("build", "--corpus"), "expected one argument"),
        (("status", "--verbose"), "unrecognized arguments: --verbose"),
        (("evaluate",), "give --index"),
        (("evaluate", "--index", "idx"), "--index needs --questions FILE"),
        (("report", "--log", "x", "--days", "0"), "--days must be at least 1"),
        (("serve", "--port", "eighty"), "invalid int value"),
    ],
)
def test_wrong_arguments_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...], says: str):
    proc = career_search(*args, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and says in proc.stderr and "--help" in proc.stderr, proc.stderr


def test_build_status_and_ask_from_another_folder(tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(MINI_CORPUS, corpus)
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4 cut short")
    index = tmp_path / "index"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    none = career_search("status", "--index", str(index), cwd=elsewhere)
    assert none.returncode == 1 and none.stderr.count("\n") == 1 and "no live build" in none.stderr

    built = career_search("build", "--corpus", str(corpus), "--index", str(index), "--quiet", cwd=elsewhere)
    assert built.returncode == 0, built.stderr
    assert "6 documents" in built.stdout and "scan.pdf" in built.stdout

    status = career_search("status", "--index", str(index), cwd=elsewhere)
    assert status.returncode == 0, status.stderr
    assert "6 documents" in status.stdout and "s ago" in status.stdout
    assert "skipped 1 files" in status.stdout and "scan.pdf" in status.stdout
    data = json.loads(career_search("status", "--index", str(index), "--json", cwd=elsewhere).stdout)
    assert data["documents"] == 6 and [s["source"] for s in data["skipped"]] == ["scan.pdf"]
    assert data["age_seconds"] >= 0

    answer = career_search("ask", "--index", str(index), "-k", "1", "NCLEX licensing exam", cwd=elsewhere)
    assert answer.returncode == 0 and answer.stdout.startswith("1. Registered Nurse"), answer.stderr


def test_python_dash_m_still_works(tmp_path: Path):
    for module in ("indexer", "service"):
        proc = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 0 and "usage: python -m" in proc.stdout, proc.stderr
