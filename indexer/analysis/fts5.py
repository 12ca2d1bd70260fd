"""Words as SQLite FTS5's `porter unicode61 remove_diacritics 2` tokenizer makes them (FTS5 itself tokenizes them, in
memory), and FTS5's bm25() split into a row's term weights and a query's IDFs: a lexical store on an engine without
FTS5 ranks as FTS5 does, by a dot product of the two."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise

K1, B = 1.2, 0.75  # FTS5's bm25() constants
TOKENIZER = "porter unicode61 remove_diacritics 2"  # the FTS5 store's (sqlite_fts.py)
BATCH = 2048  # texts per in-memory FTS5 table
RENEW = 256_000  # characters written to a scratch table, after which the next call makes a new one
# stretches between ASCII separators (every ASCII character but a letter or digit separates in unicode61); the rest
# of Unicode is left to FTS5, whose Unicode 6.1 tables differ from Python's (combining marks, private use, ...)
_CUT = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")
MARKER = "zqxjzqxj"  # a word FTS5 keeps as it is, to join a batch's texts with
MEMO = 200_000  # chunks remembered with their tokens (~30 MB at most)
_memo: dict[str, tuple[str, ...]] = {}


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's tokens in order, as FTS5 indexes them: its own tokenizer, so that stems and splits match exactly
    (its Porter stemmer leaves words under 3 letters alone and has rules the original algorithm lacks).

    The tokenizer ends a token at every separator and stems each token alone, so a text's tokens are its chunks'
    tokens in order, cut at characters FTS5 always separates on; each chunk is asked of FTS5 once and remembered (at
    100k passages a search tokenized its results' texts in SQLite for ~5 ms, most of it words seen before)."""
    chunked = [_CUT.findall(text) for text in texts]
    known: dict[str, tuple[str, ...]] = {}
    todo: list[str] = []
    for chunk in {c for chunks in chunked for c in chunks}:
        toks = _memo.get(chunk)
        if toks is None:
            todo.append(chunk)
        else:
            known[chunk] = toks
    if todo:
        new = dict(zip(todo, map(tuple, fts5_tokenize(todo)), strict=True))
        known.update(new)
        if len(_memo) + len(new) > MEMO:
            _memo.clear()
        if len(new) <= MEMO:
            _memo.update(new)
    return [[t for c in chunks for t in known[c]] for chunks in chunked]


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


def tokens(text: str) -> list[str]:
    return tokenize([text])[0]


def phrase_term(toks: Sequence[str]) -> str:
    """The term a sparse vector keeps for a token or a two-token phrase (FTS5 matches `"node.js"` as the phrase
    `node js`): tokens never hold a space."""
    return " ".join(toks)


def idf(rows: int, hits: int) -> float:
    """FTS5's IDF of a phrase found in `hits` of `rows` rows, floored as FTS5 floors it (a phrase in over half the
    rows counts next to nothing)."""
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0 else 1e-6


def query_phrases(words: list[str], known: Callable[[str], int]) -> list[str]:
    """Each query word as the term FTS5's phrase for it matches: one token, or two adjacent ones; a longer phrase by
    its rarest adjacent pair (`known(term)` = how many rows hold it), an approximation: FTS5 needs all of them."""
    out: list[str] = []
    for toks in tokenize(words):
        if len(toks) <= 2:
            if toks:
                out.append(phrase_term(toks))
            continue
        pairs = [phrase_term(toks[i : i + 2]) for i in range(len(toks) - 1)]
        out.append(min(pairs, key=known))  # a pair no row holds: a phrase no row holds
    return out


class TokenSets:
    """Token sets of texts, and their pairs of adjacent content tokens, kept by a key once computed (bounded): the
    tokenizer is FTS5's, and calling it for the same query words and passages on every query cost a few milliseconds."""

    def __init__(self, limit: int = 50_000, stop: Iterable[str] = ()) -> None:
        self._limit = limit
        self._kept: dict[object, tuple[frozenset[str], frozenset[str]]] = {}
        self._lock = threading.Lock()
        self._stop = frozenset(t for toks in tokenize(sorted(stop)) for t in toks)  # stop words as tokens

    def warm(self, keys: Sequence[object], texts: Sequence[str]) -> None:
        """Tokenizes the texts not kept yet in one call (each call costs ~0.5 ms whatever its size)."""
        self._entries(keys, texts)

    def get(self, keys: Sequence[object], texts: Sequence[str]) -> list[frozenset[str]]:
        """Each text's set of tokens; `keys` name the texts (a word itself, a passage's row, ...)."""
        return [tokens for tokens, _ in self._entries(keys, texts)]

    def pairs(self, keys: Sequence[object], texts: Sequence[str]) -> list[frozenset[str]]:
        """Each text's adjacent pairs of tokens (as phrase terms, "chief technolog"), stop words skipped: "head of
        engineering" holds the pair of "head engineering"."""
        return [pairs for _, pairs in self._entries(keys, texts)]

    def _entries(self, keys: Sequence[object], texts: Sequence[str]) -> list[tuple[frozenset[str], frozenset[str]]]:
        with self._lock:
            found = [self._kept.get(k) for k in keys]
        todo = [i for i, f in enumerate(found) if f is None]
        if todo:
            for i, toks in zip(todo, tokenize([texts[i] for i in todo]), strict=True):
                content = [t for t in toks if t not in self._stop]
                pairs = frozenset(f"{a} {b}" for a, b in pairwise(content))  # phrase_term, inlined: 1.8x faster
                found[i] = (frozenset(toks), pairs)
            with self._lock:
                if len(self._kept) + len(todo) > self._limit:
                    self._kept.clear()
                self._kept.update((keys[i], found[i]) for i in todo)
        return found  # type: ignore[return-value]
