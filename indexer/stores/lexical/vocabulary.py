"""The build's word table for BM25 stores outside FTS5: each term's dimension and how many rows hold it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from indexer.analysis.analyzer import Analyzer, bm25_idf

TABLE = "lexical_terms"  # in the build's index.sqlite: term -> dimension and how many rows hold it
KEPT = 50_000  # terms remembered per open table


def write_vocabulary(path: Path, terms: Iterable[tuple[str, int, int]]) -> None:
    """Writes (term, dimension, rows holding it) triples; they stream, so millions of terms need no second table."""
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE {TABLE} (term TEXT PRIMARY KEY, id INTEGER NOT NULL, rows INTEGER NOT NULL)")
        con.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?)", terms)
        con.commit()
    finally:
        con.close()


class Vocabulary:
    """The word table of a build, read-only and shared between request threads."""

    def __init__(self, path: Path, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        try:
            self._con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self._con.execute(f"SELECT id FROM {TABLE} LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise ValueError(f"{path.name}: {exc}") from None
        self._lock = threading.Lock()
        self._known: dict[str, tuple[int, int] | None] = {}  # terms looked up before (queries share their words)

    def term(self, term: str) -> tuple[int, int] | None:
        """The term's dimension and how many rows hold it; None for a term no row holds."""
        with self._lock:
            if term in self._known:
                return self._known[term]
            found = self._con.execute(f"SELECT id, rows FROM {TABLE} WHERE term = ?", (term,)).fetchone()
            if len(self._known) >= KEPT:
                self._known.clear()
            self._known[term] = out = (int(found[0]), int(found[1])) if found else None
        return out

    def query_weights(self, words: list[str], rows: int) -> dict[int, float]:
        """The query as dimension -> weight: each word's phrase weighs its IDF over `rows` rows, counted once per
        word, as FTS5 sums its OR-ed phrases."""
        out: dict[int, float] = {}
        for phrase in self._analyzer.phrases(words, lambda t: (self.term(t) or (0, 0))[1]):
            found = self.term(phrase)
            if found is not None:
                out[found[0]] = out.get(found[0], 0.0) + bm25_idf(rows, found[1])
        return out

    def token_rows(self) -> dict[str, int]:
        """Each single token's row count (pairs, which hold a space, left out)."""
        with self._lock:
            return dict(self._con.execute(f"SELECT term, rows FROM {TABLE} WHERE instr(term, ' ') = 0"))

    def close(self) -> None:
        self._con.close()
