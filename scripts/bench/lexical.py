"""The file-based lexical stores timed on one index's or corpus's passages, and checked to rank alike.

Writes an SQLite FTS5 store and a BM25 matrix of the index's passages into a scratch folder, then asks both the same
questions (the eval sets' tune and dev questions, or with --scale-corpus scale-corpus's over a corpus's titles):
p50/p95 ms per query, in how many the top 50 differ, and the largest relative score difference.

With --corpus instead of --index the passages are read and cut from a corpus folder (nothing is embedded), so the
lexical side of a corpus too big to build here can be timed."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.common import QUESTIONS, ROOT, ms_since, percentiles
from bench.scale_corpus import queries_for
from indexer.analysis.analyzer import terms
from indexer.builds.snapshot import open_snapshot
from indexer.ingest.corpus import CorpusReader
from indexer.ingest.passages import passages_of
from indexer.settings import get_settings
from indexer.stores.lexical import factory
from indexer.stores.lexical.base import LexicalRow
from indexer.tuning.evaluation import load_questions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", type=Path, help="a built index: its live build's passages")
    where.add_argument("--corpus", type=Path, help="a corpus folder: its passages as a build would cut them")
    parser.add_argument("--scale-corpus", type=Path, help="ask scale-corpus's queries over this corpus")
    parser.add_argument("--n", type=int, default=100, help="rows asked for per query")


def run(args: argparse.Namespace) -> int:
    rows = corpus_rows(args.corpus) if args.corpus else index_rows(args.index)
    if args.scale_corpus:
        queries = queries_for(args.scale_corpus, 300)
    else:
        queries = [q.query for q in load_questions(QUESTIONS, split="tune")]
        queries += [q.query for q in load_questions(ROOT / "tests/eval/questions_dev.jsonl", "all")]
    words = [terms(q) for q in queries]
    stores, times = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for kind in (factory.DEFAULT, factory.MATRIX):
            folder = Path(scratch) / kind
            folder.mkdir()
            started = time.perf_counter()
            config = factory.backend(kind).write(folder / "db", rows)
            print(f"{kind}: written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            stores[kind] = factory.load(folder / "db", config)
        results = {}
        for kind, store in stores.items():
            store.search(words[0], args.n)  # warm
            times[kind], results[kind] = [], []
            for w in words:
                started = time.perf_counter()
                results[kind].append(store.search(w, args.n))
                times[kind].append(ms_since(started))
        differ, worst = 0, 0.0
        for a, b in zip(results[factory.DEFAULT], results[factory.MATRIX], strict=True):
            differ += [r for r, _ in a[:50]] != [r for r, _ in b[:50]]
            da, db = dict(a), dict(b)
            worst = max([worst] + [abs(da[r] - db[r]) / abs(da[r]) for r in da.keys() & db.keys() if da[r]])
        for store in stores.values():
            store.close()
    print(f"{len(queries)} queries over {len(rows):,} passages, {args.n} rows each")
    for kind, ms in times.items():
        p50, p95, _ = percentiles(ms)
        print(f"  {kind:12} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    print(f"  top 50 differ in {differ} queries; largest relative score difference {worst:.1e}")
    return 0


def index_rows(index: Path) -> list[LexicalRow]:
    snap = open_snapshot(index)
    aliases = {d.doc_id: " ".join(d.aliases) for d in snap.documents.values()}
    rows = [LexicalRow(p.row, p.title, aliases[p.doc_id], p.section, p.text, p.doc_id) for p in snap.passages]
    snap.close()
    return rows


def corpus_rows(corpus: Path) -> list[LexicalRow]:
    settings = get_settings()
    rows: list[LexicalRow] = []
    for doc in CorpusReader(corpus, settings.max_file_mb).documents():
        for p in passages_of(doc, settings.passage_min_words, settings.passage_max_words):
            rows.append(LexicalRow(len(rows), p.title, " ".join(doc.aliases), p.section, p.text, doc.doc_id))
    return rows
