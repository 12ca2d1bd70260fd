"""Snippets: the sentences of a passage that best match the query, HTML-escaped, query terms in <mark>."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Mapping
from functools import lru_cache

import snowballstemmer

from indexer.text import sentence_units

_local = threading.local()  # a Snowball stemmer keeps state while it works: one per request thread
_MONEY = {"salari", "pay", "paid", "earn", "wage", "compens", "bonus", "ote"}
_WORD = re.compile(r"[\w$][\w'’$.-]*[\w$]|[\w$]")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word.lower().strip(".'’-"))


def best_sentences(
    text: str,
    terms: list[str],
    weights: Mapping[str, float] | None = None,
    max_sentences: int = 2,
    max_chars: int = 320,
) -> str:
    """The sentence (and the one after it, if it is a whole sentence and fits) with the most query weight.

    A rare word of the query ("Zurich") counts for more than a common one ("engineer"); with no match at all,
    the passage's lead sentences are the snippet."""
    units = sentence_units(text)
    if not units:
        return ""
    wanted = {stem(t): (weights or {}).get(t, 1.0) for t in terms}
    wants_figures = bool(wanted.keys() & _MONEY)

    def score(u: str) -> float:
        found = {s for s in (stem(w) for w in _WORD.findall(u)) if s in wanted}
        figures = 1.0 if wants_figures and re.search(r"\d", u) else 0.0  # "how much" is answered by a number
        return sum(1 + wanted[s] for s in found) + figures

    scores = [score(u) for u in units]
    best = max(range(len(units)), key=lambda i: (scores[i], -i))
    chosen = [best]
    nxt = best + 1
    # a second sentence only when it is one: a heading line merged into the passage would read as a fragment
    if (
        max_sentences > 1
        and nxt < len(units)
        and units[nxt][-1] in ".!?:"
        and len(units[best] + units[nxt]) < max_chars
    ):
        chosen.append(nxt)
    out = " ".join(units[i] for i in chosen)
    if len(out) > max_chars:
        out = out[:max_chars].rsplit(" ", 1)[0] + " …"
    return out


def highlight(text: str, terms: list[str]) -> str:
    """HTML-escapes text and wraps every word whose stem is a query term's stem in <mark>."""
    wanted = {stem(t) for t in terms}
    out, last = [], 0
    for m in _WORD.finditer(text):
        if stem(m.group(0)) in wanted:
            out.append(html.escape(text[last : m.start()]))
            out.append("<mark>" + html.escape(m.group(0)) + "</mark>")
            last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def make_snippet(text: str, terms: list[str], weights: Mapping[str, float] | None = None) -> str:
    return highlight(best_sentences(text, terms, weights), terms)
