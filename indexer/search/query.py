"""Turning what a user typed into a lexical query: its content words."""

from __future__ import annotations

import re

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
_WORD = re.compile(r"[\w$][\w$'’+#.-]*[\w+#]|[\w$]", re.UNICODE)


def terms(query: str) -> list[str]:
    """Content words of a query, lower-cased, in order, without duplicates."""
    out: list[str] = []
    for w in _WORD.findall(query.lower()):
        w = w.strip(".'’-")
        if w and w not in STOPWORDS and w not in out:
            out.append(w)
    return out


_NUMBER = re.compile(r"\bhow (much|many|long|often)\b|\b(salary|salaries|pay|paid|earn\w*|wages?|hours)\b", re.I)


_QUESTION = re.compile(r"\b(what|how|which|who|why|when|where|is|are|do|does|can|should)\b|\?", re.I)


def names_a_job(query: str) -> bool:
    """Whether the query reads like a job title ("ICT help desk agent") rather than a question: it is short and
    asks nothing. Such a query is best matched against what documents are called."""
    return len(query.split()) <= 5 and not _QUESTION.search(query)


def asks_for_number(query: str) -> bool:
    """Whether the answer is a figure: "how many accounts", "how much does X make"."""
    return bool(_NUMBER.search(query))


def clip_words(query: str, max_words: int) -> str:
    """Inputs longer than the model can see are cut, not rejected."""
    words = query.split()
    return " ".join(words[:max_words]) if len(words) > max_words else query
