"""career-search evaluate: search quality on the question set and ESCO occupations, with 95% intervals."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from indexer.search.searcher import MODES
from indexer.tuning.evaluation import (
    ESCO_MEASURES,
    SPLITS,
    K,
    ModeResult,
    QueryCache,
    esco_index,
    esco_queries,
    evaluate,
    file_hash,
    flag_unanswerable,
    format_share,
    format_table,
    load_questions,
    load_unanswerable,
    read_esco,
    results_json,
    run_mode,
    run_scores,
    split_occupations,
    unanswerable,
    unanswerable_json,
)
from indexer.tuning.stats import (
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

DESCRIPTION = (
    "Measures search quality on the question set (tests/eval/questions.jsonl) and, optionally, on ESCO occupations."
)
DETAILS = """\
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

Backends side by side: --index may be given once per build folder (e.g. one built with CAREER_SEARCH_BACKEND=faiss,
one with qdrant), and --backends faiss,qdrant runs the ESCO benchmark on each (one index folder per backend under the
ESCO cache, sharing its embedding cache; Qdrant in local mode there unless CAREER_SEARCH_QDRANT_URL/_PATH say where).
The tables then hold one row per mode and backend, "hybrid (qdrant)", or "hybrid (faiss #1)", "hybrid (faiss #2)"
when two builds share a backend (numbered in the order given); each row with its interval as above. --save-run and
--baseline then take the first --index's run and the first backend's ESCO run; --json gives a list of reports where
there are several (one report stays a single object).

Examples, from a checkout (scripts/evaluate.py takes the same arguments, with tests/eval/questions.jsonl as the
default --questions):
  career-search evaluate --index index --questions tests/eval/questions.jsonl      # tune split, all modes
  career-search evaluate --index index --questions tests/eval/questions.jsonl --split heldout --misses
  career-search evaluate --esco data/esco/occupations_en.csv --json
  scripts/evaluate.py --index index --baseline tests/eval/baselines/tune.json
  scripts/evaluate.py --index index --index /tmp/qdrant --esco data/esco/occupations_en.csv --backends faiss,qdrant
  scripts/evaluate.py --index index --ranking /tmp/other-ranking.json   # without rebuilding

Needs the test extras (ir-measures): pip install 'career-search[test]'.
"""

BACKENDS = ("faiss", "qdrant")  # CAREER_SEARCH_BACKEND's values

MISS_K = 5
BASELINE_META = ("questions_file", "split", "build", "csv", "backend")  # what a comparison tells of its baseline


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index",
        type=Path,
        action="append",
        help="index folder of the default corpus (builds/ + CURRENT); again for another build to compare side by side",
    )
    parser.add_argument(
        "--questions", type=Path, help="question file (JSON lines; the source tree's are in tests/eval/)"
    )
    parser.add_argument("--split", choices=SPLITS, default="tune", help="which questions (default: tune)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated modes (default: {','.join(MODES)})")
    parser.add_argument("--limit", type=int, help="only the first N questions of the split")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--misses", action="store_true", help=f"list questions not answered in the top {MISS_K}")
    parser.add_argument("--esco", type=Path, help="ESCO occupations_en.csv: also run the ESCO benchmark")
    parser.add_argument("--esco-sample", type=int, default=2000, help="number of ESCO label queries (default 2000)")
    parser.add_argument(
        "--esco-split",
        choices=("report", "tune", "all"),
        default="report",
        help="whose labels are asked: the occupations held out from the career model's training and from every fit "
        "(report, the default), those the fits use (tune), or all; the index always holds every occupation",
    )
    parser.add_argument(
        "--esco-rebuild", action="store_true", help="build the ESCO index anew even when it is up to date"
    )
    parser.add_argument(
        "--ranking", type=Path, metavar="FILE", help="rank with this ranking.json instead of the one the build recorded"
    )
    parser.add_argument(
        "--backends",
        help=f"comma-separated store backends ({', '.join(BACKENDS)}) to run ESCO on, side by side "
        "(default: CAREER_SEARCH_BACKEND)",
    )
    parser.add_argument(
        "--out-of-scope",
        type=Path,
        metavar="FILE",
        help="questions the corpus cannot answer (JSON lines: id, query, kind): how many are answered no_match",
    )
    parser.add_argument(
        "--save-run",
        type=Path,
        metavar="FILE",
        help="write every question's values to FILE (JSON); with several --index or --backends, the first's",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="compare with a run saved by --save-run (paired bootstrap); with several --index or --backends, the first",
    )


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """The arguments argparse alone cannot judge; a wrong one ends in parser.error (one line, exit status 2)."""
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
    if args.index is not None and args.questions is None:
        parser.error("--index needs --questions FILE (the source tree's question sets are in tests/eval/)")
    if args.index is not None and not args.questions.is_file():
        parser.error(f"no question file {args.questions}")
    return args


def parse_args(
    argv: list[str] | None, prog: str = "career-search evaluate", defaults: dict | None = None
) -> argparse.Namespace:
    """The arguments; `defaults` are the caller's (scripts/evaluate.py: the source tree's question set)."""
    from indexer.cli import Parser

    parser = Parser(
        prog=prog, description=DESCRIPTION, epilog=DETAILS, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    parser.set_defaults(**(defaults or {}))
    return check(parser, parser.parse_args(argv))


def shown_path(path: Path) -> str:
    """A path relative to the current folder when it is inside it (so saved runs read the same on every machine)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def ranking(args: argparse.Namespace):
    """The configuration of --ranking, or None: the one each build recorded."""
    from indexer.ranking import load_ranking

    return load_ranking(args.ranking) if args.ranking is not None else None


