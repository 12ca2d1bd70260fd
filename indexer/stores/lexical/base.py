"""What a lexical store does: rank rows by how well their fields match a query's words (higher is better)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from indexer.analysis.analyzer import Analyzer

K1, B = 1.2, 0.75  # FTS5's bm25() constants: the stores that score without FTS5 score as it does


@dataclass
class LexicalRow:
    """The searchable fields of one passage row."""

    row: int
    title: str
    aliases: str
    section: str
    text: str
    doc_id: str = ""


class LexicalStore(ABC):
    kind: ClassVar[str]  # the name in settings and manifests

    @classmethod
    @abstractmethod
    def write(
        cls, path: Path, rows: Iterable[LexicalRow], analyzer: Analyzer, fields: Sequence[float], **params: str
    ) -> dict:
        """Writes the index of these rows into the build's folder at path (or where params say), its fields weighted
        by `fields` (title, aliases, section, text: the ranking configuration's); returns what the manifest records
        to open it again (its config, which records the field weights)."""

    @classmethod
    @abstractmethod
    def open(cls, path: Path, analyzer: Analyzer, **params: str) -> LexicalStore:
        """The index written at path (params: the config write returned), read-only, safe to share between request
        threads; query words are read with `analyzer` (the snapshot's)."""

    @abstractmethod
    def search(self, words: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The n rows that best match any of the words (each a literal word, never query syntax), best first; with
        `allowed` (row numbers), only among those."""

    @abstractmethod
    def token_rows(self) -> dict[str, int]:
        """How many rows hold each token (the lexical tokenizer's, in any field): the relevance model's document
        frequencies, read from what the store already counted."""

    def config(self) -> dict:
        return {"kind": self.kind}

    def unreachable(self) -> str | None:
        """Why the store cannot answer now (a network store's server is down), else None."""
        return None

    def close(self) -> None:  # noqa: B027 - backends without resources need nothing
        pass
