"""Turning what a user typed into a safe lexical query: content words only, every term quoted for FTS5."""

from __future__ import annotations

import re

# Question phrasing and function words: they would drown the content words of "what does a X do".
STOPWORDS = frozenset(
    """a about after all also am an and any are as at be been being between but by can could did do does doing
    for from get gets getting had has have having how i if in into is it its me my of on or our should so some
    such than that the their them then there these they this those to too us was we were what when where which
    while who whom why will with would you your much many make makes made need needs become becoming job jobs
    role roles career careers typical typically usually""".split()
)
_WORD = re.compile(r"[\w$][\w$'’+#.-]*[\w+#]|[\w$]", re.UNICODE)


def terms(query: str) -> list[str]:
    """Content words of a query, lower-cased, in order, without duplicates."""
    out: list[str] = []
    for w in _WORD.findall(query.lower()):
        w = w.strip(".'’-")
        if w and w not in STOPWORDS and w not in out:
            out.append(w)
    return out


def fts_match(words: list[str]) -> str:
    """An FTS5 MATCH expression that ORs the words as quoted strings, so user input is never an operator."""
    quoted = []
    for w in words:
        w = w.replace('"', "")
        if re.search(r"\w", w):
            quoted.append('"' + w + '"')
    return " OR ".join(quoted)


def clip_words(query: str, max_words: int) -> str:
    """Inputs longer than the model can see are cut, not rejected."""
    words = query.split()
    return " ".join(words[:max_words]) if len(words) > max_words else query
