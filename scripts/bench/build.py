"""Build times as an admin sees them: a full build from an empty cache, an unchanged rebuild, one document edited.

Each figure is the wall time of a whole `python -m indexer build` process (model load included), the median of
--runs runs, each in a new index folder with a new embedding cache. With --before DIR, the same commands run with
the code in DIR (e.g. `git archive <commit> | tar -x -C DIR`) on the same venv, interleaved with this checkout's,
so both sides see the same machine. --esco CSV adds a full build of the ESCO occupations (passages per second)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT
from indexer.tuning.evaluation import read_esco, write_esco_corpus

EDIT = "\n\nThis paragraph was added to time a rebuild after one document changed.\n"


def _build(code: Path, corpus: Path, index: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index), "--quiet"],
        cwd=code,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"build with the code in {code} failed: {proc.stderr.strip()[-500:]}")
    return seconds, proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""


def _passages(index: Path) -> int:
    build = (index / "CURRENT").read_text().strip()
    return int(json.loads((index / "builds" / build / "manifest.json").read_text())["passages"])


def one_round(code: Path, corpus: Path, work: Path) -> dict[str, float]:
    """Full build, unchanged rebuild, and a rebuild after one document was edited: seconds of each."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    copy = work / "corpus"
    shutil.copytree(corpus, copy)
    index = work / "index"
    env = {"CAREER_SEARCH_EMBED_CACHE": str(work / "cache.sqlite")}
    full, _ = _build(code, copy, index, env)
    unchanged, _ = _build(code, copy, index, env)
    doc = sorted(p for p in copy.glob("*.md") if p.stem.lower() != "readme")[0]
    doc.write_text(doc.read_text() + EDIT)
    edited, summary = _build(code, copy, index, env)
    return {"full build": full, "unchanged": unchanged, "one document edited": edited, "_summary": summary}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--runs", type=int, default=3, help="rounds whose median is printed")
    parser.add_argument("--before", type=Path, help="a folder with other code to time against this one")
    parser.add_argument("--esco", type=Path, help="also time a full build of ESCO's occupations_en.csv")


def run(args: argparse.Namespace) -> int:
    corpus, runs, before, esco = args.corpus, args.runs, args.before, args.esco
    sides = {"after": ROOT} | ({"before": before} if before else {})
    figures: dict[str, dict[str, list[float]]] = {side: {} for side in sides}
    summaries: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="career-search-bench-") as tmp:
        for r in range(runs):
            for side, code in sides.items():  # interleaved: a drift of the machine's speed hits both sides
                result = one_round(code, corpus, Path(tmp) / side)
                summaries[side] = str(result.pop("_summary"))
                for name, seconds in result.items():
                    figures[side].setdefault(name, []).append(float(seconds))
                print(
                    f"  round {r + 1}/{runs} {side}: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.items()),
                    file=sys.stderr,
                )
        passages = _passages(Path(tmp) / "after" / "index")
        if esco is not None:
            esco_corpus = Path(tmp) / "esco"
            write_esco_corpus(read_esco(esco), esco_corpus)
            for side, code in sides.items():
                index = Path(tmp) / f"esco-{side}"
                cache = {"CAREER_SEARCH_EMBED_CACHE": str(index) + ".sqlite"}
                seconds, _ = _build(code, esco_corpus, index, cache)
                n = _passages(index)
                figures[side]["ESCO full build"] = [seconds]
                figures[side]["ESCO passages/s"] = [n / seconds]

    print(f"corpus {corpus} ({passages} passages), median of {runs} run(s), seconds (ESCO: one run)")
    names = list(figures["after"])
    print(f"{'':<22}" + "".join(f"{side:>10}" for side in sides) + ("     ratio" if before else ""))
    for name in names:
        med = {side: statistics.median(figures[side][name]) for side in sides}
        row = f"{name:<22}" + "".join(f"{med[side]:>10.1f}" for side in sides)
        if before:
            ratio = med["before"] / med["after"] if "passages/s" not in name else med["after"] / med["before"]
            row += f"  {ratio:>6.1f}x"
        print(row)
    for side, summary in summaries.items():
        print(f"{side}, last rebuild said: {summary}")
    return 0
