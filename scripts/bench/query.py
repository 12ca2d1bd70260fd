"""Query latency of the search in process (the API's answer path, snippets included) over the question set.

Each question is asked once with an empty query-vector cache (what a new query costs) and once more (a repeated
query); the model's time for one new query is shown apart, and so is the facet counting inside each answer (counts by
career and section over the search's matching set), with its median share of a repeated query's time. Figures are
per query, in milliseconds, on this machine's CPU."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench.common import QUESTIONS, ms_since, summary
from indexer.errors import IndexUnavailable, ModelError
from indexer.search.facets import count_facets
from indexer.search.searcher import MODES, open_searcher
from indexer.settings import get_settings
from indexer.tuning.evaluation import load_questions
from service.answers import answer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=get_settings().index_dir)
    parser.add_argument("--mode", default="hybrid", choices=MODES)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the question set")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")


def run(args: argparse.Namespace) -> int:
    try:
        searcher = open_searcher(args.index, get_settings())
    except (IndexUnavailable, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    searcher.embedder.serve_queries()  # as the service does
    queries = [q.query for q in load_questions(QUESTIONS, limit=args.limit)]
    answer(searcher, "warm up the model", k=args.k, mode=args.mode)
    new: list[float] = []
    repeated: list[float] = []
    embedding: list[float] = []
    facets: list[float] = []
    pools: list[int] = []
    snap = searcher.snapshot
    for _ in range(args.repeat):
        searcher.vectors.clear()  # every question new again
        for query in queries:
            for times in (new, repeated):
                started = time.perf_counter()
                answer(searcher, query, k=args.k, mode=args.mode)
                times.append(ms_since(started))
        for query in queries:
            started = time.perf_counter()
            searcher.embedder.encode([query])
            embedding.append(ms_since(started))
        for query in queries:  # the facet counting that each answer above included, timed apart
            pool = searcher.find(query, k=args.k, mode=args.mode).pool
            pools.append(len(pool))
            started = time.perf_counter()
            count_facets(snap, pool)
            facets.append(ms_since(started))
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
