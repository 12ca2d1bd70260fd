"""Prints what spelling correction costs for a 1,000-character junk query: the symmetric-delete index against the
vocabulary scan it replaced, over an index's vocabulary.

Usage: python scripts/speller_benchmark.py --index DIR [--rounds 5]"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import process  # noqa: E402
from rapidfuzz.distance import DamerauLevenshtein  # noqa: E402

from indexer.search import Searcher  # noqa: E402
from indexer.snapshot import open_snapshot  # noqa: E402
from indexer.spelling import _max_edits  # noqa: E402


def junk_query(seed: int) -> str:
    rnd = random.Random(seed)
    words = ("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(3, 12))) for _ in range(300))
    return " ".join(words)[:1000]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    searcher = Searcher(open_snapshot(args.index), embedder=None)
    speller = searcher.speller
    print(f"vocabulary {len(speller.counts)} words; speller built in {time.perf_counter() - started:.2f} s")
    index_ms, scan_ms = [], []
    for seed in range(args.rounds):
        query = junk_query(seed)
        speller._candidates.clear()
        speller._corrections.clear()
        t = time.perf_counter()
        speller.correct(query)
        index_ms.append((time.perf_counter() - t) * 1000)
        words = {w.lower() for w in query.split() if len(w) >= 4 and w.lower() not in speller.counts}
        t = time.perf_counter()
        for w in words:  # what each unknown word cost before: a scan of the whole vocabulary
            process.extract(w, speller._words, scorer=DamerauLevenshtein.distance, score_cutoff=_max_edits(w), limit=16)
        scan_ms.append((time.perf_counter() - t) * 1000)
    print(f"junk query, symmetric-delete index: p50 {statistics.median(index_ms):6.1f} ms  max {max(index_ms):6.1f}")
    print(f"junk query, vocabulary scan (before): p50 {statistics.median(scan_ms):6.1f} ms  max {max(scan_ms):6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
