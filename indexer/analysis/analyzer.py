"""The one analyzer (Lucene's sense): text -> words -> tokens as the lexical index holds them, stop words, content
terms, phrases and IDF. Index, query, spelling, aliases, relevance, snippets and page marks all read words through it.

Tokens are SQLite FTS5's (`porter unicode61 remove_diacritics 2`, asked of FTS5 itself: fts5.py), so what a snippet
marks, what relevance counts and what a Python-side BM25 store scores are exactly what FTS5 would match."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import islice, pairwise
from typing import TypeVar

from indexer.analysis.fts5 import CUT, fts5_tokenize

# Question phrasing and function words: they would drown the content words of "what does a X do".
STOPWORDS = frozenset(
    """a about after all also am an and any are as at be been being between but by can could did do does doing
    for from get gets getting had has have having how i if in into is it its me my of on or our should so some
    such than that the their them then there these they this those to too us was we were what when where which
    while who whom why will with would you your much many""".split()
    # contractions of the words above ("jobs that don't need a degree"), in both apostrophes
    + [
        w.replace("'", q)
        for w in "don't doesn't didn't isn't aren't can't won't i'm i've what's it's".split()
        for q in "'’"
    ]
)
# A word as people type it: "c++", "c#", "node.js", "$120k", "on-call", "analyst's".
WORD = re.compile(r"[\w$][\w$'’+#.-]*[\w+#]|[\w$]", re.UNICODE)
# What the speller corrects in a query (a run of letters), and the words it learns from lower-cased text.
LETTERS = re.compile(r"[A-Za-z]+")
SPELLING_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")

T = TypeVar("T")


def terms(text: str) -> list[str]:
    """Content words of a text (a query), lower-cased, in order, without duplicates."""
    out: list[str] = []
    for w in WORD.findall(text.lower()):
        w = w.strip(".'’-")
        if w and w not in STOPWORDS and w not in out:
            out.append(w)
    return out


def phrase_term(toks: Sequence[str]) -> str:
    """The term a sparse vector keeps for a token or a two-token phrase (FTS5 matches `"node.js"` as the phrase
    `node js`): tokens never hold a space."""
    return " ".join(toks)


def smooth_idf(rows: int, holding: int) -> float:
    """How telling a word found in `holding` of `rows` texts is: the smoothed IDF, never negative."""
    return math.log((rows + 1) / (holding + 1))


def bm25_idf(rows: int, hits: int) -> float:
    """FTS5's IDF of a phrase found in `hits` of `rows` rows, floored as FTS5 floors it (a phrase in over half the
    rows counts next to nothing): Python-side BM25 stores rank exactly as FTS5."""
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0 else 1e-6


class Analyzer:
    """Tokens of texts with one bounded memo: a snapshot owns one for its queries (and its stores), a build one for
    its rows. Everything derived from tokens that a search asks for again (a passage's token set, a sentence's words)
    is kept in the same memo, under its own kind, so one bound holds them all."""

    def __init__(self, limit: int = 200_000) -> None:
        self._limit = limit
        self._memo: dict[Hashable, object] = {}
        self._lock = threading.Lock()
        self._stop: frozenset[str] | None = None

    def remember(self, kind: str, key: Hashable, make: Callable[[], T]) -> T:
        """The memo's value for (kind, key), made once; the oldest half goes when the memo is full."""
        found = self._memo.get((kind, key))  # one read: another thread may evict it
        if found is None:
            found = make()
            self._keep({(kind, key): found})
        return found  # type: ignore[return-value]

    def _keep(self, entries: dict[Hashable, object]) -> None:
        with self._lock:
            if len(self._memo) + len(entries) > self._limit:
                for key in list(islice(self._memo, len(self._memo) // 2)):
                    del self._memo[key]
            if len(entries) <= self._limit:
                self._memo.update(entries)

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's tokens in order, as FTS5 indexes them.

        FTS5's tokenizer ends a token at every separator and stems each token alone, so a text's tokens are its
        chunks' tokens in order, cut at characters FTS5 always separates on; each chunk is asked of FTS5 once and
        remembered (at 100k passages a search tokenized its results' texts in SQLite for ~5 ms, most of it words
        seen before)."""
        chunked = [CUT.findall(text) for text in texts]
        known: dict[str, tuple[str, ...]] = {}
        todo: list[str] = []
        for chunk in {c for chunks in chunked for c in chunks}:
            toks = self._memo.get(("chunk", chunk))
            if toks is None:
                todo.append(chunk)
            else:
                known[chunk] = toks  # type: ignore[assignment]
        if todo:
            new = dict(zip(todo, map(tuple, fts5_tokenize(todo)), strict=True))
            known.update(new)
            self._keep({("chunk", c): t for c, t in new.items()})
        return [[t for c in chunks for t in known[c]] for chunks in chunked]

    def word_tokens(self, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Each word's tokens ("Salaries" -> ("salari",), "on-call" -> ("on", "call")); a word is looked up whole
        first (every snippet and mark asks for its passage's words again), the new ones tokenized in one call."""
        memo = self._memo
        found: dict[str, tuple[str, ...]] = {}
        todo: list[str] = []
        for w in set(words):
            toks = memo.get(("word", w))
            if toks is None:
                todo.append(w)
            else:
                found[w] = toks  # type: ignore[assignment]
        if todo:
            new = dict(zip(todo, map(tuple, self.tokenize(todo)), strict=True))
            found.update(new)
            self._keep({("word", w): toks for w, toks in new.items()})
        return found

    def learn(self, texts: Iterable[str]) -> None:
        """Tokenizes, in one call, the words of the texts not learned before: a search's snippets then cost one call
        to FTS5 at most (each costs ~0.5 ms whatever its size), and a text seen before costs a lookup."""
        todo = [text for text in dict.fromkeys(texts) if self._memo.get(("learned", text)) is None]
        if todo:
            self.word_tokens(w for text in todo for w in WORD.findall(text))
            self._keep({("learned", text): True for text in todo})

    @property
    def stop_tokens(self) -> frozenset[str]:
        """The stop words as tokens."""
        if self._stop is None:
            self._stop = frozenset(t for toks in self.tokenize(sorted(STOPWORDS)) for t in toks)
        return self._stop

    def token_sets(self, keys: Sequence[Hashable], texts: Sequence[str]) -> list[tuple[frozenset[str], frozenset[str]]]:
        """Each text's set of tokens and its adjacent pairs of content tokens (as phrase terms, "chief technolog"),
        stop words skipped ("head of engineering" holds the pair of "head engineering"); `keys` name the texts (a
        word itself, a passage's row, ...), which are tokenized in one call for those not kept yet."""
        found = [self._memo.get(("sets", k)) for k in keys]
        todo = [i for i, f in enumerate(found) if f is None]
        if todo:
            stop = self.stop_tokens
            for i, toks in zip(todo, self.tokenize([texts[i] for i in todo]), strict=True):
                content = [t for t in toks if t not in stop]
                found[i] = (frozenset(toks), frozenset(f"{a} {b}" for a, b in pairwise(content)))
            self._keep({("sets", keys[i]): found[i] for i in todo})
        return found  # type: ignore[return-value]

    def phrases(self, words: list[str], known: Callable[[str], int]) -> list[str]:
        """Each query word as the term FTS5's phrase for it matches: one token, or two adjacent ones; a longer phrase
        by its rarest adjacent pair (`known(term)` = how many rows hold it), an approximation: FTS5 needs all of
        them."""
        out: list[str] = []
        for toks in self.tokenize(words):
            if len(toks) <= 2:
                if toks:
                    out.append(phrase_term(toks))
                continue
            pairs = [phrase_term(toks[i : i + 2]) for i in range(len(toks) - 1)]
            out.append(min(pairs, key=known))  # a pair no row holds: a phrase no row holds
        return out
