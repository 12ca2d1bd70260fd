"""Typo tolerance: query words the index has never seen are corrected to the nearest indexed word."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, Indel

from indexer.query import STOPWORDS

_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")


def _max_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


class Speller:
    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        passage_freq: Counter[str] = Counter()  # in how many texts a word occurs
        for text in texts:
            words = _WORD.findall(text.lower())
            counts.update(words)
            passage_freq.update(set(words))
        self.counts = counts
        self.passage_freq = passage_freq
        self._corrections: dict[str, str] = {}  # an unknown word costs a scan of the vocabulary: do it once
        self._words = list(counts)

    def correct_word(self, word: str) -> str:
        w = word.lower()
        if len(w) < 4 or not w.isalpha() or w in self.counts or w in STOPWORDS:
            return word
        if w not in self._corrections:
            if len(self._corrections) > 10_000:  # user input is unbounded; the cache is not
                self._corrections.clear()
            self._corrections[w] = self._nearest(w)
        return self._corrections[w] or word

    def _nearest(self, w: str) -> str:
        matches = process.extract(
            w, self._words, scorer=DamerauLevenshtein.distance, score_cutoff=_max_edits(w), limit=8
        )
        if not matches:
            return ""  # nothing close: the word stays as typed
        # ties: a dropped or doubled letter beats a wrong one, then the more common word
        best = min(matches, key=lambda m: (m[1], Indel.distance(w, m[0]), -self.counts[m[0]]))
        return best[0]

    def correct(self, query: str) -> str:
        """The query with unknown words replaced by their corrections (everything else left as typed)."""
        return re.sub(r"[A-Za-z]+", lambda m: self.correct_word(m.group(0)), query)
