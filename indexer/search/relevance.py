"""Evidence that a result answers its query, as numbers (features), and the fitted model that turns them into a
probability; `scripts/fit_ranking.py` fits the model, `indexer/ranking.json` holds it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from indexer.analysis.analyzer import smooth_idf
from indexer.ranking import Relevance

# Every feature the fit may choose from. Each is about the query's own distribution or its words, not an absolute
# score, so that it carries over to another corpus.
FEATURES = (
    "dense",  # the result's dense score (passage and best sentence cosine)
    "dense_lift",  # that score above the mean of the query's candidates
    "hit_coverage",  # share of the query's content words (IDF-weighted) in the result's title, path and text
    "pair_coverage",  # share of the query's adjacent content-word pairs found adjacent there (hit_coverage if none)
    "vocab_coverage",  # share of the query's content words (IDF-weighted) the corpus holds at all
    "name",  # cosine of the query with the result's document name (title and aliases)
    "best_name",  # the best such cosine over the candidates' documents
    "name_coverage",  # share of the query's content words (IDF-weighted) in the result's career title and aliases
    "rare_match",  # how rare the rarest query word the result holds is (its IDF over the highest IDF possible)
    "lead",  # 1 for a career's first passage (its overview), else 0
    "both_sides",  # how high both sides rank the result: 1/sqrt(dense rank x lexical rank), 0 if a side misses it
)


@dataclass
class QueryEvidence:
    """What is known about a query before its results are looked at one by one."""

    words: list[list[str]]  # each content word's tokens, as searched
    idf: list[float]  # their weights
    known: list[bool]  # whether the corpus holds each
    dense_mean: float  # mean dense score of the candidates
    best_name: float  # best name cosine over documents (0 without name vectors)
    max_idf: float  # the IDF of a word no text holds
    pairs: frozenset[str] = frozenset()  # its adjacent content-token pairs, as phrase terms


def coverage(weights: list[float], present: list[bool]) -> float:
    """The weighted share of words present; 0 for a query without content words."""
    total = sum(weights)
    return sum(w for w, p in zip(weights, present, strict=True) if p) / total if total else 0.0


def word_evidence(words: list[list[str]], token_df: dict[str, int], texts: int) -> tuple[list[float], list[bool]]:
    """Each query word's IDF (of its rarest token) and whether the corpus holds all its tokens; `words` are the
    words' tokens."""
    idf, known = [], []
    for toks in words:
        df = min((token_df.get(t, 0) for t in toks), default=0)
        idf.append(smooth_idf(texts, df))
        known.append(bool(toks) and all(t in token_df for t in toks))
    return idf, known


def words_present(words: list[list[str]], have: set[str]) -> list[bool]:
    """For each query word (its tokens), whether all its tokens are among a result's tokens."""
    return [bool(toks) and set(toks) <= have for toks in words]


def features(
    q: QueryEvidence,
    dense: float,
    hit_tokens: set[str],
    name_tokens: set[str],
    name: float,
    ranks: tuple[int | None, int | None],
    lead: bool,
) -> dict[str, float]:
    """The evidence for one result: `hit_tokens` are all its tokens and content-token pairs (title, aliases, heading
    path, text), `name_tokens` its career's title's and aliases', `name` the query's cosine with that name, `ranks`
    its (dense, lexical) ranks, `lead` whether it is its career's first passage."""
    present = words_present(q.words, hit_tokens)
    dense_rank, lexical_rank = ranks
    hit_coverage = coverage(q.idf, present)
    return {
        "dense": dense,
        "dense_lift": dense - q.dense_mean,
        "hit_coverage": hit_coverage,
        "pair_coverage": len(q.pairs & hit_tokens) / len(q.pairs) if q.pairs else hit_coverage,
        "vocab_coverage": coverage(q.idf, q.known),
        "name": name,
        "best_name": q.best_name,
        "name_coverage": coverage(q.idf, words_present(q.words, name_tokens)),
        "rare_match": max((w for w, p in zip(q.idf, present, strict=True) if p), default=0.0) / q.max_idf,
        "lead": float(lead),
        "both_sides": 1 / math.sqrt(dense_rank * lexical_rank) if dense_rank and lexical_rank else 0.0,
    }


def probability(model: Relevance, values: dict[str, float]) -> float | None:
    """The model's probability that the result answers; None for an unfitted model."""
    if not model.features:
        return None
    x = (np.array([values[f] for f in model.features]) - np.array(model.scale_mean)) / np.array(model.scale_std)
    z = float(np.dot(model.weights, x) + model.bias)
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def no_match(model: Relevance, best: float | None, any_results: bool) -> bool:
    """No result at all, or the best result's probability below the fitted threshold (an unfitted model never
    flags a query that has results)."""
    if not any_results:
        return True
    return best is not None and bool(model.features) and best < model.threshold
