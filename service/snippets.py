"""Snippets: the sentences of a passage that best match the query, HTML-escaped, query terms in <mark>."""

from __future__ import annotations

import html
import re

from indexer.text import split_sentences


def stem(term: str) -> str:
    """A crude prefix stem so 'salaries' marks 'salary' and 'engineer' marks 'engineering'."""
    term = term.lower()
    for suffix in ("ies", "ing", "ers", "es", "ed", "er", "s", "y"):
        if len(term) - len(suffix) >= 4 and term.endswith(suffix):
            return term[: -len(suffix)]
    return term


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    stems = sorted({stem(t) for t in terms if t.strip()}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"(?<![\w$])(" + "|".join(re.escape(s) for s in stems) + r")[\w'’]*", re.I)


def _units(text: str) -> list[str]:
    units = []
    for line in text.split("\n"):
        units.extend(split_sentences(line.strip().lstrip("• ").strip()))
    return [u for u in units if u]


def best_sentences(text: str, terms: list[str], max_sentences: int = 2, max_chars: int = 320) -> str:
    units = _units(text)
    if not units:
        return ""
    pattern = _pattern(terms)

    def score(u: str) -> float:
        if pattern is None:
            return 0.0
        found = {stem(m.group(0)) for m in pattern.finditer(u)}
        return len(found) + 0.1 * len(pattern.findall(u))

    scores = [score(u) for u in units]
    best = max(range(len(units)), key=lambda i: (scores[i], -i))
    chosen = [best]
    nxt = best + 1
    # a second sentence only when it is one: a heading line merged into the passage would read as a fragment
    if (
        max_sentences > 1
        and nxt < len(units)
        and units[nxt][-1] in ".!?:"
        and len(units[best]) + len(units[nxt]) < max_chars
    ):
        chosen.append(nxt)
    out = " ".join(units[i] for i in chosen)
    if len(out) > max_chars:
        out = out[:max_chars].rsplit(" ", 1)[0] + " …"
    return out


def highlight(text: str, terms: list[str]) -> str:
    """HTML-escapes text and wraps the query's terms in <mark>."""
    pattern = _pattern(terms)
    if pattern is None:
        return html.escape(text)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        out.append("<mark>" + html.escape(m.group(0)) + "</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def make_snippet(text: str, terms: list[str]) -> str:
    return highlight(best_sentences(text, terms), terms)
