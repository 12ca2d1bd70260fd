"""Command line: python -m service serve|ask (the same as career-search serve|ask)."""

from __future__ import annotations

import logging
import sys

from indexer.cli import Parser
from indexer.settings import get_settings
from service.cli import COMMANDS, add_ask_arguments, add_serve_arguments, ask, serve


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = Parser(prog="python -m service", description="Serve or query the career-search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(sub.add_parser("serve", help=COMMANDS["serve"]), settings)
    add_ask_arguments(sub.add_parser("ask", help=COMMANDS["ask"]), settings)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    logging.basicConfig(level="WARNING")  # `ask` prints answers, not logs
    return ask(args, settings)


if __name__ == "__main__":
    sys.exit(main())
