"""Snippets: the sentences of a passage that best match the query, HTML-escaped, query terms in <mark>. Words are
read by the snapshot's analyzer, so a snippet marks what the search matched."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from indexer.analysis.analyzer import WORD, Analyzer
from indexer.analysis.text import sentence_units
from indexer.ranking import Snippets

Key = tuple[str, ...]  # a word as the lexical index holds it: its tokens ("Salaries" -> ("salari",))
DEFAULT_RULES = Snippets()


def parts(analyzer: Analyzer, k: Key) -> frozenset[Key]:
    """What a query word matches in a text word, as the index matches it: any run of the word's tokens ("Analyst's" is
    ("analyst", "s"), found by "analyst"; "on-call" is found by "call" and by "on-call")."""
    return analyzer.remember(
        "parts", k, lambda: frozenset(k[i:j] for i in range(len(k)) for j in range(i + 1, len(k) + 1))
    )


def unit_keys(analyzer: Analyzer, unit: str) -> frozenset[Key]:
    """What a sentence's words match (sentences recur: every result of every query scores its passage's)."""
    return analyzer.remember(
        "sentence", unit, lambda: frozenset(p for _, _, found in unit_words(analyzer, unit) for p in found)
    )


def unit_words(analyzer: Analyzer, unit: str) -> tuple[tuple[int, int, frozenset[Key]], ...]:
    """A sentence's words: each one's [start, end) and what it matches (parts), kept like unit_keys, so marking a
    snippet's words reads them instead of tokenizing the snippet again."""

    def make() -> tuple[tuple[int, int, frozenset[Key]], ...]:
        matches = list(WORD.finditer(unit))
        keys = analyzer.word_tokens(m.group(0) for m in matches)
        return tuple((m.start(), m.end(), parts(analyzer, keys[m.group(0)])) for m in matches)

    return analyzer.remember("words", unit, make)


@dataclass(frozen=True)
class Chosen:
    """The sentences a snippet shows: the passage's sentences, which of them (in passage order), the text they make
    (joined, cut at max_chars), where each starts in it, and how much of them the cut kept."""

    units: tuple[str, ...]
    picked: list[int]
    text: str
    starts: list[int]
    kept: int


def best_sentences(analyzer: Analyzer, text: str, terms: Sequence[str], *choice: Any, **named: Any) -> str:
    """The sentences of a passage closest to the query, in passage order ("…" between them if apart): the text of
    chosen_sentences (the same arguments)."""
    return chosen_sentences(analyzer, text, terms, *choice, **named).text


def chosen_sentences(
    analyzer: Analyzer,
    text: str,
    terms: Sequence[str],
    weights: Mapping[str, float] | None = None,
    sims: Mapping[str, float] | None = None,
    wants_number: bool = False,
    rules: Snippets = DEFAULT_RULES,
) -> Chosen:
    """The sentences of the passage that a snippet shows.

    A sentence scores by the query words it holds, a rare word ("Zurich") counting for more than a common one
    ("engineer"), plus its semantic similarity to the query (sims, from the index's sentence vectors), so a hit
    with no shared word still shows its most relevant sentence. Without sims or matches: the lead sentences.
    The best sentence and the next best are chosen first; what is left of max_sentences and max_chars goes to the
    sentences that carry on from them, since an answer often runs on past the sentence that names its topic."""
    units = sentence_units(text)
    if not units:
        return Chosen(units, [], "", [], 0)
    max_chars = rules.max_chars
    term_keys = analyzer.word_tokens(terms)
    wanted = {term_keys[t]: (weights or {}).get(t, 1.0) for t in terms if term_keys[t]}

    sims = sims or {}
    floor = min(sims.values(), default=0.0)  # a fragment too short to have a vector ranks as the least similar

    def score(u: str) -> float:
        found = unit_keys(analyzer, u) & wanted.keys()
        figures = rules.figures if wants_number and re.search(r"\d", u) else 0.0  # "how much" is answered by a number
        return sum(wanted[s] for s in found) + figures + rules.semantic * sims.get(u, floor)

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
    if rules.max_sentences > 1 and rest:
        chosen.append(max(rest, key=lambda i: (scores[i] + (rules.adjacent if i == best + 1 else 0.0), -i)))
    # Then the sentences that carry on from those chosen (the one after before the one before), and a single
    # sentence left between two chosen ones, which reads better than "…" ("Those who … Those who … Those …").
    while len(chosen) < rules.max_sentences:
        around = [j for j in {i + d for i in chosen for d in (-1, 1)} if eligible(j)]
        if not around:
            break
        chosen.append(max(around, key=lambda j: (j - 1 in chosen, scores[j], -j)))
    for j in range(1, len(units) - 1):
        if j - 1 in chosen and j + 1 in chosen and eligible(j):
            chosen.append(j)
    chosen.sort()
    return Chosen(units, chosen, *joined(units, chosen, max_chars))


def joined(units: Sequence[str], chosen: Sequence[int], max_chars: int) -> tuple[str, list[int], int]:
    """The chosen sentences as one text cut at max_chars, where each of them starts in it, and how much of them the
    cut kept."""
    if not chosen:
        return "", [], 0
    out, starts = units[chosen[0]], [0]
    for a, b in pairwise(chosen):
        # two list items in a row read as one run-on sentence without a separator
        out += " … " if b != a + 1 else " " if units[a][-1] in ".!?:;" else " · "
        starts.append(len(out))
        out += units[b]
    if len(out) <= max_chars:
        return out, starts, len(out)
    kept = out[:max_chars].rsplit(" ", 1)[0]
    return kept + " …", starts, len(kept)


def marked_words(analyzer: Analyzer, text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """The [start, end) character spans of text's words that the index holds as one of the query's words."""
    wanted = {k for k in analyzer.word_tokens(terms).values() if k}
    if not wanted:
        return []
    matches = list(WORD.finditer(text))
    found = analyzer.word_tokens(m.group(0) for m in matches)
    hit = {w: not wanted.isdisjoint(parts(analyzer, k)) for w, k in found.items()}
    return [m.span() for m in matches if hit[m.group(0)]]


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans as JavaScript counts (UTF-16 code units): a character beyond the BMP (an emoji) counts two."""
    if text.isascii():
        return spans

    def at(i: int) -> int:
        return len(text[:i].encode("utf-16-le")) // 2

    return [(at(a), at(b)) for a, b in spans]


def highlight(analyzer: Analyzer, text: str, terms: Sequence[str]) -> str:
    """HTML-escapes text and wraps every word that the index holds as one of the query's words in <mark>."""
    return marked(text, marked_words(analyzer, text, terms))


def marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """HTML-escapes text and wraps the spans in <mark>."""
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def make_snippet(analyzer: Analyzer, text: str, terms: Sequence[str], **choice: Any) -> str:
    """The snippet as shown: best_sentences (`choice`: its weights, sims, wants_number and rules), highlighted as
    highlight would, from the chosen sentences' own words (a word the cut at max_chars split is gone with it)."""
    chosen = chosen_sentences(analyzer, text, terms, **choice)
    wanted = {k for k in analyzer.word_tokens(terms).values() if k}
    spans = [
        (start + a, start + b)
        for i, start in zip(chosen.picked, chosen.starts, strict=True)
        if not wanted.isdisjoint(unit_keys(analyzer, chosen.units[i]))
        for a, b, found in unit_words(analyzer, chosen.units[i])
        if start + b <= chosen.kept and not wanted.isdisjoint(found)
    ]
    return marked(chosen.text, spans)
