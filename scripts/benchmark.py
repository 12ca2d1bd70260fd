"""Prints query latency of the search (the API's answer path, snippets included) over the question set, or build times.

Usage: python scripts/benchmark.py --index DIR [--mode hybrid] [--k 10] [--repeat 1] [--limit N]
       python scripts/benchmark.py --build [--corpus corpus] [--runs 3] [--before DIR] [--esco CSV]
       python scripts/benchmark.py --scale [--sizes 10000,100000,1000000] [...]   (scripts/scale_benchmark.py)
Each question is asked once with an empty query-vector cache (what a new query costs) and once more (a repeated
query, e.g. the page's facet request); the model's time for one new query is shown apart. Figures are per query, in
milliseconds, on this machine's CPU. --build times whole build processes (see scripts/build_benchmark.py)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.embedder import ModelError  # noqa: E402
from indexer.evaluation import load_questions  # noqa: E402
from indexer.search import MODES, open_searcher  # noqa: E402
from indexer.settings import get_settings  # noqa: E402
from indexer.snapshot import IndexUnavailable  # noqa: E402
from service.answers import answer  # noqa: E402


def summary(label: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"{label:<22} n={len(ms):<4} p50 {q[49]:6.1f}  p95 {q[94]:6.1f}  max {max(ms):6.1f}"


def main() -> int:
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
    args = parser.parse_args()
    if args.build:
        from build_benchmark import run

        return run(args.corpus, args.runs, args.before, args.esco, {})
    settings = get_settings()
    try:
        searcher = open_searcher(args.index, settings)
    except (IndexUnavailable, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    queries = [q.query for q in load_questions(limit=args.limit)]
    answer(searcher, "warm up the model", k=args.k, mode=args.mode)
    new, repeated, embedding = [], [], []
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
    snap = searcher.snapshot
    print(
        f"index {snap.build_id}: {len(snap.passages)} passages, {snap.sentence_store.count} sentences; "
        f"mode {args.mode}, k={args.k}"
    )
    print(summary("new query (ms)", new))
    print(summary("repeated query (ms)", repeated))
    print(summary("query embedding (ms)", embedding))
    return 0


if __name__ == "__main__":
    sys.exit(main())
