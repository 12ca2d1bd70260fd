#!/usr/bin/env python
"""Measures search quality on the question set (tests/eval/questions.jsonl) and, optionally, on ESCO occupations.

Every question is searched in every mode with Searcher.search(query, k=10, mode, per_doc=2). A hit is relevant when
it comes from the question's document and its text contains the answer (case-insensitive, whitespace-normalized).

Metrics (computed with ir-measures):
  Recall@k  share of questions with a relevant passage in the top k hits. This is ir-measures' Success@k, not its
            R@k: R@k divides by the number of relevant passages, but one relevant passage answers the question.
  MRR@10    mean reciprocal rank of the first relevant passage (RR@10).
  nDCG@10   every passage of the document that contains the answer counts as relevant (binary gain).
Document level (some questions are about the document as a whole): the hits' documents in order, each once;
  Acc@1 = the first hit is from the right document, Recall@k = the right document among the first k documents.

--esco PATH turns each ESCO occupation (occupations_en.csv) into a one-section Markdown document in a temp folder,
indexes it once (cached in $TMPDIR/career-search-esco-<hash of the CSV>), and searches a fixed sample of alternative
labels (random.Random(13)), judging by document (per_doc=1, k=10). ESCO data is never written into the project.

Backends side by side: --index may be given once per build folder (e.g. one built with CAREER_SEARCH_BACKEND=faiss,
one with qdrant), and --backends faiss,qdrant runs the ESCO benchmark on each (one index folder per backend under the
ESCO cache, sharing its embedding cache; Qdrant in local mode there unless CAREER_SEARCH_QDRANT_URL/_PATH say where).
The tables then hold one row per mode and backend.

Examples:
  .venv/bin/python scripts/evaluate.py --index index                 # tune split, all modes
  .venv/bin/python scripts/evaluate.py --index index --split heldout --misses
  .venv/bin/python scripts/evaluate.py --esco ../shared/esco/occupations_en.csv --json
  .venv/bin/python scripts/evaluate.py --index index --index /tmp/qdrant-index --esco occupations_en.csv \
      --backends faiss,qdrant
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file from anywhere: make the project's packages importable
    sys.path.insert(0, str(ROOT))

from indexer.evaluation import (  # noqa: E402
    DEFAULT_QUESTIONS,
    ESCO_MEASURES,
    SPLITS,
    K,
    ModeResult,
    QueryCache,
    esco_index,
    esco_queries,
    evaluate,
    format_table,
    load_questions,
    read_esco,
    results_json,
    run_mode,
    unanswerable,
)
from indexer.search import MODES  # noqa: E402

BACKENDS = ("faiss", "qdrant")  # CAREER_SEARCH_BACKEND's values

MISS_K = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/evaluate.py",
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--index",
        type=Path,
        action="append",
        help="index folder of the default corpus (builds/ + CURRENT); again for another build to compare",
    )
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="question file (JSON lines)")
    parser.add_argument("--split", choices=SPLITS, default="tune", help="which questions (default: tune)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated modes (default: {','.join(MODES)})")
    parser.add_argument("--limit", type=int, help="only the first N questions of the split")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--misses", action="store_true", help=f"list questions not answered in the top {MISS_K}")
    parser.add_argument("--esco", type=Path, help="ESCO occupations_en.csv: also run the ESCO benchmark")
    parser.add_argument("--esco-sample", type=int, default=1000, help="number of ESCO label queries (default 1000)")
    parser.add_argument(
        "--esco-rebuild", action="store_true", help="build the ESCO index anew even when it is up to date"
    )
    parser.add_argument("--backends", help="comma-separated store backends for ESCO (default: CAREER_SEARCH_BACKEND)")
    args = parser.parse_args(argv)
    if args.index is None and args.esco is None:
        parser.error("give --index (question set) and/or --esco (ESCO benchmark)")
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in args.modes if m not in MODES]
    if bad or not args.modes:
        parser.error(f"--modes takes a comma-separated list of {', '.join(MODES)}")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    args.backends = [b.strip() for b in (args.backends or "").split(",") if b.strip()]
    if any(b not in BACKENDS for b in args.backends):
        parser.error(f"--backends takes a comma-separated list of {', '.join(BACKENDS)}")
    return args


def question_report(args: argparse.Namespace, index: Path, embedder) -> dict:
    from indexer.search import Searcher
    from indexer.snapshot import open_snapshot

    questions = load_questions(args.questions, args.split, args.limit)
    if not questions:
        raise SystemExit(f"error: no {args.split} questions in {args.questions}")
    snapshot = open_snapshot(index)
    started = time.monotonic()
    results = evaluate(Searcher(snapshot, embedder), questions, args.modes)
    report = {
        "index": str(index),
        "backend": snapshot.passage_store.backend,
        "build": snapshot.build_id,
        "questions": len(questions),
        "split": args.split,
        "unanswerable": [q.id for q in unanswerable(snapshot, questions)],
        "seconds": round(time.monotonic() - started, 2),
        **results_json(results, misses=args.misses, miss_k=MISS_K),
    }
    snapshot.close()
    return report


def esco_report(args: argparse.Namespace, settings, embedder) -> dict:
    from indexer.search import Searcher
    from indexer.snapshot import open_snapshot

    occupations = read_esco(args.esco)
    index, build_seconds = esco_index(args.esco, settings, occupations, rebuild=args.esco_rebuild)
    queries = esco_queries(occupations, args.esco_sample, seed=13)
    snapshot = open_snapshot(index)
    searcher = Searcher(snapshot, embedder)
    started = time.monotonic()
    results: list[ModeResult] = [
        run_mode(searcher, queries, m, k=K, per_doc=1, document_measures=ESCO_MEASURES) for m in args.modes
    ]
    report = {
        "csv": str(args.esco),
        "backend": settings.backend,
        "index": str(index),
        "occupations": len(occupations),
        "queries": len(queries),
        "sample_seed": 13,
        "build_seconds": build_seconds,
        "seconds": round(time.monotonic() - started, 2),
        **results_json(results, misses=args.misses, miss_k=MISS_K),
    }
    snapshot.close()
    return report


def print_misses(misses: dict[str, list[dict]], what: str) -> None:
    for mode, rows in misses.items():
        print(f"\n{mode}: {len(rows)} {what} not in the top {MISS_K}")
        for o in rows:
            rank = o["passage_rank"] if what == "questions" else o["doc_rank"]
            where = f"rank {rank}" if rank else "not in top 10"
            first = f"{o['first_doc']} › {o['first_section']}" if o["first_doc"] else "(no hits)"
            print(f"  {o['id']}  {o['query']!r}  expected {o['doc']} ({where}); first: {first}")


def side_by_side(reports: list[dict], level: str) -> dict[str, dict[str, float]]:
    """One table of several reports: a row per mode and report's backend."""
    if len(reports) == 1:
        return reports[0][level]
    labels = [r["backend"] for r in reports]
    if len(set(labels)) < len(labels):  # two builds of one backend: by their order on the command line
        labels = [f"{b} #{i}" for i, b in enumerate(labels, 1)]
    rows: dict[str, dict[str, float]] = {}
    for mode in reports[0][level]:
        for label, r in zip(labels, reports, strict=True):
            rows[f"{mode} ({label})"] = r[level][mode]
    return rows


