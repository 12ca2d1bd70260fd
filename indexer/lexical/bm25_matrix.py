"""BM25 as SQLite FTS5 scores it, held as a term-by-row matrix in the build folder (memory-mapped numpy arrays):
a query adds up the rows of its few terms' postings instead of FTS5 scoring every matching row one by one, so its
cost follows the postings of its words, not a cursor over the whole index."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from indexer.lexical.base import LexicalRow, LexicalStore
from indexer.lexical.sqlite_fts import WEIGHTS
from indexer.lexical.tokens import K1, B, phrase_term, tokenize
from indexer.lexical.vocabulary import Vocabulary, write_vocabulary

BATCH = 2048  # rows tokenized at once
# in the build folder: where each term's postings start (one more than terms), and the postings' rows and weights
OFFSETS, ROWS, WEIGHTS_FILE = "lexical-offsets.npy", "lexical-rows.npy", "lexical-weights.npy"


def _batches(rows: Iterable[LexicalRow]) -> Iterator[list[LexicalRow]]:
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        yield batch


_FIELD_WEIGHTS = np.array(WEIGHTS)
_PAIR = 32  # a pair's key: (first token's number + 1) << 32 | second token's number; a single token's: its number


@dataclass
class _Counted:
    """One batch's entries, one per distinct term of each row, and its rows' lengths."""

    owner: np.ndarray  # the entry's row
    term: np.ndarray  # its term number
    freq: np.ndarray  # the term's field-weighted frequency in the row
    rows: np.ndarray  # the batch's row numbers
    lengths: np.ndarray  # and their lengths in tokens (all fields)


class _Terms:
    """Term numbers in order of first appearance, and each batch's term frequencies per row, counted as
    `tokens.row_terms` counts them (each token and each adjacent pair within a field, weighted by field) but in
    numpy: at 100k passages counting row by row in Python was a fifth of a rebuild."""

    def __init__(self) -> None:
        self.tokens: dict[str, int] = {}
        self.ids: dict[int, int] = {}  # term key -> term number

    def count(self, batch: list[LexicalRow]) -> _Counted:
        fields = tokenize([t for r in batch for t in (r.title, r.aliases, r.section, r.text)])
        sizes = np.fromiter(map(len, fields), np.int64, len(fields))
        flat = [t for toks in fields for t in toks]
        tokens = self.tokens
        for t in flat:
            if t not in tokens:
                tokens[t] = len(tokens)
        number = np.fromiter(map(tokens.__getitem__, flat), np.int64, len(flat))
        field = np.repeat(np.arange(len(fields)), sizes)
        first = np.zeros(len(flat), dtype=bool)
        first[(np.cumsum(sizes) - sizes)[sizes > 0]] = True  # a field's first token ends no pair
        previous = np.r_[np.zeros(1, np.int64), number][: len(number)]
        # each token, then the pair it ends: row_terms's order, so terms are numbered in the order it meets them
        keys = np.stack([number, ((previous + 1) << _PAIR) | number], axis=1).ravel()
        kept = np.stack([np.ones(len(flat), dtype=bool), ~first], axis=1).ravel()
        keys, field = keys[kept], np.repeat(field, 2)[kept]
        unique, first_at, inverse = np.unique(keys, return_index=True, return_inverse=True)
        by_first = np.argsort(first_at, kind="stable")
        met = unique[by_first].tolist()
        ids = self.ids
        for key in met:
            if key not in ids:
                ids[key] = len(ids)
        term_of = np.empty(len(unique), np.int64)
        term_of[by_first] = np.fromiter(map(ids.__getitem__, met), np.int64, len(met))
        row = field // 4
        cell, at = np.unique(row * len(ids) + term_of[inverse], return_inverse=True)
        rows = np.array([r.row for r in batch], dtype=np.int32)
        return _Counted(
            owner=rows[cell // len(ids)] if len(ids) else rows[:0],
            term=cell % len(ids) if len(ids) else cell,
            freq=np.bincount(at, weights=_FIELD_WEIGHTS[field % 4], minlength=len(cell)),
            rows=rows,
            lengths=sizes.reshape(-1, 4).sum(axis=1).astype(np.float64),
        )

    def names(self) -> Iterator[str]:
        """Each term's text, by term number: a token, or a pair as `tokens.phrase_term` writes it."""
        token = list(self.tokens)
        low = (1 << _PAIR) - 1
        for key in self.ids:
            yield token[key] if key <= low else phrase_term((token[(key >> _PAIR) - 1], token[key & low]))


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
        batches; each batch's term frequencies are counted in numpy (`_Terms`), kept until the mean length is known."""
        table = _Terms()
        counted = [table.count(batch) for batch in _batches(rows)]
        owner = np.concatenate([c.owner for c in counted] or [np.zeros(0, np.int32)])
        term = np.concatenate([c.term for c in counted] or [np.zeros(0, np.int64)])
        freq = np.concatenate([c.freq for c in counted] or [np.zeros(0)])
        rows_at = np.concatenate([c.rows for c in counted] or [np.zeros(0, np.int32)])
        lengths = np.concatenate([c.lengths for c in counted] or [np.zeros(0)])
        n = len(rows_at)
        average = lengths.sum() / n if n else 1.0
        by_row = np.zeros(int(rows_at.max()) + 1 if n else 0)
        by_row[rows_at] = lengths
        length = by_row[owner]  # each entry's row length
        # bm25()'s saturated term frequency (tokens.saturate, vectorized); the query brings the IDF
        norm = K1 * (1 - B + B * length / (average or 1.0))
        weight = (freq * (K1 + 1) / (freq + norm)).astype(np.float32)
        order = np.lexsort((owner, term))
        counts = np.bincount(term, minlength=len(table.ids))
        folder = path.parent
        np.save(folder / OFFSETS, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        np.save(folder / ROWS, owner[order])
        np.save(folder / WEIGHTS_FILE, weight[order])
        write_vocabulary(path, zip(table.names(), range(len(counts)), counts.tolist(), strict=True))
        return {"kind": cls.kind, "rows": n}

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
