"""Each row's field-weighted term frequencies as FTS5's bm25() sums them over columns (each token, and each pair of
adjacent tokens in one field, for two-token phrases), counted a batch of rows at a time in numpy, with terms numbered
in the order they are first met; and bm25()'s saturation of them. Both stores that score as FTS5 without FTS5 (the
BM25 matrix, Qdrant's sparse vectors) write their rows with `weigh_rows`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np

from indexer.analysis.analyzer import Analyzer, phrase_term
from indexer.stores.lexical.base import K1, B, LexicalRow

FIELDS = 4  # title, aliases, section, text
BATCH = 2048  # rows tokenized and counted at once
_PAIR = 32  # a pair's key: (first token's number + 1) << 32 | second token's number; a single token's: its number


@dataclass
class CountedRows:
    """One batch's entries, one per distinct term of each row (grouped by row, in the batch's order), and its rows."""

    owner: np.ndarray  # the entry's row
    term: np.ndarray  # its term number
    freq: np.ndarray  # the term's field-weighted frequency in the row
    rows: np.ndarray  # the batch's row numbers
    lengths: np.ndarray  # and their lengths in tokens (all fields)


class RowTerms:
    """Counts batches of rows; term numbers carry over from batch to batch. At 100k passages counting row by row in
    Python (a Counter per row) was a fifth of a rebuild."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        self.tokens: dict[str, int] = {}
        self.ids: dict[int, int] = {}  # term key -> term number

    def count(self, fields: list[list[str]], rows: np.ndarray) -> CountedRows:
        """`fields`: each row's FIELDS token lists in turn (as the analyzer gives them); `rows`: their numbers."""
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
        # each token, then the pair it ends: the order a row-by-row count meets them, so terms are numbered alike
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
        cell, at = np.unique(field // FIELDS * len(ids) + term_of[inverse], return_inverse=True)
        rows = np.asarray(rows, dtype=np.int32)
        return CountedRows(
            owner=rows[cell // len(ids)] if len(ids) else rows[:0],
            term=cell % len(ids) if len(ids) else cell,
            freq=np.bincount(at, weights=self.weights[field % FIELDS], minlength=len(cell)),
            rows=rows,
            lengths=sizes.reshape(-1, FIELDS).sum(axis=1).astype(np.float64),
        )

    def names(self) -> Iterator[str]:
        """Each term's text, by term number: a token, or a pair as `phrase_term` writes it."""
        token = list(self.tokens)
        low = (1 << _PAIR) - 1
        for key in self.ids:
            yield token[key] if key <= low else phrase_term((token[(key >> _PAIR) - 1], token[key & low]))


@dataclass
class Weighted:
    """Every counted entry's row, term and bm25() weight (IDF left out: the query carries it), grouped by row in the
    rows' order; and the terms' texts with how many rows hold each, by term number, for the build's vocabulary."""

    owner: np.ndarray
    term: np.ndarray
    weight: np.ndarray  # float32
    rows: int
    names: Iterator[str]  # each term's text, by term number
    holding: np.ndarray  # how many rows hold each term, by term number

    def vocabulary(self) -> Iterator[tuple[str, int, int]]:
        """(term, term number, rows holding it), as `vocabulary.write_vocabulary` takes them."""
        return zip(self.names, range(len(self.holding)), self.holding.tolist(), strict=True)


def weigh_rows(rows: Iterable[LexicalRow], weights: Sequence[float], analyzer: Analyzer) -> Weighted:
    """The rows' bm25() saturated term frequencies, fields weighted by `weights`: rows stream in batches, counted as
    they come; a row's length is its token count over all fields, as in FTS5, against the mean over all the rows."""
    table = RowTerms(weights)
    it = iter(rows)
    counted = []
    while batch := list(islice(it, BATCH)):
        fields = analyzer.tokenize([t for r in batch for t in (r.title, r.aliases, r.section, r.text)])
        counted.append(table.count(fields, np.array([r.row for r in batch])))
    owner = np.concatenate([c.owner for c in counted] or [np.zeros(0, np.int32)])
    term = np.concatenate([c.term for c in counted] or [np.zeros(0, np.int64)])
    freq = np.concatenate([c.freq for c in counted] or [np.zeros(0)])
    numbers = np.concatenate([c.rows for c in counted] or [np.zeros(0, np.int32)])
    lengths = np.concatenate([c.lengths for c in counted] or [np.zeros(0)])
    average = (lengths.sum() / len(numbers) if len(numbers) else 0.0) or 1.0
    by_row = np.zeros(int(numbers.max()) + 1 if len(numbers) else 0)
    by_row[numbers] = lengths
    norm = K1 * (1 - B + B * by_row[owner] / average)
    weight = (freq * (K1 + 1) / (freq + norm)).astype(np.float32)
    holding = np.bincount(term, minlength=len(table.ids))
    return Weighted(owner, term, weight, len(numbers), table.names(), holding)