def question_report(args: argparse.Namespace, index: Path, embedder) -> tuple[dict, RunSet]:
    from indexer.builds.snapshot import open_snapshot
    from indexer.search.searcher import Searcher

    questions = load_questions(args.questions, args.split, args.limit)
    if not questions:
        raise SystemExit(f"error: no {args.split} questions in {args.questions}")
    snapshot = open_snapshot(index)
    started = time.monotonic()
    results = evaluate(Searcher(snapshot, embedder, ranking(args)), questions, args.modes)
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
    if args.out_of_scope is not None:
        report["out_of_scope"] = out_of_scope(args.out_of_scope, Searcher(snapshot, embedder, ranking(args)))
    snapshot.close()
    meta = {
        "questions_file": shown_path(args.questions),
        "split": args.split,
        "limit": args.limit,
        "build": report["build"],
        "backend": report["backend"],
        "questions": len(questions),
    }
    return report, RunSet(meta, run_scores(results))


def out_of_scope(path: Path, searcher) -> dict:
    """How many of the questions the corpus cannot answer (a --out-of-scope file) are answered "no good match"."""
    return {**unanswerable_json(flag_unanswerable(searcher, load_unanswerable(path))), "file": shown_path(path)}


def esco_report(args: argparse.Namespace, settings, embedder) -> tuple[dict, RunSet]:
    from indexer.builds.snapshot import open_snapshot
    from indexer.search.searcher import Searcher

    occupations = read_esco(args.esco)
    index, build_seconds = esco_index(args.esco, settings, occupations, rebuild=args.esco_rebuild)
    asked = occupations if args.esco_split == "all" else split_occupations(occupations)[args.esco_split]
    queries = esco_queries(asked, args.esco_sample, seed=13)
    snapshot = open_snapshot(index)
    searcher = Searcher(snapshot, embedder, ranking(args))
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
        "esco_split": args.esco_split,
        "asked_occupations": len(asked),
        "sample_seed": 13,
        "build_seconds": build_seconds,
        "seconds": round(time.monotonic() - started, 2),
        **results_json(results, misses=args.misses, miss_k=MISS_K),
    }
    if args.out_of_scope is not None:
        report["out_of_scope"] = out_of_scope(args.out_of_scope, Searcher(snapshot, embedder, ranking(args)))
    snapshot.close()
    meta = {
        "csv": args.esco.name,
        "csv_sha256": file_hash(args.esco),  # the queries' ids name labels of this very file
        "sample": len(queries),
        "sample_seed": 13,
        "esco_split": args.esco_split,
        "occupations": len(occupations),
        "backend": settings.backend,
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
        **{k: v for k, v in baseline.sets[name].meta.items() if k in BASELINE_META},
        "questions_in_common": max((c.difference.n for c in comparisons), default=0),
        "comparisons": comparisons_json(comparisons),
    }


