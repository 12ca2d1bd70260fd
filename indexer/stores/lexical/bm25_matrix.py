"""BM25 as SQLite FTS5 scores it, held as a term-by-row matrix in the build folder (memory-mapped numpy arrays):
a query adds up the rows of its few terms' postings instead of FTS5 scoring every matching row one by one, so its
cost follows the postings of its words, not a cursor over the whole index."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.analysis.analyzer import Analyzer
from indexer.stores.lexical.base import LexicalRow, LexicalStore
from indexer.stores.lexical.row_terms import weigh_rows
from indexer.stores.lexical.vocabulary import Vocabulary, write_vocabulary

# in the build folder: where each term's postings start (one more than terms), and the postings' rows and weights
OFFSETS, ROWS, WEIGHTS_FILE = "lexical-offsets.npy", "lexical-rows.npy", "lexical-weights.npy"


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
    def write(
        cls, path: Path, rows: Iterable[LexicalRow], analyzer: Analyzer, fields: Sequence[float], **params: str
    ) -> dict:
        """The matrix's arrays go next to path (the build's SQLite file), the vocabulary into it."""
        w = weigh_rows(rows, fields, analyzer)
        order = np.lexsort((w.owner, w.term))
        folder = path.parent
        np.save(folder / OFFSETS, np.concatenate([[0], np.cumsum(w.holding)]).astype(np.int64))
        np.save(folder / ROWS, w.owner[order])
        np.save(folder / WEIGHTS_FILE, w.weight[order])
        write_vocabulary(path, w.vocabulary())
        return {"kind": cls.kind, "rows": w.rows, "fields": list(fields)}

    @classmethod
    def open(cls, path: Path, analyzer: Analyzer, **params: str) -> Bm25MatrixStore:
        return cls(path.parent, Vocabulary(path, analyzer), int(params.get("rows", 0)))

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
