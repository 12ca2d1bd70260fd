"""The wheel a user installs holds every file the code opens at run time, and works without the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import indexer
from tests.conftest import ROOT

# A folder of model data the way a fine-tuned model would be kept under indexer/ (weights, configuration, vocabulary).
MODEL_FILES = ("models/career-test-model/model.safetensors", "models/career-test-model/config.json",
               "models/career-test-model/vocab.txt")


def tracked_files() -> list[str]:
    """The project's files as a fresh clone has them (plus new files not yet committed, minus ignored ones)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the clone's file list is unknown")
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of a copy of the checkout (no build/ leftovers, no .venv), with a model folder under indexer/."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for name in tracked_files():
        dest = src / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes((ROOT / name).read_bytes())
    for name in MODEL_FILES:
        (src / "indexer" / name).parent.mkdir(parents=True, exist_ok=True)
        (src / "indexer" / name).write_bytes(b"{}")
    # --no-build-isolation: setuptools is already in the venv; --no-deps: only this project's wheel
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"),
         str(src)],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (whl,) = (tmp / "dist").glob("career_search-*.whl")
    return whl


def test_the_wheel_holds_every_file_the_code_opens(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = [f for f in tracked_files() if f.startswith(("indexer/", "service/")) and not f.endswith(".py")]
    assert "indexer/ranking.json" in data and "service/static/index.html" in data
    missing = [f for f in data if f not in names]
    assert not missing, f"not in the wheel (add them to [tool.setuptools.package-data]): {missing}"
    assert not [f"indexer/{f}" for f in MODEL_FILES if f"indexer/{f}" not in names], "a model folder is left out"
    assert not [n for n in names if n.startswith(("tests/", "corpus/", "scripts/"))]


def test_the_wheel_names_its_version_and_the_command(wheel: Path):
    assert wheel.name.startswith(f"career_search-{indexer.__version__}-")
    with zipfile.ZipFile(wheel) as z:
        entry_points = z.read(f"career_search-{indexer.__version__}.dist-info/entry_points.txt").decode()
    assert "career-search = service.cli:run" in entry_points


def test_the_unpacked_wheel_runs_from_another_folder(wheel: Path, tmp_path: Path):
    """Imports come from the wheel, not the checkout: the ranking configuration loads, the page's files are there and
    the command answers --help and `status`."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import indexer, service.page, service.cli\n"
        "from indexer.ranking import load_ranking\n"
        f"assert indexer.__file__.startswith({str(site)!r}), indexer.__file__\n"
        "load_ranking()\n"
        "assert (service.page.STATIC / 'index.html').is_file()\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]
    cli = [sys.executable, "-c", "import sys; from service.cli import main; sys.exit(main())"]
    proc = subprocess.run([*cli, "--help"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and "status" in proc.stdout, proc.stderr
    proc = subprocess.run([*cli, "status", "--index", "nowhere"], cwd=elsewhere, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "error:" in proc.stderr, proc.stderr