def print_baseline(b: dict | None, suffix: str = "") -> None:
    """The comparison with the baseline; suffix " (qdrant)" names the report compared when there are several."""
    if b is None:
        return
    what = ", ".join(f"{k} {b[k]}" for k in ("split", "build", "csv", "backend") if k in b)
    run = f", the {suffix.strip(' ()')} run" if suffix else ""
    print(
        f"\nAgainst the baseline {b['file']} ({b['date']}; {what}){run}: {b['questions_in_common']} questions in common"
    )
    if b["comparisons"]:
        print(format_comparisons([comparison(c) for c in b["comparisons"]]))


def labels(reports: list[dict]) -> list[str]:
    """Each report's name in a side-by-side table: its backend, numbered in the order given when two share one."""
    names = [r["backend"] for r in reports]
    if len(set(names)) < len(names):
        names = [f"{b} #{i}" for i, b in enumerate(names, 1)]
    return names


def side_by_side(reports: list[dict], level: str) -> tuple[dict[str, dict[str, float]], dict[str, dict]]:
    """The rows of one level's table and their 95% intervals; with several reports a row per mode and report,
    "hybrid (qdrant)", the reports' rows of a mode together."""
    if len(reports) == 1:
        return reports[0][level], reports[0]["ci95"][level]
    rows: dict[str, dict[str, float]] = {}
    ci: dict[str, dict] = {}
    for mode in reports[0][level]:
        for label, r in zip(labels(reports), reports, strict=True):
            rows[f"{mode} ({label})"] = r[level][mode]
            ci[f"{mode} ({label})"] = r["ci95"][level][mode]
    return rows, ci


def print_table(reports: list[dict], level: str) -> None:
    rows, ci = side_by_side(reports, level)
    print(format_table(rows, ci=ci))


def named(reports: list[dict]) -> list[tuple[str, dict]]:
    """(" (backend)" to add to a mode's name, report): empty when there is one report."""
    if len(reports) == 1:
        return [("", reports[0])]
    return [(f" ({label})", r) for label, r in zip(labels(reports), reports, strict=True)]


def print_no_match(reports: list[dict]) -> None:
    """The no-match shares of the modes that can answer "no good match", a line per mode (and report)."""
    lines: dict[str, dict] = {}
    for mode in reports[0].get("no_match", {}):
        for suffix, r in named(reports):
            if mode in r.get("no_match", {}):
                lines[f"{mode}{suffix}"] = r["no_match"][mode]
    if not lines:
        return
    width = max(16, *(len(name) for name in lines))
    print('\nAnswered "no good match" although the corpus answers them (in scope; lower is better) [95% CI]')
    for name, share in lines.items():
        print(format_share(name.ljust(width), share))


def print_out_of_scope(reports: list[dict]) -> None:
    for suffix, r in named(reports):
        if "out_of_scope" not in r:
            continue
        oos = r["out_of_scope"]
        where = f"; {r['index']}{suffix}" if suffix else ""
        print(f'\nQuestions the corpus cannot answer ({oos["file"]}{where}) answered "no good match" [95% CI]')
        for kind, share in {"all": oos["all"], **oos["kinds"]}.items():
            print(format_share(kind, share))


def print_misses(misses: dict[str, list[dict]], what: str, suffix: str = "") -> None:
    for mode, rows in misses.items():
        print(f"\n{mode}{suffix}: {len(rows)} {what} not in the top {MISS_K}")
        for o in rows:
            rank = o["passage_rank"] if what == "questions" else o["doc_rank"]
            where = f"rank {rank}" if rank else "not in top 10"
            first = f"{o['first_doc']} › {o['first_section']}" if o["first_doc"] else "(no hits)"
            print(f"  {o['id']}  {o['query']!r}  expected {o['doc']} ({where}); first: {first}")


def print_questions(reports: list[dict]) -> None:
    for r in reports:
        print(
            f"Question set: {r['questions']} questions, split {r['split']}, index {r['index']} (build {r['build']}, "
            f"{r['backend']}), {r['seconds']:.1f} s"
        )
        if r["unanswerable"]:
            print(f"warning: no passage answers {len(r['unanswerable'])} questions: {', '.join(r['unanswerable'])}")
    if all("passage" in r for r in reports):
        print("\nPassage level (Recall@k = share of questions with a relevant passage in the top k) [95% CI]")
        print_table(reports, "passage")
    print("\nDocument level (is the right document among the top k hits' documents) [95% CI]")
    print_rest(reports, "questions")


