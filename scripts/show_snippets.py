"""Prints, for a fixed sample of questions, the snippet of the answering passage among the top results.

Usage: python scripts/show_snippets.py --index DIR [--n 20] [--split tune|heldout|all] [--top 5]
The sample is every k-th question of the split, so it spans all question types. For each question the script finds
the passage that answers it among the first --top results (what a user sees on the page) and checks that its snippet
holds the answer; whether that passage is ranked first is what the evaluation's MRR measures, and is shown too.
Exit code 1 if a snippet of an answering passage misses the answer."""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.errors import IndexUnavailable, ModelError  # noqa: E402
from indexer.search.searcher import open_searcher  # noqa: E402
from indexer.settings import get_settings  # noqa: E402
from indexer.tuning.evaluation import contains_answer, load_questions  # noqa: E402
from service.answers import answer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=get_settings().index_dir)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--split", default="tune", choices=["tune", "heldout", "all"])
    parser.add_argument("--top", type=int, default=5, help="how many results a user sees at once")
    args = parser.parse_args()
    settings = get_settings()
    try:
        searcher = open_searcher(args.index, settings)
    except (IndexUnavailable, ModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    questions = load_questions(ROOT / "tests" / "eval" / "questions.jsonl", split=args.split)
    sample = questions[:: max(1, len(questions) // args.n)][: args.n]
    held = absent = first = 0
    for q in sample:
        results = answer(searcher, q.query, k=args.top).results
        hit = next((r for r in results if r.doc_id == q.doc and contains_answer(r.text, q.answer)), None)
        if hit is None:
            absent += 1
            print(f"n/a  [{q.type}] {q.query}\n       answering passage not in the top {args.top}\n")
            continue
        plain = html.unescape(re.sub(r"</?mark>", "", hit.snippet))
        ok = contains_answer(plain, q.answer)
        held += ok
        first += hit.rank == 1
        print(
            f"{'ok  ' if ok else 'MISS'} [{q.type}] {q.query}\n       #{hit.rank} {hit.title} › {hit.section}\n"
            f"       {hit.snippet}\n"
        )
    found = len(sample) - absent
    print(
        f"{held}/{found} snippets of answering passages hold the answer ({first} of them ranked first; "
        f"{absent} of {len(sample)} questions without an answering passage in the top {args.top})"
    )
    return 1 if held < found else 0


if __name__ == "__main__":
    sys.exit(main())
