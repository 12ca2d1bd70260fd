"""The fusion: each candidate passage's signals and the weighted sum that ranks them, shared by the searcher and the
fit (scripts/fit_ranking.py re-scores collected signals with other weights, without searching again)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.ranking import Fusion


@dataclass
class Signals:
    """What one query's candidate passages offer the fusion: one array entry per candidate."""

    rows: np.ndarray  # passage rows
    passage: np.ndarray  # cosine of the query with the passage's vector
    sentence: np.ndarray  # cosine with the passage's best sentence (its passage cosine when it has none)
    lexical: np.ndarray  # BM25 over the query's best BM25, 0 where the lexical side missed the passage
    lead: np.ndarray  # 1 for the lead passage of a career the query names by itself, else 0
    name: np.ndarray  # cosine with the document's name vector when the query reads like a job title, else 0
    title_like: bool  # whether the query reads like a job title


def dense_scores(s: Signals, w: Fusion) -> np.ndarray:
    """The dense side alone: passage and best-sentence cosines, the sentence's share from the configuration."""
    return (1 - w.sentence) * s.passage + w.sentence * s.sentence


def fuse(s: Signals, w: Fusion) -> np.ndarray:
    """Each candidate's hybrid score: the weighted sum of its signals."""
    lexical = w.lexical_title if s.title_like else w.lexical
    return w.dense * dense_scores(s, w) + lexical * s.lexical + w.lead * s.lead + w.name * s.name
