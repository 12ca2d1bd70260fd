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

Every figure is printed with its 95% confidence interval, "0.908 [0.861, 0.950]": a bootstrap over the questions
(2,000 rounds, fixed seed). --save-run FILE keeps every question's values (JSON); --baseline FILE compares this run
with a saved one on the questions both hold: current, baseline and the difference with its 95% paired-bootstrap
interval, "+0.012 [−0.004, +0.027]", marked better or worse when the interval excludes 0, else noise.

--esco PATH turns each ESCO occupation (occupations_en.csv) into a one-section Markdown document in a temp folder,
indexes it once (cached in $TMPDIR/career-search-esco-<hash of the CSV>), and searches a fixed sample of alternative
labels (random.Random(13)), judging by document (per_doc=1, k=10). ESCO data is never written into the project.

Examples:
  .venv/bin/python scripts/evaluate.py --index index                 # tune split, all modes
  .venv/bin/python scripts/evaluate.py --index index --split heldout --misses
  .venv/bin/python scripts/evaluate.py --esco ../shared/esco/occupations_en.csv --json
  .venv/bin/python scripts/evaluate.py --index index --baseline tests/eval/baselines/tune.json
  .venv/bin/python scripts/evaluate.py --index index --ranking /tmp/other-ranking.json   # without rebuilding
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
    file_hash,
    format_table,
    load_questions,
    read_esco,
    results_json,
    run_mode,
    run_scores,
    unanswerable,
)
from indexer.evaluation_stats import (  # noqa: E402
    Run,
    RunSet,
    compare,
    comparison,
    comparisons_json,
    format_comparisons,
    load_run,
    now,
    save_run,
)
from indexer.search import MODES  # noqa: E402

MISS_K = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/evaluate.py",
        description=__doc__.split("\n\n")[0],
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--index", type=Path, help="index folder of the default corpus (builds/ + CURRENT)")
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
    parser.add_argument(
        "--ranking", type=Path, metavar="FILE", help="rank with this ranking.json instead of the one the build recorded"
    )
    parser.add_argument("--save-run", type=Path, metavar="FILE", help="write every question's values to FILE (JSON)")
    parser.add_argument(
        "--baseline", type=Path, metavar="FILE", help="compare with a run saved by --save-run (paired bootstrap)"
    )
    args = parser.parse_args(argv)
    if args.index is None and args.esco is None:
        parser.error("give --index (question set) and/or --esco (ESCO benchmark)")
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in args.modes if m not in MODES]
    if bad or not args.modes:
        parser.error(f"--modes takes a comma-separated list of {', '.join(MODES)}")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


def shown_path(path: Path) -> str:
    """A path relative to the project when it is inside it (so saved runs read the same on every machine)."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def ranking(args: argparse.Namespace):
    """The configuration of --ranking, or None: the one each build recorded."""
    from indexer.ranking import load_ranking

    return load_ranking(args.ranking) if args.ranking is not None else None


def question_report(args: argparse.Namespace, settings, embedder) -> tuple[dict, RunSet]:
    from indexer.search import Searcher
    from indexer.snapshot import open_snapshot

    questions = load_questions(args.questions, args.split, args.limit)
    if not questions:
        raise SystemExit(f"error: no {args.split} questions in {args.questions}")
    snapshot = open_snapshot(args.index)
    started = time.monotonic()
    results = evaluate(Searcher(snapshot, embedder, ranking(args)), questions, args.modes)
    report = {
        "index": str(args.index),
        "build": snapshot.build_id,
        "questions": len(questions),
        "split": args.split,
        "unanswerable": [q.id for q in unanswerable(snapshot, questions)],
        "seconds": round(time.monotonic() - started, 2),
        **results_json(results, misses=args.misses, miss_k=MISS_K),
    }
    snapshot.close()
    meta = {
        "questions_file": shown_path(args.questions),
        "split": args.split,
        "limit": args.limit,
        "build": report["build"],
        "questions": len(questions),
    }
    return report, RunSet(meta, run_scores(results))


def esco_report(args: argparse.Namespace, settings, embedder) -> tuple[dict, RunSet]:
    from indexer.search import Searcher
    from indexer.snapshot import open_snapshot

    occupations = read_esco(args.esco)
    index, build_seconds = esco_index(args.esco, settings, occupations, rebuild=args.esco_rebuild)
    queries = esco_queries(occupations, args.esco_sample, seed=13)
    snapshot = open_snapshot(index)
    searcher = Searcher(snapshot, embedder, ranking(args))
    started = time.monotonic()
    results: list[ModeResult] = [
        run_mode(searcher, queries, m, k=K, per_doc=1, document_measures=ESCO_MEASURES) for m in args.modes
    ]
    report = {
        "csv": str(args.esco),
        "index": str(index),
        "occupations": len(occupations),
        "queries": len(queries),
        "sample_seed": 13,
        "build_seconds": build_seconds,
        "seconds": round(time.monotonic() - started, 2),
        **results_json(results, misses=args.misses, miss_k=MISS_K),
    }
    snapshot.close()
    meta = {
        "csv": args.esco.name,
        "csv_sha256": file_hash(args.esco),  # the queries' ids name labels of this very file
        "sample": len(queries),
        "sample_seed": 13,
        "occupations": len(occupations),
    }
    return report, RunSet(meta, run_scores(results))


def baseline_report(name: str, current: RunSet, baseline: Run, path: Path) -> dict | None:
    """The comparison of one question set with the baseline's, or None when the baseline does not hold it."""
    if name not in baseline.sets:
        return None
    comparisons = compare(current.scores, baseline.sets[name].scores)
    return {
        "file": str(path),
        "date": baseline.date,
        **{k: v for k, v in baseline.sets[name].meta.items() if k in ("questions_file", "split", "build", "csv")},
        "questions_in_common": max((c.difference.n for c in comparisons), default=0),
        "comparisons": comparisons_json(comparisons),
    }


