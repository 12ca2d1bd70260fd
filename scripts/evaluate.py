#!/usr/bin/env python
"""Measures search quality (the same as `career-search evaluate`, with the checkout's question set as the default
--questions): run as a file from a checkout, --help for more."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file from anywhere: make the project's packages importable
    sys.path.insert(0, str(ROOT))

from indexer.tuning.evaluate_cli import main as evaluate_main  # noqa: E402

QUESTIONS = ROOT / "tests" / "eval" / "questions.jsonl"


def main(argv: list[str] | None = None) -> int:
    return evaluate_main(argv, prog="scripts/evaluate.py", defaults={"questions": QUESTIONS})


if __name__ == "__main__":
    sys.exit(main())
