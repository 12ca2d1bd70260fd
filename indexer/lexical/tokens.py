"""Words as SQLite FTS5's `porter unicode61 remove_diacritics 2` tokenizer makes them, and BM25 term weights with
FTS5's field weighting, as sparse vectors: a lexical store on an engine without FTS5 ranks as FTS5 does."""

from __future__ import annotations

import re
import threading
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

K1, B = 1.2, 0.75  # FTS5's bm25() constants
_TOKEN = re.compile(r"[^\W_]+")
_local = threading.local()  # a stemmer keeps its word in itself: one per thread, or concurrent queries garble it


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    """Porter stem of one word; cached, since queries and snippets stem the same words again and again."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("porter")  # the original Porter, as FTS5's tokenizer
    return stemmer.stemWord(word)


def tokens(text: str) -> list[str]:
    """Lower-cased, diacritics removed, split at anything not a letter or digit, Porter-stemmed."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return [_stem(w) for w in _TOKEN.findall(plain)]


def token_frequencies(texts: Iterable[str]) -> Counter[str]:
    """In how many of the texts each token occurs; each distinct word is stemmed once, so that this stays cheap."""
    words: Counter[str] = Counter()
    for text in texts:
        words.update(set(_TOKEN.findall(text.lower())))
    out: Counter[str] = Counter()
    for word, n in words.items():
        for t in set(tokens(word)):
            out[t] += n
    return out


def token_id(token: str) -> int:
    """A sparse vector's dimension for a token: stable across processes (a collision merges two rare words)."""
    return zlib.crc32(token.encode())


def row_weights(fields: Sequence[list[str]], weights: Sequence[float], avg_length: float) -> dict[int, float]:
    """BM25's saturated term frequency per token of one row, IDF left out (the engine multiplies it in), as FTS5's
    bm25() computes it: a token's frequency is its field-weighted count, the length the row's total token count."""
    freq: Counter[str] = Counter()
    for toks, w in zip(fields, weights, strict=True):
        for t in toks:
            freq[t] += w
    length = sum(len(toks) for toks in fields)
    norm = K1 * (1 - B + B * length / (avg_length or 1.0))
    out: dict[int, float] = {}
    for t, f in freq.items():
        i = token_id(t)
        out[i] = out.get(i, 0.0) + f * (K1 + 1) / (f + norm)
    return out


def query_weights(words: list[str]) -> dict[int, float]:
    """Each query word's tokens count once per word, as FTS5 sums its OR-ed phrases."""
    out: dict[int, float] = {}
    for w in words:
        for t in tokens(w):
            i = token_id(t)
            out[i] = out.get(i, 0.0) + 1.0
    return out