def print_baseline(b: dict | None) -> None:
    if b is None:
        return
    what = ", ".join(f"{k} {b[k]}" for k in ("split", "build", "csv") if k in b)
    print(f"\nAgainst the baseline {b['file']} ({b['date']}; {what}): {b['questions_in_common']} questions in common")
    if b["comparisons"]:
        print(format_comparisons([comparison(c) for c in b["comparisons"]]))


def print_misses(misses: dict[str, list[dict]], what: str) -> None:
    for mode, rows in misses.items():
        print(f"\n{mode}: {len(rows)} {what} not in the top {MISS_K}")
        for o in rows:
            rank = o["passage_rank"] if what == "questions" else o["doc_rank"]
            where = f"rank {rank}" if rank else "not in top 10"
            first = f"{o['first_doc']} › {o['first_section']}" if o["first_doc"] else "(no hits)"
            print(f"  {o['id']}  {o['query']!r}  expected {o['doc']} ({where}); first: {first}")


def print_questions(r: dict) -> None:
    print(
        f"Question set: {r['questions']} questions, split {r['split']}, index {r['index']} (build {r['build']}), "
        f"{r['seconds']:.1f} s"
    )
    if r["unanswerable"]:
        print(f"warning: no passage answers {len(r['unanswerable'])} questions: {', '.join(r['unanswerable'])}")
    if "passage" in r:
        print("\nPassage level (Recall@k = share of questions with a relevant passage in the top k) [95% CI]")
        print(format_table(r["passage"], ci=r["ci95"]["passage"]))
    print("\nDocument level (is the right document among the top k hits' documents) [95% CI]")
    print(format_table(r["document"], ci=r["ci95"]["document"]))
    print_baseline(r.get("baseline"))
    if "misses" in r:
        print_misses(r["misses"], "questions")


def print_esco(r: dict) -> None:
    built = f"built in {r['build_seconds']:.0f} s" if r["build_seconds"] else "cached"
    print(
        f"ESCO occupations: {r['queries']} alternative-label queries over {r['occupations']} occupations "
        f"(sample seed {r['sample_seed']}), index {r['index']} ({built}), {r['seconds']:.1f} s"
    )
    print("Document level (per_doc=1, k=10) [95% CI]")
    print(format_table(r["document"], ci=r["ci95"]["document"]))
    print_baseline(r.get("baseline"))
    if "misses" in r:
        print_misses(r["misses"], "queries")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    try:
        baseline = load_run(args.baseline) if args.baseline is not None else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from indexer.embedder import get_embedder
    from indexer.settings import get_settings
    from indexer.snapshot import IndexUnavailable

    settings = get_settings()
    embedder = QueryCache(get_embedder(settings))  # hybrid and dense embed each query once between them
    load_seconds = round(time.monotonic() - started, 2)
    out: dict = {"model": settings.model, "model_load_seconds": load_seconds}
    run = Run(now())
    try:
        if args.index is not None:
            out["questions"], run.sets["questions"] = question_report(args, settings, embedder)
        if args.esco is not None:
            out["esco"], run.sets["esco"] = esco_report(args, settings, embedder)
    except IndexUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if baseline is not None:
        for name, current in run.sets.items():
            if (b := baseline_report(name, current, baseline, args.baseline)) is not None:
                out[name]["baseline"] = b
        if not any(out[name].get("baseline", {}).get("questions_in_common") for name in run.sets):
            print(f"warning: the baseline {args.baseline} holds none of these questions", file=sys.stderr)
    if args.save_run is not None:
        save_run(run, args.save_run)
    out["total_seconds"] = round(time.monotonic() - started, 2)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if "questions" in out:
        print_questions(out["questions"])
    if "esco" in out:
        if "questions" in out:
            print()
        print_esco(out["esco"])
    print(f"\nmodel {out['model']} loaded in {load_seconds:.1f} s; total {out['total_seconds']:.1f} s")
    if args.save_run is not None:
        print(f"run saved to {args.save_run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
