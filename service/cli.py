"""The `career-search` command: build, serve, ask, status, evaluate and report, each with --help."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import sys
import tempfile
import textwrap
from pathlib import Path

from indexer.cli import Parser
from indexer.settings import Settings, get_settings

COMMANDS = {
    "build": "read a corpus folder and write a new index build (only what changed is embedded again)",
    "serve": "serve the API and the search page",
    "ask": "print the top passages for a question",
    "status": "the live build: its age, counts and the files it skipped",
    "evaluate": "measure search quality on the question set (needs the test extras)",
    "report": "summarise the query log: frequent, unanswered and slow queries",
}


def add_serve_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    parser.add_argument("--index", type=Path, default=settings.index_dir, help="index folder (builds/ + CURRENT)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")


def add_ask_arguments(parser: argparse.ArgumentParser, settings: Settings) -> None:
    parser.add_argument("--index", type=Path, default=settings.index_dir, help="index folder (builds/ + CURRENT)")
    parser.add_argument("-k", type=int, default=5, help="number of results (1-100)")
    parser.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"], help="default hybrid")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    parser.add_argument("question", help="the question, quoted (1-1000 characters)")


def main(argv: list[str] | None = None) -> int:
    """career-search SUBCOMMAND ...: exit status 0, 1 (it failed, one line says why), 2 (wrong arguments)."""
    from indexer import __version__

    argv = sys.argv[1:] if argv is None else argv
    settings = get_settings()
    parser = Parser(prog="career-search", description="Semantic search over career documents, offline.")
    parser.add_argument("--version", action="version", version=f"career-search {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subparsers = {name: sub.add_parser(name, help=text, description=text) for name, text in COMMANDS.items()}
    # Only the chosen subcommand's arguments are needed (the first word that is not an option: the top level takes
    # none with a value), so `career-search status` does not import evaluate's search stack to describe it.
    chosen = next((a for a in argv if not a.startswith("-")), None)
    if chosen in subparsers:
        add_arguments(chosen, subparsers[chosen], settings)
    args = parser.parse_args(argv)
    return run_command(args, subparsers[args.command], settings)


def add_arguments(command: str, parser: argparse.ArgumentParser, settings: Settings) -> None:
    if command in ("build", "status"):
        from indexer.cli import add_build_arguments, add_status_arguments

        (add_build_arguments if command == "build" else add_status_arguments)(parser, settings)
    elif command == "serve":
        add_serve_arguments(parser, settings)
    elif command == "ask":
        add_ask_arguments(parser, settings)
    else:
        module = _module(command)
        parser.description, parser.epilog = module.DESCRIPTION, module.DETAILS
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        module.add_arguments(parser)


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser, settings: Settings) -> int:
    if args.command in ("build", "status"):
        from indexer.cli import run_build, run_status

        return (run_build if args.command == "build" else run_status)(args, settings)
    if args.command == "serve":
        return serve(args)
    if args.command == "ask":
        logging.basicConfig(level="WARNING")  # `ask` prints answers, not logs
        return ask(args, settings)
    module = _module(args.command)
    return module.run(module.check(parser, args))


def _module(command: str):
    """The module of `evaluate` or `report`: its DESCRIPTION, DETAILS, add_arguments, check and run."""
    if command == "evaluate":
        from indexer.tuning import evaluate_cli

        return evaluate_cli
    from service import query_report

    return query_report


def run() -> None:
    """The console script: main(), with `... | head -1` ending quietly (the reader has all it wanted)."""
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)


def serve(args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from service.app import create_app
    from service.logs import setup_logging
    from service.settings import get_service_settings

    settings = get_service_settings()
    setup_logging(settings.log_level, settings.log_format)
    # log_config=None keeps our handlers; each request is logged once, by service.logs, with its request id
    options = {"host": args.host, "port": args.port, "log_level": settings.log_level.lower(), "log_config": None}
    if settings.workers == 1:
        uvicorn.run(create_app(args.index, settings), access_log=False, **options)
        return 0
    # Each worker is a process of its own (its own model, build and embedding lock), made by service.app:worker_app
    # from the environment; their metrics are added up through files in PROMETHEUS_MULTIPROC_DIR.
    os.environ["CAREER_SEARCH_INDEX_DIR"] = str(args.index.resolve())
    metrics_dir = tempfile.mkdtemp(prefix="career-search-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    config = uvicorn.Config(
        "service.app:worker_app", factory=True, workers=settings.workers, access_log=False, **options
    )
    try:
        Multiprocess(config, sockets=[tcp_socket(args.host, args.port)]).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def tcp_socket(host: str, port: int) -> socket.socket:
    """The listening socket the workers share. uvicorn's own has protocol 0, so asyncio leaves Nagle's algorithm on
    for its connections and each answer waits ~40 ms for a delayed ACK; with IPPROTO_TCP it sets TCP_NODELAY."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def ask(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.errors import IndexUnavailable, ModelError
    from indexer.search.searcher import open_searcher
    from service.answers import answer

    question = args.question.strip()
    if not question or len(question) > 1000:
        print("error: the question must be 1-1000 characters", file=sys.stderr)
        return 2
    if not 1 <= args.k <= 100:
        print("error: -k must be between 1 and 100", file=sys.stderr)
        return 2
    try:
        searcher = open_searcher(args.index, settings)
    except (IndexUnavailable, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    response = answer(searcher, question, k=args.k, mode=args.mode)
    if args.json:
        print(response.model_dump_json(indent=2, exclude_none=True))
        return 0
    if not response.results:
        print("no results")
    elif response.no_match:
        print("No page answers this well. The closest matches:\n")
    for r in response.results:
        print(f"{r.rank}. {r.title} › {r.section}  (score {r.score:.3f}, {r.source})")
        print(textwrap.indent(textwrap.fill(r.text.replace("\n", " "), 100), "   "))
        print()
    return 0
