"""FTS5 itself, in memory: the tokenizer the lexical index uses, asked for the tokens of texts (analyzer.py keeps
them). The FTS5 store's table is made with the same TOKENIZER."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Sequence

TOKENIZER = "porter unicode61 remove_diacritics 2"
BATCH = 2048  # texts per in-memory FTS5 table
RENEW = 256_000  # characters written to a scratch table, after which the next call makes a new one
# stretches between ASCII separators (every ASCII character but a letter or digit separates in unicode61); the rest
# of Unicode is left to FTS5, whose Unicode 6.1 tables differ from Python's (combining marks, private use, ...)
CUT = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
MARKER = "zqxjzqxj"  # a word FTS5 keeps as it is, to join a batch's texts with


def fts5_tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens in order, from an in-memory FTS5 table (FTS5 itself, with nothing remembered).

    A batch goes in as one row, its texts joined by a marker word, since FTS5 spends ~20 us on each row it inserts
    (30 words: 0.7 ms as rows, 0.2 ms as one); a batch where the marker's token does not come back once per join
    (a text holds it) goes in row by row."""
    out: list[list[str]] = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        parts: list[list[str]] = [[]]
        for (term,) in _fts5("SELECT term FROM v ORDER BY offset", [f" {MARKER} ".join(batch)]):
            if term == MARKER:
                parts.append([])
            else:
                parts[-1].append(term)
        if len(parts) != len(batch):
            parts = [[] for _ in batch]
            for term, doc in _fts5("SELECT term, doc FROM v ORDER BY doc, offset", batch):
                parts[doc - 1].append(term)
        out.extend(parts)
    return out


def _fts5(query: str, texts: Sequence[str]) -> list[tuple]:
    """The rows of a query over the scratch table holding just these texts (one per row)."""
    con = _scratch()
    con.execute("DELETE FROM t")
    con.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(texts, 1))
    rows = con.execute(query).fetchall()
    _local.written += sum(map(len, texts))
    if _local.written > RENEW:
        # deleted rows stay in FTS5's segments until merged, and fts5vocab reads them: after a build's batches a
        # query's few words took 0.8 ms instead of 0.06. A new table costs 0.4 ms.
        con.close()
        _local.con = None
    return rows


_local = threading.local()


def _scratch() -> sqlite3.Connection:
    """This thread's in-memory FTS5 table to tokenize with: made once, since making it costs more than the work."""
    con = getattr(_local, "con", None)
    if con is None:
        con = sqlite3.connect(":memory:", isolation_level=None)
        con.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{TOKENIZER}')")
        con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        _local.con, _local.written = con, 0
    return con
