"""The one ranking configuration: every weight and threshold the searcher uses, read from `ranking.json`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

RANKING_FILE = Path(__file__).with_name("ranking.json")


@dataclass(frozen=True)
class Fusion:
    """How the dense and lexical sides and the career-name signals add up to one score."""

    dense: float = 1.0
    lexical: float = 0.2  # BM25 divided by the best BM25 of the query
    lead: float = 0.2  # a career's lead passage, when the query names only that career
    sentence: float = 0.5  # share of the dense score that comes from a passage's best-matching sentence
    name: float = 0.2  # similarity to the document's name vector, for a query that reads like a job title
    lexical_title: float = 0.1  # the lexical weight for such a query
    candidates: int = 100  # passages each side hands to the fusion
    name_word_factor: float = 0.1  # a career's own name words, within that career, in term weights (snippets)
    fitted: str = ""  # what the fit of these weights found (scripts/fit_ranking.py --fusion)


@dataclass(frozen=True)
class Relevance:
    """A logistic model of "this result's page answers the question", over the features in indexer/search/relevance.py;
    a query whose best result is below `threshold` is answered "no good match"."""

    features: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()
    bias: float = 0.0
    scale_mean: tuple[float, ...] = ()  # features are standardised with these before the weights apply
    scale_std: tuple[float, ...] = ()
    threshold: float = 0.0  # 0: nothing is ever flagged (an unfitted model)
    fitted: str = ""  # what it was fitted on, when, and how it did out of fold

    def __post_init__(self) -> None:
        n = len(self.features)
        if not (len(self.weights) == len(self.scale_mean) == len(self.scale_std) == n):
            raise ValueError("relevance: features, weights, scale_mean and scale_std must have the same length")


@dataclass(frozen=True)
class RankingConfig:
    fusion: Fusion = field(default_factory=Fusion)
    relevance: Relevance = field(default_factory=Relevance)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RankingConfig:
        rel = data.get("relevance") or {}
        return cls(
            fusion=Fusion(**(data.get("fusion") or {})),
            relevance=Relevance(**{k: tuple(v) if isinstance(v, list) else v for k, v in rel.items()}),
        )


def load_ranking(path: Path = RANKING_FILE) -> RankingConfig:
    """The configuration in `path`; a missing or unreadable file is an error, never a silent default."""
    try:
        return RankingConfig.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"ranking configuration {path} cannot be read: {exc}") from exc


def save_ranking(config: RankingConfig, path: Path = RANKING_FILE) -> None:
    path.write_text(json.dumps(config.to_dict(), indent=2) + "\n")
