"""SQLite FTS5 with BM25 over title, aliases, heading path and text, each weighted, in the build's index.sqlite."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from indexer.analysis.analyzer import Analyzer
from indexer.analysis.fts5 import TOKENIZER
from indexer.ranking import Lexical
from indexer.stores.lexical.base import LexicalRow, LexicalStore


def fts_match(words: list[str]) -> str:
    """An FTS5 MATCH expression that ORs the words as quoted strings, so user input is never an operator."""
    quoted = []
    for w in words:
        w = w.replace('"', "")
        if re.search(r"\w", w):
            quoted.append('"' + w + '"')
    return " OR ".join(quoted)


class SqliteFtsStore(LexicalStore):
    kind = "sqlite-fts5"

    def __init__(self, con: sqlite3.Connection, fields: Sequence[float]) -> None:
        self.con = con
        w = ", ".join(str(float(x)) for x in fields)
        self._sql = f"SELECT rowid, -bm25(passages_fts, {w}) AS s FROM passages_fts WHERE passages_fts MATCH ?"

    @classmethod
    def write(
        cls, path: Path, rows: Iterable[LexicalRow], analyzer: Analyzer, fields: Sequence[float], **params: str
    ) -> dict:
        """FTS5 tokenizes the rows itself; the field weights apply at query time, as recorded here."""
        con = sqlite3.connect(path)
        try:
            con.execute(
                f"CREATE VIRTUAL TABLE passages_fts USING fts5(title, aliases, section, text, tokenize = '{TOKENIZER}')"
            )
            con.executemany(
                "INSERT INTO passages_fts (rowid, title, aliases, section, text) VALUES (?,?,?,?,?)",
                ((r.row, r.title, r.aliases, r.section, r.text) for r in rows),
            )
            con.commit()
        finally:
            con.close()
        return {"kind": cls.kind, "fields": list(fields)}

    @classmethod
    def open(cls, path: Path, analyzer: Analyzer, **params: str) -> SqliteFtsStore:
        try:
            con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ValueError(f"{path.name}: {exc}") from None
        try:
            con.execute("SELECT rowid FROM passages_fts LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            con.close()
            raise ValueError(f"{path.name}: {exc}") from None
        # builds made before the weights were recorded used the ones that are still the default
        return cls(con, params.get("fields") or Lexical().fields)

    def search(self, words: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        match = fts_match(words)
        if not match or n <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        if allowed is None:
            rows = self.con.execute(self._sql + " ORDER BY s DESC LIMIT ?", (match, n)).fetchall()
        else:  # the filter is part of the query: only allowed rows are ranked
            rows = self.con.execute(
                self._sql + " AND rowid IN (SELECT value FROM json_each(?)) ORDER BY s DESC LIMIT ?",
                (match, json.dumps([int(r) for r in allowed]), n),
            ).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    def token_rows(self) -> dict[str, int]:
        # FTS5's own count of the rows holding each token, through a temporary fts5vocab table on this connection
        self.con.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.token_rows USING fts5vocab(main, passages_fts, row)")
        return dict(self.con.execute("SELECT term, doc FROM temp.token_rows"))

    def close(self) -> None:
        self.con.close()
