"""Prints query latency of the search (the API's answer path, snippets included) over the question set, or build times.

Usage: python scripts/benchmark.py --index DIR [--mode hybrid] [--k 10] [--repeat 1] [--limit N]
       python scripts/benchmark.py --build [--corpus corpus] [--runs 3] [--before DIR] [--esco CSV]
       python scripts/benchmark.py --scale [--sizes 10000,100000,1000000] [...]   (scripts/scale_benchmark.py)
       python scripts/benchmark.py --scale-corpus 10000,100000 [...]   (real corpora: scripts/scale_corpus_benchmark.py)
Each question is asked once with an empty query-vector cache (what a new query costs) and once more (a repeated
query); the model's time for one new query is shown apart, and so is the facet counting inside each answer (counts by
career and section over the search's matching set), with its median share of a repeated query's time. Figures are
per query, in milliseconds, on this machine's CPU. --build times whole build processes (see scripts/build_benchmark.py).

       python scripts/benchmark.py --http URL [--concurrency 1,4,16] [--requests 300] [--page]
Against a running server: for each concurrency, that many clients send /api/search for the questions in turn
(each client its own connection); prints requests/s, p50 and p99 in ms. --page is kept for older command lines: a
page render now costs one search, facets included, so it sends the same requests."""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.embedder import ModelError  # noqa: E402
from indexer.evaluation import load_questions  # noqa: E402
from indexer.facets import count_facets  # noqa: E402
from indexer.search import MODES, open_searcher  # noqa: E402
from indexer.settings import get_settings  # noqa: E402
from indexer.snapshot import IndexUnavailable  # noqa: E402
from service.answers import answer  # noqa: E402


def summary(label: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"{label:<22} n={len(ms):<4} p50 {q[49]:6.1f}  p95 {q[94]:6.1f}  max {max(ms):6.1f}"


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
                ms = (time.perf_counter() - started) * 1000
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


def http_table(url: str, levels: list[int], total: int, page: bool, queries: list[str]) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=60) as client:  # the first answers load lazy parts of each worker
        for i in range(8):
            client.get("/api/search", params={"q": f"warm up {i}"})
    print(f"{url}: {total} {'page renders' if page else 'searches'} per row, each question new to the server")
    print(f"{'concurrency':>11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    offset = 0
    for c in levels:
        requests: list[dict] = []
        for q in queries[offset : offset + total]:
            requests.append({"q": q, "k": 10, "per_doc": 2})  # what the page asks: facets come with the answer
        offset += total
        latencies, errors, seconds = run_level(url, c, requests)
        q = statistics.quantiles(latencies, n=100)
        print(f"{c:>11} {len(latencies) / seconds:>8.1f} {q[49]:>8.1f} {q[98]:>8.1f} {errors:>7}")


def main() -> int:
    if "--scale-corpus" in sys.argv:
        from scale_corpus_benchmark import main as scale_corpus

        return scale_corpus(sys.argv[1:])
    if "--scale" in sys.argv:
        from scale_benchmark import main as scale

        return scale()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=get_settings().index_dir)
    parser.add_argument("--mode", default="hybrid", choices=MODES)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the question set")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--build", action="store_true", help="time builds instead of queries")
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1] / "corpus")
    parser.add_argument("--runs", type=int, default=3, help="--build: rounds whose median is printed")
    parser.add_argument("--before", type=Path, help="--build: a folder with other code to time against this one")
    parser.add_argument("--esco", type=Path, help="--build: also time a full build of ESCO's occupations_en.csv")
    parser.add_argument("--http", metavar="URL", help="measure a running server over HTTP instead")
    parser.add_argument("--concurrency", default="1,4,16", help="comma-separated client counts (with --http)")
    parser.add_argument("--requests", type=int, default=300, help="searches per concurrency level (with --http)")
    parser.add_argument("--page", action="store_true", help="what a page render asks (with --http): the same")
    args = parser.parse_args()
    if args.build:
        from build_benchmark import run

        return run(args.corpus, args.runs, args.before, args.esco, {})
    if args.http:
        queries = [q.query for q in load_questions(limit=args.limit)]
        levels = [int(c) for c in args.concurrency.split(",")]
        # each question once per row at most: rows use different slices of the questions, suffixed to stay new
        variants = [f"{q} {suffix}".strip() for suffix in ("", "please", "now", "today") for q in queries]
        http_table(args.http.rstrip("/"), levels, args.requests, args.page, variants)
        return 0
    settings = get_settings()
    try:
        searcher = open_searcher(args.index, settings)
    except (IndexUnavailable, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    queries = [q.query for q in load_questions(limit=args.limit)]
    answer(searcher, "warm up the model", k=args.k, mode=args.mode)
    new, repeated, embedding, facets, pools = [], [], [], [], []
    snap = searcher.snapshot
    for _ in range(args.repeat):
        searcher.forget_queries()
        for query in queries:
            for times in (new, repeated):
                started = time.perf_counter()
                answer(searcher, query, k=args.k, mode=args.mode)
                times.append((time.perf_counter() - started) * 1000)
        for query in queries:
            started = time.perf_counter()
            searcher.embedder.encode([query])
            embedding.append((time.perf_counter() - started) * 1000)
        for query in queries:  # the facet counting that each answer above included, timed apart
            pool = searcher.find(searcher.correct(query), k=args.k, mode=args.mode).pool
            pools.append(len(pool))
            started = time.perf_counter()
            count_facets(snap, pool)
            facets.append((time.perf_counter() - started) * 1000)
    print(
        f"index {snap.build_id}: {len(snap.passages)} passages, {snap.sentence_store.count} sentences; "
        f"mode {args.mode}, k={args.k}"
    )
    print(summary("new query (ms)", new))
    print(summary("repeated query (ms)", repeated))
    print(summary("query embedding (ms)", embedding))
    print(summary("facet counts (ms)", facets))
    share = statistics.median(facets) / statistics.median(repeated) * 100
    print(f"facet counts: {share:.1f}% of a repeated query's median, over {statistics.median(pools):.0f} passages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
