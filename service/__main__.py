"""Command line: python -m service serve|ask."""

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

from indexer.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m service", description="Serve or query the career-search index.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the API and the search page")
    s.add_argument("--index", type=Path, default=settings.index_dir)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    a = sub.add_parser("ask", help="print the top passages for a question")
    a.add_argument("--index", type=Path, default=settings.index_dir)
    a.add_argument("-k", type=int, default=5, help="number of results (1-100)")
    a.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    a.add_argument("--json", action="store_true", help="print the API's JSON")
    a.add_argument("question")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    logging.basicConfig(level="WARNING")  # `ask` prints answers, not logs
    return ask(args, settings)


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


def ask(args: argparse.Namespace, settings) -> int:
    from indexer.embedder import ModelError
    from indexer.search import open_searcher
    from indexer.snapshot import IndexUnavailable
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


if __name__ == "__main__":
    sys.exit(main())
