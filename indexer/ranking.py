"""The one ranking configuration: every weight and threshold of lexical scoring, fusion, relevance and snippets, read
from `ranking.json` and recorded in each build, which serves the configuration it was made with."""

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
    candidates: int = 100  # passages each side hands to the fusion (at least)
    pool_factor: int = 3  # ... and at least this many times the results a page can show (k x per career)
    title_max_words: int = 5  # a query of at most this many words that asks nothing reads like a job title
    fitted: str = ""  # what the fit of these weights found (scripts/fit_ranking.py --fusion)


@dataclass(frozen=True)
class Lexical:
    """BM25's field weights (title, aliases, heading path, text): a word in the career's name says more than one in
    its text. Stores that score without FTS5 bake them in at build time; every store records them."""

    fields: tuple[float, ...] = (4.0, 3.0, 1.5, 1.0)


@dataclass(frozen=True)
class Snippets:
    """How a snippet's sentences are chosen, against the query words' IDF weights (tuned on the tune split's
    answering passages: the snippet holds the answer 0.71 of the time with words alone, 0.82 with these)."""

    semantic: float = 15.0  # a sentence's cosine similarity to the query
    adjacent: float = 1.5  # the sentence right after the best one, as the second
    figures: float = 1.0  # a sentence with a number, when the query asks for one ("how much")
    name_word_factor: float = 0.1  # a career's own name words, within that career (every sentence is about it)
    word_floor: float = 0.1  # added to every query word's weight: a word in every passage still counts a little
    max_sentences: int = 3
    max_chars: int = 400


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
    lexical: Lexical = field(default_factory=Lexical)
    fusion: Fusion = field(default_factory=Fusion)
    relevance: Relevance = field(default_factory=Relevance)
    snippets: Snippets = field(default_factory=Snippets)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RankingConfig:
        def tuples(part: str) -> dict:  # a section left out (a build made before it existed) takes the defaults
            return {k: tuple(v) if isinstance(v, list) else v for k, v in (data.get(part) or {}).items()}

        fusion = tuples("fusion")
        snippets = tuples("snippets")
        if "name_word_factor" in fusion:  # where builds made before snippets had a section kept it
            snippets.setdefault("name_word_factor", fusion.pop("name_word_factor"))
        return cls(
            lexical=Lexical(**tuples("lexical")),
            fusion=Fusion(**fusion),
            relevance=Relevance(**tuples("relevance")),
            snippets=Snippets(**snippets),
        )


def load_ranking(path: Path = RANKING_FILE) -> RankingConfig:
    """The configuration in `path`; a missing or unreadable file is an error, never a silent default."""
    try:
        return RankingConfig.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"ranking configuration {path} cannot be read: {exc}") from exc


def save_ranking(config: RankingConfig, path: Path = RANKING_FILE) -> None:
    path.write_text(json.dumps(config.to_dict(), indent=2) + "\n")
