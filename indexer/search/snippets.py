"""Snippets: the sentences of a passage that best match the query, HTML-escaped, query terms in <mark>."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import pairwise

from indexer.analysis.fts5 import tokenize
from indexer.analysis.text import sentence_units

Key = tuple[str, ...]  # a word as the lexical index holds it: its tokens ("Salaries" -> ("salari",))
_KEYS: dict[str, Key] = {}  # every word seen, bounded (see keys)
_KEPT = 100_000
# Weights against the query words' IDF weights, tuned on the tune split's answering passages (snippet holds the
# answer: 0.71 with words alone, 0.82 with these).
SEMANTIC = 15.0  # a sentence's cosine similarity to the query
ADJACENT = 1.5  # the sentence right after the best one, as the second
_WORD = re.compile(r"[\w$][\w'’$.-]*[\w$]|[\w$]")


def keys(words: Iterable[str]) -> dict[str, Key]:
    """Each word's tokens by the index's own tokenizer (FTS5's), so that a snippet marks what the search matched;
    the words not seen before are tokenized in one call."""
    words = set(words)
    found = {w: k for w in words if (k := _KEYS.get(w)) is not None}  # one read: another thread may clear it
    todo = sorted(words - found.keys())
    if todo:
        found.update(zip(todo, map(tuple, tokenize(todo)), strict=True))
        if len(_KEYS) > _KEPT:
            _KEYS.clear()
        _KEYS.update((w, found[w]) for w in todo)
    return found


_MONEY = frozenset(keys("salary salaries pay paid earn earnings wage wages compensation bonus ote".split()).values())


def learn_words(texts: Iterable[str]) -> None:
    """Tokenizes the words of texts not seen before in one call: a search's snippets then cost one call to the
    tokenizer, not one per passage (each call costs ~0.5 ms whatever its size)."""
    keys(w for text in texts for w in _WORD.findall(text))


@lru_cache(maxsize=100_000)
def parts(k: Key) -> frozenset[Key]:
    """What a query word matches in a text word, as the index matches it: any run of the word's tokens ("Analyst's" is
    ("analyst", "s"), found by "analyst"; "on-call" is found by "call" and by "on-call")."""
    return frozenset(k[i:j] for i in range(len(k)) for j in range(i + 1, len(k) + 1))


@lru_cache(maxsize=50_000)
def unit_keys(unit: str) -> frozenset[Key]:
    """What a sentence's words match (sentences recur: every result of every query scores its passage's)."""
    return frozenset(p for k in keys(_WORD.findall(unit)).values() for p in parts(k))


def best_sentences(
    text: str,
    terms: list[str],
    weights: Mapping[str, float] | None = None,
    max_sentences: int = 3,
    max_chars: int = 400,
    sims: Mapping[str, float] | None = None,
    wants_number: bool = False,
) -> str:
    """The sentences of a passage closest to the query, in passage order ("…" between them if apart).

    A sentence scores by the query words it holds, a rare word ("Zurich") counting for more than a common one
    ("engineer"), plus its semantic similarity to the query (sims, from the index's sentence vectors), so a hit
    with no shared word still shows its most relevant sentence. Without sims or matches: the lead sentences.
    The best sentence and the next best are chosen first; what is left of max_sentences and max_chars goes to the
    sentences that carry on from them, since an answer often runs on past the sentence that names its topic."""
    units = sentence_units(text)
    if not units:
        return ""
    term_keys = keys(terms)
    wanted = {term_keys[t]: (weights or {}).get(t, 1.0) for t in terms if term_keys[t]}
    wants_figures = wants_number or bool(wanted.keys() & _MONEY)

    sims = sims or {}
    floor = min(sims.values(), default=0.0)  # a fragment too short to have a vector ranks as the least similar

    def score(u: str) -> float:
        found = unit_keys(u) & wanted.keys()
        figures = 1.0 if wants_figures and re.search(r"\d", u) else 0.0  # "how much" is answered by a number
        return sum(wanted[s] for s in found) + figures + SEMANTIC * sims.get(u, floor)

    scores = [score(u) for u in units]
    best = max(range(len(units)), key=lambda i: (scores[i], -i))
    chosen = [best]

    def eligible(i: int) -> bool:
        # A fragment of one or two words (a heading line inside the passage) is never added to the best sentence.
        if not 0 <= i < len(units) or i in chosen or len(units[i].split()) < 3:
            return False
        return sum(len(units[j]) + 3 for j in chosen) + len(units[i]) <= max_chars

    # The second: the next best, with a bonus for the one right after the best, which often goes on to the
    # specifics ("…the hardest promotion on the ladder. Engineers usually need a sponsor, …").
    rest = [i for i in range(len(units)) if eligible(i)]
    if max_sentences > 1 and rest:
        chosen.append(max(rest, key=lambda i: (scores[i] + (ADJACENT if i == best + 1 else 0.0), -i)))
    # Then the sentences that carry on from those chosen (the one after before the one before), and a single
    # sentence left between two chosen ones, which reads better than "…" ("Those who … Those who … Those …").
    while len(chosen) < max_sentences:
        around = [j for j in {i + d for i in chosen for d in (-1, 1)} if eligible(j)]
        if not around:
            break
        chosen.append(max(around, key=lambda j: (j - 1 in chosen, scores[j], -j)))
    for j in range(1, len(units) - 1):
        if j - 1 in chosen and j + 1 in chosen and eligible(j):
            chosen.append(j)
    chosen.sort()
    out = units[chosen[0]]
    for a, b in pairwise(chosen):
        # two list items in a row read as one run-on sentence without a separator
        out += (" … " if b != a + 1 else " " if units[a][-1] in ".!?:;" else " · ") + units[b]
    if len(out) > max_chars:
        out = out[:max_chars].rsplit(" ", 1)[0] + " …"
    return out


def marked_words(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """The [start, end) character spans of text's words that the index holds as one of the query's words."""
    wanted = {k for k in keys(terms).values() if k}
    if not wanted:
        return []
    matches = list(_WORD.finditer(text))
    hit = {w: not wanted.isdisjoint(parts(k)) for w, k in keys(m.group(0) for m in matches).items()}
    return [m.span() for m in matches if hit[m.group(0)]]


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans as JavaScript counts (UTF-16 code units): a character beyond the BMP (an emoji) counts two."""
    if text.isascii():
        return spans

    def at(i: int) -> int:
        return len(text[:i].encode("utf-16-le")) // 2

    return [(at(a), at(b)) for a, b in spans]


def highlight(text: str, terms: list[str]) -> str:
    """HTML-escapes text and wraps every word that the index holds as one of the query's words in <mark>."""
    out, last = [], 0
    for start, end in marked_words(text, terms):
        out.append(html.escape(text[last:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def make_snippet(
    text: str,
    terms: list[str],
    weights: Mapping[str, float] | None = None,
    sims: Mapping[str, float] | None = None,
    wants_number: bool = False,
) -> str:
    return highlight(best_sentences(text, terms, weights, sims=sims, wants_number=wants_number), terms)
