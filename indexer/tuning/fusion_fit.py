"""Learning the fusion weights: each query's candidate signals are collected once, then re-scored in numpy for any
weights; coordinate ascent on MRR@10 with k-fold cross-validation (scripts/fit_ranking.py --fusion runs it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from indexer.ranking import Fusion
from indexer.search.fusion import Signals, fuse

K = 10
# The weights the fit learns (`dense` stays 1: it sets the scale) and the values each may take.
LEARNED = ("sentence", "lexical", "lead")
GRID = (0.0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
SWEEPS = 4


@dataclass
class Judged:
    """One query's candidates and which of them answer it."""

    group: str  # the question set it comes from ("tune", "esco"): sets weigh equally in the objective
    signals: Signals
    relevant: np.ndarray  # bool per candidate
    docs: np.ndarray  # the document number of each candidate (for the per-document cap)
    per_doc: int  # results per document, as the set is evaluated (2 for questions, 1 for ESCO)


def reciprocal_rank(j: Judged, w: Fusion, k: int = K) -> float:
    """1 / rank of the first relevant result among the first k, with at most j.per_doc results per document."""
    order = np.lexsort((j.signals.rows, -fuse(j.signals, w)))
    taken: dict[int, int] = {}
    rank = 0
    for i in order:
        d = int(j.docs[i])
        if taken.get(d, 0) >= j.per_doc:
            continue
        taken[d] = taken.get(d, 0) + 1
        rank += 1
        if j.relevant[i]:
            return 1.0 / rank
        if rank >= k:
            break
    return 0.0


def per_query(judged: Sequence[Judged], w: Fusion) -> np.ndarray:
    return np.array([reciprocal_rank(j, w) for j in judged])


def objective(judged: Sequence[Judged], w: Fusion) -> float:
    """Mean MRR@10 over the question sets, each set weighing the same whatever its size."""
    rr = per_query(judged, w)
    groups = np.array([j.group for j in judged])
    return float(np.mean([rr[groups == g].mean() for g in sorted(set(groups))]))


def coordinate_ascent(
    judged: Sequence[Judged], start: Fusion, names: Sequence[str], log: Callable[[str], None] | None = None
) -> tuple[Fusion, float]:
    """The weights that maximise the objective, one weight at a time over GRID until a sweep changes nothing; a
    tie keeps the current value."""
    w, best = start, objective(judged, start)
    for sweep in range(SWEEPS):
        changed = False
        for name in names:
            for value in GRID:
                if value == getattr(w, name):
                    continue
                trial = replace(w, **{name: value})
                score = objective(judged, trial)
                if score > best + 1e-9:
                    w, best, changed = trial, score, True
        if log:
            log(f"  sweep {sweep + 1}: {best:.4f} {[(n, getattr(w, n)) for n in names]}")
        if not changed:
            break
    return w, best


def folds(judged: Sequence[Judged], k: int, seed: int = 7) -> np.ndarray:
    """A fold number per query, each question set spread evenly over the folds."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(judged), dtype=int)
    groups = np.array([j.group for j in judged])
    for g in sorted(set(groups)):
        idx = np.flatnonzero(groups == g)
        out[rng.permutation(idx)] = np.arange(len(idx)) % k
    return out


def cross_validate(judged: Sequence[Judged], start: Fusion, names: Sequence[str], k: int) -> tuple[np.ndarray, list]:
    """Each query's reciprocal rank under weights fitted without its fold, and each fold's weights."""
    fold = folds(judged, k)
    rr = np.zeros(len(judged))
    fitted = []
    for f in range(k):
        train = [j for j, x in zip(judged, fold, strict=True) if x != f]
        w, _ = coordinate_ascent(train, start, names)
        test = np.flatnonzero(fold == f)
        rr[test] = per_query([judged[i] for i in test], w)
        fitted.append({n: getattr(w, n) for n in names})
    return rr, fitted