def print_questions(reports: list[dict]) -> None:
    for r in reports:
        print(
            f"Question set: {r['questions']} questions, split {r['split']}, index {r['index']} (build {r['build']}, "
            f"{r['backend']}), {r['seconds']:.1f} s"
        )
        if r["unanswerable"]:
            print(f"warning: no passage answers {len(r['unanswerable'])} questions: {', '.join(r['unanswerable'])}")
    print("\nPassage level (Recall@k = share of questions with a relevant passage in the top k)")
    print(format_table(side_by_side(reports, "passage")))
    print("\nDocument level (is the right document among the top k hits' documents)")
    print(format_table(side_by_side(reports, "document")))
    for r in reports:
        if "misses" in r:
            print_misses(r["misses"], "questions")


def print_esco(reports: list[dict]) -> None:
    for r in reports:
        built = f"built in {r['build_seconds']:.0f} s" if r["build_seconds"] else "cached"
        print(
            f"ESCO occupations: {r['queries']} alternative-label queries over {r['occupations']} occupations "
            f"(sample seed {r['sample_seed']}), index {r['index']} ({r['backend']}, {built}), {r['seconds']:.1f} s"
        )
    print("Document level (per_doc=1, k=10)")
    print(format_table(side_by_side(reports, "document")))
    for r in reports:
        if "misses" in r:
            print_misses(r["misses"], "queries")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    from indexer.embedder import get_embedder
    from indexer.settings import get_settings
    from indexer.snapshot import IndexUnavailable

    settings = get_settings()
    embedder = QueryCache(get_embedder(settings))  # hybrid and dense embed each query once between them
    load_seconds = round(time.monotonic() - started, 2)
    out: dict = {"model": settings.model, "model_load_seconds": load_seconds}
    questions: list[dict] = []
    esco: list[dict] = []
    try:
        for index in args.index or []:
            questions.append(question_report(args, index, embedder))
        if args.esco is not None:
            for backend in args.backends or [settings.backend]:
                esco.append(esco_report(args, settings.model_copy(update={"backend": backend}), embedder))
    except IndexUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # one report as it always was; several as a list, in the order given
    if questions:
        out["questions"] = questions[0] if len(questions) == 1 else questions
    if esco:
        out["esco"] = esco[0] if len(esco) == 1 else esco
    out["total_seconds"] = round(time.monotonic() - started, 2)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if questions:
        print_questions(questions)
    if esco:
        if questions:
            print()
        print_esco(esco)
    print(f"\nmodel {out['model']} loaded in {load_seconds:.1f} s; total {out['total_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
