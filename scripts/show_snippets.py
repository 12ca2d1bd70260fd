"""Prints the top result's snippet for a fixed sample of questions and whether it holds the answering sentence.

Usage: python scripts/show_snippets.py --index DIR [--n 20] [--split tune|heldout|all]
The sample is every k-th question of the split, so it spans all question types. Exit code 1 if a snippet of a
correct top result misses the answer (a top result from the wrong document is reported, not counted)."""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.embedder import get_embedder  # noqa: E402
from indexer.evaluation import contains_answer, load_questions  # noqa: E402
from indexer.search import Searcher  # noqa: E402
from indexer.settings import get_settings  # noqa: E402
from indexer.snapshot import open_snapshot  # noqa: E402
from service.answers import answer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=get_settings().index_dir)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--split", default="tune", choices=["tune", "heldout", "all"])
    args = parser.parse_args()
    settings = get_settings()
    searcher = Searcher(open_snapshot(args.index, expect_model=settings.model), get_embedder(settings))
    questions = load_questions(split=args.split)
    sample = questions[:: max(1, len(questions) // args.n)][: args.n]
    held = wrong_doc = 0
    for q in sample:
        top = answer(searcher, q.query, k=1).results[0]
        plain = html.unescape(re.sub(r"</?mark>", "", top.snippet))
        right_doc = top.doc_id == q.doc and contains_answer(top.text, q.answer)
        ok = contains_answer(plain, q.answer)
        held += ok
        wrong_doc += not right_doc
        verdict = "ok  " if ok else ("MISS" if right_doc else "n/a ")
        print(f"{verdict} [{q.type}] {q.query}\n       {top.title} › {top.section}\n       {top.snippet}\n")
    misses = len(sample) - held - wrong_doc
    print(f"{held}/{len(sample)} snippets hold the answer; {wrong_doc} top results not the answering passage")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
