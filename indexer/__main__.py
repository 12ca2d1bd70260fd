"""Command line: python -m indexer build --corpus DIR --index DIR [--force] [--quiet] (career-search build)."""

from __future__ import annotations

import sys

from indexer.cli import Parser, add_build_arguments, run_build
from indexer.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = Parser(prog="python -m indexer", description="Build the career-search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_build_arguments(sub.add_parser("build", help="read a corpus folder and write a new index build"), settings)
    return run_build(parser.parse_args(argv), settings)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `... | head -1`: the reader has all it wanted
        sys.stderr.close()
        sys.exit(0)
