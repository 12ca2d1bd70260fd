"""Times the file-based lexical stores on one index's passages, and checks that they rank alike.

Writes an SQLite FTS5 store and a BM25 matrix of the index's passages into a scratch folder, then asks both the same
questions (the eval sets' tune and dev questions, or --scale-queries over a scale corpus's titles): p50/p95 ms per
query, in how many the top 50 differ, and the largest relative score difference.

With --corpus instead of --index the passages are read and cut from a corpus folder (nothing is embedded), so the
lexical side of a corpus too big to build here can be timed.

Usage: python scripts/lexical_benchmark.py (--index DIR | --corpus DIR) [--scale-corpus CORPUS_DIR] [--n 100]"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from indexer.evaluation import load_questions  # noqa: E402
from indexer.lexical import factory  # noqa: E402
from indexer.lexical.base import LexicalRow  # noqa: E402
from indexer.query import terms  # noqa: E402
from indexer.snapshot import open_snapshot  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", type=Path, help="a built index: its live build's passages")
    where.add_argument("--corpus", type=Path, help="a corpus folder: its passages as a build would cut them")
    parser.add_argument("--scale-corpus", type=Path, help="ask scale_corpus_benchmark.py's queries over this corpus")
    parser.add_argument("--n", type=int, default=100, help="rows asked for per query")
    args = parser.parse_args(argv)
    rows = corpus_rows(args.corpus) if args.corpus else index_rows(args.index)
    if args.scale_corpus:
        from scale_corpus_benchmark import queries_for

        queries = queries_for(args.scale_corpus, 300)
    else:
        queries = [q.query for q in load_questions(split="tune")]
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
                times[kind].append((time.perf_counter() - started) * 1000)
        differ, worst = 0, 0.0
        for a, b in zip(results[factory.DEFAULT], results[factory.MATRIX], strict=True):
            differ += [r for r, _ in a[:50]] != [r for r, _ in b[:50]]
            da, db = dict(a), dict(b)
            worst = max([worst] + [abs(da[r] - db[r]) / abs(da[r]) for r in da.keys() & db.keys() if da[r]])
        for store in stores.values():
            store.close()
    print(f"{len(queries)} queries over {len(rows):,} passages, {args.n} rows each")
    for kind, ms in times.items():
        print(f"  {kind:12} p50 {statistics.median(ms):6.2f} ms  p95 {statistics.quantiles(ms, n=20)[18]:6.2f} ms")
    print(f"  top 50 differ in {differ} queries; largest relative score difference {worst:.1e}")
    return 0


def index_rows(index: Path) -> list[LexicalRow]:
    snap = open_snapshot(index)
    aliases = {d.doc_id: " ".join(d.aliases) for d in snap.documents.values()}
    rows = [LexicalRow(p.row, p.title, aliases[p.doc_id], p.section, p.text, p.doc_id) for p in snap.passages]
    snap.close()
    return rows


def corpus_rows(corpus: Path) -> list[LexicalRow]:
    from indexer.corpus import CorpusReader
    from indexer.passages import passages_of
    from indexer.settings import get_settings

    settings = get_settings()
    rows: list[LexicalRow] = []
    for doc in CorpusReader(corpus, settings.max_file_mb).documents():
        for p in passages_of(doc, settings.passage_min_words, settings.passage_max_words):
            rows.append(LexicalRow(len(rows), p.title, " ".join(doc.aliases), p.section, p.text, doc.doc_id))
    return rows


if __name__ == "__main__":
    sys.exit(main())
