#!/usr/bin/env python
"""Measures search quality (the same as `career-search evaluate`): run as a file from a checkout, --help for more."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file from anywhere: make the project's packages importable
    sys.path.insert(0, str(ROOT))

from indexer.tuning.evaluate_cli import main as evaluate_main  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    return evaluate_main(argv, prog="scripts/evaluate.py")


if __name__ == "__main__":
    sys.exit(main())
