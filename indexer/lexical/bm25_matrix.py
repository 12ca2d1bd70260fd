"""BM25 as SQLite FTS5 scores it, held as a term-by-row matrix in the build folder (memory-mapped numpy arrays):
a query adds up the rows of its few terms' postings instead of FTS5 scoring every matching row one by one, so its
cost follows the postings of its words, not a cursor over the whole index."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from indexer.lexical.base import LexicalRow, LexicalStore
from indexer.lexical.row_terms import RowTerms, weigh
from indexer.lexical.sqlite_fts import WEIGHTS
from indexer.lexical.tokens import tokenize
from indexer.lexical.vocabulary import Vocabulary, write_vocabulary

BATCH = 2048  # rows tokenized at once
# in the build folder: where each term's postings start (one more than terms), and the postings' rows and weights
OFFSETS, ROWS, WEIGHTS_FILE = "lexical-offsets.npy", "lexical-rows.npy", "lexical-weights.npy"


def _batches(rows: Iterable[LexicalRow]) -> Iterator[list[LexicalRow]]:
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        yield batch


class Bm25MatrixStore(LexicalStore):
    kind = "bm25-matrix"

    def __init__(self, folder: Path, vocabulary: Vocabulary, rows: int) -> None:
        self.rows = rows
        self._vocabulary = vocabulary
        try:
            self._offsets = np.load(folder / OFFSETS, mmap_mode="r")
            self._rows = np.load(folder / ROWS, mmap_mode="r")
            self._weights = np.load(folder / WEIGHTS_FILE, mmap_mode="r")
        except (OSError, ValueError) as exc:
            vocabulary.close()
            raise ValueError(f"lexical matrix in {folder.name}: {exc}") from None
        if len(self._rows) != len(self._weights) or not len(self._offsets) or self._offsets[-1] != len(self._rows):
            vocabulary.close()
            raise ValueError(f"lexical matrix in {folder.name} is inconsistent (its arrays disagree)")

    @classmethod
    def write(cls, path: Path, rows: Iterable[LexicalRow], **params: str) -> dict:
        """The matrix's arrays go next to path (the build's SQLite file), the vocabulary into it. Rows stream in
        batches, counted as they come and weighed once the mean length is known."""
        table = RowTerms(WEIGHTS)
        counted = [
            table.count(
                tokenize([t for r in batch for t in (r.title, r.aliases, r.section, r.text)]),
                np.array([r.row for r in batch]),
            )
            for batch in _batches(rows)
        ]
        w = weigh(counted, len(table.ids))
        order = np.lexsort((w.owner, w.term))
        counts = np.bincount(w.term, minlength=w.terms)
        folder = path.parent
        np.save(folder / OFFSETS, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        np.save(folder / ROWS, w.owner[order])
        np.save(folder / WEIGHTS_FILE, w.weight[order])
        write_vocabulary(path, zip(table.names(), range(w.terms), counts.tolist(), strict=True))
        return {"kind": cls.kind, "rows": w.rows}

    @classmethod
    def open(cls, path: Path, **params: str) -> Bm25MatrixStore:
        return cls(path.parent, Vocabulary(path), int(params.get("rows", 0)))

    def search(self, words: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        weights = self._vocabulary.query_weights(words, self.rows)
        if not weights or n <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        scores = np.zeros(self.rows)
        for term, weight in weights.items():
            start, end = int(self._offsets[term]), int(self._offsets[term + 1])
            scores[self._rows[start:end]] += weight * self._weights[start:end]  # a row occurs once per term
        if allowed is not None:  # only allowed rows are ranked
            found = np.asarray(allowed, dtype=np.int64)
            found = found[scores[found] > 0]
        else:
            found = np.flatnonzero(scores > 0)
        if len(found) > n:
            found = found[np.argpartition(-scores[found], n - 1)[:n]]
        found = found[np.lexsort((found, -scores[found]))]
        return [(int(r), float(scores[r])) for r in found]

    def token_rows(self) -> dict[str, int]:
        return self._vocabulary.token_rows()

    def config(self) -> dict:
        return {"kind": self.kind, "rows": self.rows}

    def close(self) -> None:
        self._vocabulary.close()
