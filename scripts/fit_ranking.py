"""Fits the relevance model of indexer/ranking.json (the "no good match" decision) on judged questions, with k-fold
cross-validation, and writes it; the fusion weights in the file are kept. With --fusion it fits the fusion weights
instead (and keeps the relevance model).

Data: the tune split of tests/eval/questions.jsonl and tests/eval/in_scope_train.jsonl (answerable),
tests/eval/no_match_train.jsonl and no_match_near.jsonl (questions the corpus cannot answer), seeded gibberish,
and, with --esco, questions about ESCO tune occupations that no document covers (seed 99; read at fit time, never
stored). A logistic regression learns, from each question's first result, whether
the question is answered; the searcher applies it to every result it returns (`relevance`) and answers "no good
match" when the best is under the threshold, which is chosen the same way: the highest that flags at most
--max-flagged of the answerable questions, out of fold. Every subset of up to --max-features of the features in
indexer/search/relevance.py is tried; the one that flags the most unanswerable questions out of fold is kept.

Fusion (--fusion): every weight of the hybrid score but `dense` (the scale), by coordinate ascent on MRR@10 over the
tune split (per_doc=2, judged by passage) and labels of the ESCO tune occupations (split_occupations: neither
trained on nor reported; per_doc=1, judged by document), the two sets weighing the same. Each query's candidates and
their signals are collected once and re-scored in numpy (indexer/tuning/fusion_fit.py); out-of-fold MRR@10 is reported.

Usage: python scripts/fit_ranking.py --index DIR [--esco ../shared/esco/occupations_en.csv] [--write]
       python scripts/fit_ranking.py --fusion --index DIR --esco ../shared/esco/occupations_en.csv [--write]"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.builds.snapshot import open_snapshot  # noqa: E402
from indexer.ranking import RANKING_FILE, RankingConfig, Relevance, load_ranking, save_ranking  # noqa: E402
from indexer.search.relevance import FEATURES, probability  # noqa: E402
from indexer.search.searcher import Searcher  # noqa: E402
from indexer.settings import get_settings  # noqa: E402
from indexer.tuning.evaluation import (  # noqa: E402
    Question,
    esco_index,
    esco_queries,
    load_questions,
    passage_qrels,
    read_esco,
    split_occupations,
)
from indexer.tuning.fusion_fit import LEARNED, Judged, coordinate_ascent, cross_validate, per_query  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "eval"
# training only: answerable questions in more forms than the tune split's, and unanswerable ones (no_match_near: careers
# and HR topics next to the corpus's)
POSITIVES = EVAL / "in_scope_train.jsonl"
NEGATIVES = (EVAL / "no_match_train.jsonl", EVAL / "no_match_near.jsonl")
K = 10  # results judged per question
FOLDS = 5
ESCO_SEED = 99  # the ESCO tuning seed; the evaluation samples with 13
# ESCO labels closer than this to a document's name are often that career under another name ("specialist nurse"),
# below it they are other careers ("foundry manager", "lift engineer"): read from a sample of 600, seed 99
FAR_FROM_NAMES = 0.52
ESCO_TUNING = 2000  # labels of the ESCO tune occupations the fusion fit asks (seed ESCO_SEED)
TEMPLATES = ("what does a {} do", "{} salary", "how do I become a {}", "{}", "skills needed for a {}")


@dataclass
class Asked:
    """One question put to the searcher: its group (tune, no_match_train kind, gibberish, esco) and judged doc."""

    id: str
    query: str
    doc: str | None  # None: the corpus cannot answer it
    group: str


def gibberish(n: int, seed: int = 5) -> list[Asked]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(rng.randint(1, 4))]
        out.append(Asked(f"gib-{i}", " ".join(words), None, "gibberish"))
    return out


def esco_others(searcher: Searcher, csv_path: Path, n: int) -> list[Asked]:
    """Questions about ESCO occupations whose label is far from every document's name (cosine below FAR_FROM_NAMES)."""
    names = searcher.snapshot.name_vectors
    tune = split_occupations(read_esco(csv_path))["tune"]  # never the report occupations
    occupations = random.Random(ESCO_SEED).sample(tune, min(len(tune), 4 * n))
    labels = [o.label for o in occupations]
    sims = searcher.embedder.encode(labels) @ names.T
    far = [label for label, s in zip(labels, sims.max(axis=1), strict=True) if s < FAR_FROM_NAMES][:n]
    rng = random.Random(ESCO_SEED)
    return [Asked(f"esco-{i}", rng.choice(TEMPLATES).format(label), None, "esco") for i, label in enumerate(far)]


