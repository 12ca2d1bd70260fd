"""Throughput and latency of a running server over HTTP, at several numbers of concurrent clients.

For each concurrency, that many clients send /api/search for the questions in turn (each client its own connection),
every question new to the server; prints requests/s, p50 and p99 in ms. --page is kept for older command lines: a
page render now costs one search, facets included, so it sends the same requests."""

from __future__ import annotations

import argparse
import threading
import time

from bench.common import QUESTIONS, ms_since, percentiles, warm_up
from indexer.tuning.evaluation import load_questions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--concurrency", default="1,4,16", help="comma-separated client counts")
    parser.add_argument("--requests", type=int, default=300, help="searches per concurrency level")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--page", action="store_true", help="what a page render asks: the same")


def run(args: argparse.Namespace) -> int:
    queries = [q.query for q in load_questions(QUESTIONS, limit=args.limit)]
    levels = [int(c) for c in args.concurrency.split(",")]
    # each question once per row at most: rows use different slices of the questions, suffixed to stay new
    variants = [f"{q} {suffix}".strip() for suffix in ("", "please", "now", "today") for q in queries]
    table(args.url.rstrip("/"), levels, args.requests, args.page, variants)
    return 0


def table(url: str, levels: list[int], total: int, page: bool, queries: list[str]) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=60) as client:
        warm_up(client)
    print(f"{url}: {total} {'page renders' if page else 'searches'} per row, each question new to the server")
    print(f"{'concurrency':>11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    offset = 0
    for c in levels:
        requests: list[dict] = []
        for q in queries[offset : offset + total]:
            requests.append({"q": q, "k": 10, "per_doc": 2})  # what the page asks: facets come with the answer
        offset += total
        latencies, errors, seconds = run_level(url, c, requests)
        p50, _, p99 = percentiles(latencies)
        print(f"{c:>11} {len(latencies) / seconds:>8.1f} {p50:>8.1f} {p99:>8.1f} {errors:>7}")


def run_level(url: str, clients: int, requests: list[dict]) -> tuple[list[float], int, float]:
    """Sends the requests from `clients` threads, each with its own connection; latencies (ms), errors, seconds."""
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    pending = iter(requests)

    def client_loop() -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=60) as client:
            while True:
                with lock:
                    params = next(pending, None)
                if params is None:
                    return
                started = time.perf_counter()
                try:
                    ok = client.get("/api/search", params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                ms = ms_since(started)
                with lock:
                    latencies.append(ms)
                    errors += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - started
