#!/usr/bin/env python
"""Summarises the query log (the same as `career-search report`): run as a file from a checkout, --help for more."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file from anywhere: make the project's packages importable
    sys.path.insert(0, str(ROOT))

from service.query_report import main as report_main  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    return report_main(argv, prog="scripts/query_report.py")


if __name__ == "__main__":
    sys.exit(main())