@dataclass
class Collected:
    """Every result's features (in FEATURES order), the question it answers (its number) and its rank."""

    x: np.ndarray
    groups: np.ndarray
    ranks: np.ndarray
    right_doc: np.ndarray  # the result is from the judged document

    def split(self, keep: np.ndarray) -> Collected:
        """The results of the questions kept (a mask over questions), the questions numbered anew."""
        number = np.cumsum(keep) - 1
        rows = keep[self.groups]
        return Collected(self.x[rows], number[self.groups[rows]], self.ranks[rows], self.right_doc[rows])

    def training(self, per_question: bool, answerable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows to fit on: first results labelled by whether their question is answerable (per_question), or every
        result labelled by whether it is from the judged document."""
        if per_question:
            first = self.ranks == 1
            return first, answerable[self.groups[first]].astype(int)
        return np.ones(len(self.x), bool), self.right_doc.astype(int)


def collect(searcher: Searcher, asked: list[Asked]) -> Collected:
    rows, groups, ranks, right = [], [], [], []
    for i, a in enumerate(asked):
        for h in searcher.search(a.query, k=K):
            rows.append([h.features[f] for f in FEATURES])
            groups.append(i)
            ranks.append(h.rank)
            right.append(a.doc is not None and h.passage.doc_id == a.doc)
    return Collected(np.array(rows), np.array(groups), np.array(ranks), np.array(right))


def fit(x: np.ndarray, y: np.ndarray) -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / std, y)
    return model, mean, std


def best_per_question(p: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    best = np.zeros(n)  # a question without results has probability 0: flagged
    np.maximum.at(best, groups, p)
    return best


def threshold_for(best_in_scope: np.ndarray, max_flagged: float) -> float:
    """The highest threshold that flags at most max_flagged of the in-scope questions."""
    allowed = int(np.floor(max_flagged * len(best_in_scope)))
    return float(np.sort(best_in_scope)[allowed]) if allowed < len(best_in_scope) else 1.0


def out_of_fold(
    data: Collected, in_scope: np.ndarray, cols: list[int], max_flagged: float, per_question: bool
) -> tuple[float, np.ndarray]:
    """Out-of-fold best probability per question (over its results, as the searcher decides) and the threshold
    chosen on it; folds split questions, never one question's results."""
    use, y = data.training(per_question, in_scope)
    p = np.zeros(len(data.x))
    for _, test_q in GroupKFold(FOLDS).split(in_scope, in_scope, np.arange(len(in_scope))):
        held = np.isin(data.groups, test_q)
        train = use & ~held
        model, mean, std = fit(data.x[train][:, cols], y[train[use]])
        p[held] = model.predict_proba((data.x[held][:, cols] - mean) / std)[:, 1]
    best = best_per_question(p, data.groups, len(in_scope))
    return threshold_for(best[in_scope], max_flagged), best


def rates(best: np.ndarray, threshold: float, asked: list[Asked]) -> dict[str, float]:
    out: dict[str, list[bool]] = {}
    for b, a in zip(best, asked, strict=True):
        out.setdefault(a.group, []).append(bool(b < threshold))
    return {g: round(float(np.mean(v)), 3) for g, v in sorted(out.items())}


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index of the default corpus")
    parser.add_argument("--esco", type=Path, help="ESCO occupations_en.csv: also ask about occupations not covered")
    parser.add_argument("--esco-questions", type=int, default=150)
    # 1% out of fold, so that the 3% holds on questions the fit never saw
    parser.add_argument("--max-flagged", type=float, default=0.01, help="in-scope share flagged out of fold")
    parser.add_argument("--max-features", type=int, default=5, help="largest feature subset tried")
    parser.add_argument(
        "--per-result",
        dest="per_question",
        action="store_false",
        help="fit on every result (is it from the judged document) instead of first results (is the question "
        "answerable); per question did better out of fold",
    )
    parser.add_argument(
        "--leave-out",
        type=lambda v: set(v.split(",")),
        default=set(),
        metavar="GROUPS",
        help="fit without these groups' questions (esco, or the hand-written kinds: other_career, hr_policy, "
        "other_language, off_topic, gibberish) and report how many of them the fitted model flags: does it hold on "
        "questions of a source it never saw",
    )
    parser.add_argument("--write", action="store_true", help=f"write the fitted model into {RANKING_FILE.name}")
    parser.add_argument("--fusion", action="store_true", help="fit the fusion weights instead (needs --esco)")
    args = parser.parse_args(argv)
    if args.fusion and not args.esco:
        parser.error("--fusion needs --esco")
    if args.leave_out and args.write:
        parser.error("--leave-out is a report: a model to write is fitted on every question")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    settings = get_settings()
    config = load_ranking()
    if args.fusion:
        return fit_fusion(args, settings, config)
    from indexer.embed import get_embedder

    snapshot = open_snapshot(args.index)
    searcher = Searcher(snapshot, get_embedder(settings), config)
    asked = questions_asked(searcher, args)
    started = time.monotonic()
    data = collect(searcher, asked)
    in_scope = np.array([a.doc is not None for a in asked])
    took = time.monotonic() - started
    print(f"{len(asked)} questions ({in_scope.sum()} in scope), {len(data.x)} results, {took:.0f} s")
    held, held_asked = None, []
    if args.leave_out:
        (data, asked), (held, held_asked) = split_groups(data, asked, args.leave_out)
        in_scope = np.array([a.doc is not None for a in asked])
        print(f"left out of the fit: {len(held_asked)} questions of {sorted(args.leave_out)}")
    caught, subset, threshold, best = best_subset(data, in_scope, args)
    print(f"chosen {[FEATURES[i] for i in subset]}: out of fold, flagged per group {rates(best, threshold, asked)}")
    relevance = fitted_relevance(data, in_scope, subset, asked, caught, args)
    print(json.dumps(relevance.__dict__, indent=1, default=list))
    if held is not None:
        p = np.array([probability(relevance, dict(zip(FEATURES, row, strict=True))) for row in held.x])
        flagged = rates(best_per_question(p, held.groups, len(held_asked)), relevance.threshold, held_asked)
        print(f"left-out questions flagged by the model fitted without them, per group: {flagged}")
    if args.write:
        save_ranking(replace(config, relevance=relevance))
        print(f"written to {RANKING_FILE}; rebuild the index so that builds record it")
    snapshot.close()
    return 0


def split_groups(
    data: Collected, asked: list[Asked], groups: set[str]
) -> tuple[tuple[Collected, list[Asked]], tuple[Collected, list[Asked]]]:
    """The questions of other groups and those of these groups, each with its results."""
    left = np.array([a.group in groups for a in asked])
    return (data.split(~left), [a for a in asked if a.group not in groups]), (
        data.split(left),
        [a for a in asked if a.group in groups],
    )


def questions_asked(searcher: Searcher, args: argparse.Namespace) -> list[Asked]:
    """The answerable questions (tune split, in-scope training set) and the unanswerable ones (each kind's file,
    gibberish, and with --esco occupations the corpus does not cover)."""
    asked = [Asked(q.id, q.query, q.doc, "tune") for q in load_questions(EVAL / "questions.jsonl", split="tune")]
    asked += [Asked(q.id, q.query, q.doc, "in_scope_train") for q in load_questions(POSITIVES, "all")]
    negatives = [json.loads(line) for path in NEGATIVES for line in path.read_text().splitlines() if line.strip()]
    asked += [Asked(n["id"], n["query"], None, n["kind"]) for n in negatives]
    asked += gibberish(30)
    if args.esco:
        asked += esco_others(searcher, args.esco, args.esco_questions)
    return asked


def best_subset(
    data: Collected, in_scope: np.ndarray, args: argparse.Namespace
) -> tuple[float, tuple[int, ...], float, np.ndarray]:
    """The feature subset that flags the most unanswerable questions out of fold (the smaller on a tie): the share
    flagged, the subset, its threshold and each question's best result's probability."""
    tried = []
    for size in range(1, args.max_features + 1):
        for subset in combinations(range(len(FEATURES)), size):
            threshold, best = out_of_fold(data, in_scope, list(subset), args.max_flagged, args.per_question)
            caught = float(np.mean(best[~in_scope] < threshold))
            tried.append((caught, -size, subset, threshold, best))
    tried.sort(key=lambda t: (t[0], t[1]), reverse=True)
    for caught, _, subset, _, _ in tried[:8]:
        print(f"  {caught:.3f} of unanswerable flagged  {[FEATURES[i] for i in subset]}")
    caught, _, subset, threshold, best = tried[0]
    return caught, subset, threshold, best


def fitted_relevance(
    data: Collected,
    in_scope: np.ndarray,
    subset: tuple[int, ...],
    asked: list[Asked],
    caught: float,
    args: argparse.Namespace,
) -> Relevance:
    """The model fitted on every question with the chosen features, its threshold set on them."""
    use, y = data.training(args.per_question, in_scope)
    model, mean, std = fit(data.x[use][:, list(subset)], y)
    p = model.predict_proba((data.x[:, list(subset)] - mean) / std)[:, 1]
    full_best = best_per_question(p, data.groups, len(asked))
    kinds = ", ".join(sorted({a.group for a in asked} - {"tune", "in_scope_train"}))
    return Relevance(
        features=tuple(FEATURES[i] for i in subset),
        weights=tuple(round(float(w), 6) for w in model.coef_[0]),
        bias=round(float(model.intercept_[0]), 6),
        scale_mean=tuple(round(float(m), 6) for m in mean),
        scale_std=tuple(round(float(s), 6) for s in std),
        threshold=round(threshold_for(full_best[in_scope], args.max_flagged), 6),
        fitted=(
            f"{time.strftime('%Y-%m-%d')}: scripts/fit_ranking.py on {in_scope.sum()} answerable questions (tune, "
            f"in_scope_train) and {(~in_scope).sum()} unanswerable ones ({kinds}); "
            f"{FOLDS}-fold out of fold: {caught:.3f} of unanswerable flagged at {args.max_flagged:.0%} of in-scope"
        ),
    )


def judged_questions(searcher: Searcher, questions: list[Question], group: str, per_doc: int) -> list[Judged]:
    """Each question's candidates as the searcher fuses them, with the answering ones marked: by passage (questions
    with an answer string) or by document."""
    snap = searcher.snapshot
    qrels = passage_qrels(snap, questions) if group == "tune" else {}
    n = searcher.pool_size(K, per_doc)
    out = []
    for q in questions:
        c = searcher.candidates(searcher.question(q.query), n)
        passages = [snap.passages[row] for row in c.signals.rows.tolist()]
        relevant = qrels.get(q.id, {}) if group == "tune" else None
        hit = [p.passage_id in relevant if relevant is not None else p.doc_id == q.doc for p in passages]
        docs = [snap.doc_number[p.doc_id] for p in passages]
        out.append(Judged(group, c.signals, np.array(hit, dtype=bool), np.array(docs), per_doc))
    return out


def fit_fusion(args: argparse.Namespace, settings, config: RankingConfig) -> int:
    """Fits the fusion weights on tune and the ESCO tuning samples, reports out of fold, writes with --write."""
    from indexer.embed import get_embedder

    embedder = get_embedder(settings)
    started = time.monotonic()
    snapshot = open_snapshot(args.index)
    tune = load_questions(EVAL / "questions.jsonl", split="tune")
    judged = judged_questions(Searcher(snapshot, embedder, config), tune, "tune", 2)
    occupations = read_esco(args.esco)
    # labels of the tune occupations only: the report ones are evaluated, the train ones taught the career model
    esco = esco_queries(split_occupations(occupations)["tune"], ESCO_TUNING, seed=ESCO_SEED)
    esco_snapshot = open_snapshot(esco_index(args.esco, settings, occupations)[0])
    judged += judged_questions(Searcher(esco_snapshot, embedder, config), esco, "esco", 1)
    print(f"{len(judged)} queries' candidates collected in {time.monotonic() - started:.0f} s")

    names = LEARNED
    groups = np.array([j.group for j in judged])
    before = per_query(judged, config.fusion)
    rr, per_fold = cross_validate(judged, config.fusion, names, FOLDS)
    summary = {str(g): f"{before[groups == g].mean():.3f} -> {rr[groups == g].mean():.3f}" for g in sorted(set(groups))}
    print(f"MRR@10, current weights -> {FOLDS}-fold out of fold: {summary}")
    for f, w in enumerate(per_fold):
        print(f"  fold {f}: {w}")
    fusion, best = coordinate_ascent(judged, config.fusion, names, log=print)
    fusion = replace(
        fusion,
        fitted=(
            f"{time.strftime('%Y-%m-%d')}: scripts/fit_ranking.py --fusion on {int((groups == 'tune').sum())} tune "
            f"questions and {int((groups == 'esco').sum())} labels of the ESCO tune occupations; MRR@10 current -> "
            f"{FOLDS}-fold out of fold: " + ", ".join(f"{g} {v}" for g, v in summary.items())
        ),
    )
    print(json.dumps(fusion.__dict__, indent=1))
    if args.write:
        save_ranking(replace(config, fusion=fusion))
        print(f"written to {RANKING_FILE}; rebuild the index so that builds record it")
    snapshot.close()
    esco_snapshot.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
