"""Typo tolerance: query words the index has never seen are corrected to the nearest indexed word, in context."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein, Indel
from symspellpy import SymSpell, Verbosity

from indexer.analysis.analyzer import LETTERS, SPELLING_WORD, STOPWORDS

# pyspellchecker's English list counts how often each word was seen; below this its entries are mostly rare names and
# misspellings that made it into the sources ("directer"), which must stay correctable.
ENGLISH_MIN_COUNT = 100
# A real word is replaced only when the replacement goes with a neighbour this often in the corpus: one "keeping eye"
# (from "keeping an eye") must not turn a "seeing-eye dog trainer" into a "keeping-eye" one.
REAL_WORD_MIN_PAIRS = 3


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words (pyspellchecker's bundled list, no download): such a word that the corpus does not use
    ("span", "boost") is what the user meant, unless the words around it say otherwise ("principle data engineer")."""
    from spellchecker import SpellChecker

    counts = SpellChecker(distance=1).word_frequency.dictionary
    return frozenset(w for w, n in counts.items() if n >= ENGLISH_MIN_COUNT)


MAX_EDITS = 2
MAX_CANDIDATES = 16
CHUNK = 4096  # texts counted at once


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 5 else MAX_EDITS


class Speller:
    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        ids: dict[str, int] = {}  # every word's number (pairs are keyed by them)
        stop: list[bool] = []  # by number: whether the word is a stop word
        pairs: Counter[int] = Counter()  # content words seen next to each other, keyed by their numbers
        it = iter(texts)
        # counted in numpy, a chunk of texts at a time (each chunk reduced before the next, to keep memory flat): at
        # 100k passages a Counter per text took ~8 s of each reload
        while chunk := [SPELLING_WORD.findall(t.lower()) for t in islice(it, CHUNK)]:
            flat = [w for words in chunk for w in words]
            counts.update(flat)
            for w in counts.keys() - ids.keys():
                ids[w] = len(ids)
                stop.append(w in STOPWORDS)
            number = np.fromiter(map(ids.__getitem__, flat), np.int64, len(flat))
            owner = np.repeat(np.arange(len(chunk)), [len(words) for words in chunk])
            content = ~np.array(stop)[number]
            number, owner = number[content], owner[content]
            # content words seen next to each other ("principal data"), within one text
            same = owner[1:] == owner[:-1]
            found, times = np.unique((number[:-1][same] << 32) | number[1:][same], return_counts=True)
            pairs.update(dict(zip(found.tolist(), times.tolist(), strict=True)))
        self.counts = counts
        self.english = english_words()
        self._ids = ids
        self._pairs = pairs
        self._words = sorted(counts)  # sorted: "does a longer word begin with this one" is a bisection
        # Symmetric-delete index: the words within two edits of a typo are found by looking up the typo's own
        # deletions, at a cost that does not grow with the vocabulary (a scan of it did: ~200 ms per junk query).
        self._index = SymSpell(max_dictionary_edit_distance=MAX_EDITS)
        for word, n in counts.items():
            self._index.create_dictionary_entry(word, n)
        # each unknown word's candidates are looked up once, and each choice in its context made once
        self._candidates: dict[str, list[tuple[str, int]]] = {}
        self._corrections: dict[tuple[str, str, str], str] = {}

    def correct(self, query: str) -> str:
        """The query with unknown words replaced by their corrections (everything else left as typed).

        Each word is first corrected alone; then each unknown word again, between its neighbouring content words as
        corrected, so that "registerd nurse" becomes "registered nurse" rather than "register nurse"."""
        found = list(LETTERS.finditer(query))
        words = [m.group(0) for m in found]
        content = [i for i, w in enumerate(words) if len(w) > 1 and w.lower() not in STOPWORDS]
        if self.reads_as_another_language([words[i] for i in content]):
            return query
        alone = [self.correct_word(w) for w in words]
        out, last = [], 0
        for pos, i in enumerate(content):
            before = alone[content[pos - 1]].lower() if pos > 0 else ""
            after = alone[content[pos + 1]].lower() if pos + 1 < len(content) else ""
            fixed = self.correct_word(words[i], before, after)
            if fixed != words[i]:
                out += [query[last : found[i].start()], fixed]
                last = found[i].end()
        return "".join(out) + query[last:]

    def reads_as_another_language(self, words: list[str]) -> bool:
        """Whether most of a query's words (of four letters or more) are neither the corpus's nor English and have no
        word one edit away: "ingeniero de datos salario" is Spanish, not four typos, and is searched as typed."""
        judged = [w.lower() for w in words if len(w) >= 4 and w.isalpha()]
        if len(judged) < 2:
            return False  # one word alone ("nurce") is corrected as ever
        far = sum(
            1
            for w in judged
            if w not in self.counts and w not in self.english and min((d for _, d in self._nearest(w)), default=9) > 1
        )
        return far * 2 > len(judged)

    def correct_word(self, word: str, before: str = "", after: str = "") -> str:
        """One word's correction between the content words before and after it ("" for none)."""
        w = word.lower()
        if len(w) < 4 or not w.isalpha() or w in self.counts or w in STOPWORDS:
            return word
        key = (w, before, after)
        # read into a local: another request thread may clear the cache between a write and a read
        fixed = self._corrections.get(key)
        if fixed is None:
            if len(self._corrections) > 10_000:  # user input is unbounded; the cache is not
                self._corrections.clear()
            fixed = self._corrections[key] = self._choose(w, before, after)
        return fixed or word

    def _choose(self, w: str, before: str, after: str) -> str:
        candidates = self._nearest(w)
        if not candidates:
            return ""  # nothing close: the word stays as typed

        def support(c: str) -> int:
            return self._pair(before, c) + self._pair(c, after)

        if w in self.english or (len(w) <= 5 and self._begins_longer_word(w)):
            # A real word ("span", "manger") or an abbreviation ("comp" for compensation) is replaced only when a
            # candidate goes with a neighbour in the corpus ("product manager"); else it is what the user meant.
            best = max(candidates, key=lambda m: (support(m[0]), -m[1], self.counts[m[0]]))
            return best[0] if support(best[0]) >= REAL_WORD_MIN_PAIRS else ""
        # ties: the neighbours' choice, then a dropped or doubled letter over a wrong one, then the more common word
        best = min(candidates, key=lambda m: (m[1], -support(m[0]), Indel.distance(w, m[0]), -self.counts[m[0]]))
        return best[0]

    def _nearest(self, w: str) -> list[tuple[str, int]]:
        found = self._candidates.get(w)
        if found is None:
            if len(self._candidates) > 10_000:
                self._candidates.clear()
            limit = _max_edits(w)
            near = self._index.lookup(w, Verbosity.ALL, max_edit_distance=limit, transfer_casing=False)
            # scored again with true Damerau-Levenshtein (symspell's is restricted) and ordered as before: by
            # distance, then alphabetically
            scored = sorted((DamerauLevenshtein.distance(w, s.term), s.term) for s in near)
            found = [(word, d) for d, word in scored if d <= limit][:MAX_CANDIDATES]
            self._candidates[w] = found
        return found

    def _pair(self, a: str, b: str) -> int:
        ia, ib = self._ids.get(a), self._ids.get(b)
        return 0 if ia is None or ib is None else self._pairs.get((ia << 32) | ib, 0)

    def _begins_longer_word(self, w: str) -> bool:
        i = bisect_left(self._words, w)  # w is not indexed: the first word after it is the first that may begin so
        return i < len(self._words) and self._words[i].startswith(w)