def print_rest(reports: list[dict], what: str) -> None:
    """The document table, no-match shares, baseline comparisons and misses of the reports."""
    print_table(reports, "document")
    print_no_match(reports)
    print_out_of_scope(reports)
    for suffix, r in named(reports):
        print_baseline(r.get("baseline"), suffix)
    for suffix, r in named(reports):
        if "misses" in r:
            print_misses(r["misses"], what, suffix)
            if "out_of_scope" in r and r["out_of_scope"]["missed"]:
                print(f"\nquestions the corpus cannot answer that were not flagged{suffix}:")
                for m in r["out_of_scope"]["missed"]:
                    print(f"  {m['id']} ({m['kind']}): {m['query']}")


def print_esco(reports: list[dict]) -> None:
    for r in reports:
        built = f"built in {r['build_seconds']:.0f} s" if r["build_seconds"] else "cached"
        print(
            f"ESCO occupations: {r['queries']} alternative-label queries of the {r['asked_occupations']} "
            f"{r['esco_split']} occupations over all {r['occupations']} (sample seed {r['sample_seed']}),"
            f" index {r['index']} ({r['backend']}, {built}), {r['seconds']:.1f} s"
        )
    print("Document level (per_doc=1, k=10) [95% CI]")
    print_rest(reports, "queries")


def main(argv: list[str] | None = None, prog: str = "career-search evaluate", defaults: dict | None = None) -> int:
    return run(parse_args(argv, prog, defaults))


def run(args: argparse.Namespace) -> int:
    """Evaluates; exit status 0, 1 (an index cannot be opened, ir-measures is missing) or 2 (a bad baseline file)."""
    try:
        import ir_measures  # noqa: F401  (a test extra: checked before a model is loaded for nothing)
    except ImportError:
        print("error: evaluate needs ir-measures, a test extra: pip install 'career-search[test]'", file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        baseline = load_run(args.baseline) if args.baseline is not None else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from indexer.embed import get_embedder
    from indexer.errors import IndexUnavailable
    from indexer.settings import get_settings

    settings = get_settings()
    embedder = QueryCache(get_embedder(settings))  # hybrid and dense embed each query once between them
    load_seconds = round(time.monotonic() - started, 2)
    out: dict = {"model": settings.model, "model_load_seconds": load_seconds}
    run = Run(now())  # saved and compared: the first --index's run, the first backend's ESCO run
    reports: dict[str, list[dict]] = {"questions": [], "esco": []}
    try:
        for index in args.index or []:
            report, run_set = question_report(args, index, embedder)
            reports["questions"].append(report)
            run.sets.setdefault("questions", run_set)
        if args.esco is not None:
            for backend in args.backends or [settings.backend]:
                report, run_set = esco_report(args, settings.model_copy(update={"backend": backend}), embedder)
                reports["esco"].append(report)
                run.sets.setdefault("esco", run_set)
    except IndexUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if baseline is not None:
        for name, current in run.sets.items():
            if (b := baseline_report(name, current, baseline, args.baseline)) is not None:
                reports[name][0]["baseline"] = b
        if not any(reports[name][0].get("baseline", {}).get("questions_in_common") for name in run.sets):
            print(f"warning: the baseline {args.baseline} holds none of these questions", file=sys.stderr)
    if args.save_run is not None:
        save_run(run, args.save_run)
    for name, rs in reports.items():  # one report as it always was; several as a list, in the order given
        if rs:
            out[name] = rs[0] if len(rs) == 1 else rs
    out["total_seconds"] = round(time.monotonic() - started, 2)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if reports["questions"]:
        print_questions(reports["questions"])
    if reports["esco"]:
        if reports["questions"]:
            print()
        print_esco(reports["esco"])
    print(f"\nmodel {out['model']} loaded in {load_seconds:.1f} s; total {out['total_seconds']:.1f} s")
    if args.save_run is not None:
        print(f"run saved to {args.save_run}")
    return 0
