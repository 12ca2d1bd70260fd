"""Turning what a user typed into a lexical query: content words only, plus the words a question form implies."""

from __future__ import annotations

import re

# Question phrasing and function words: they would drown the content words of "what does a X do".
STOPWORDS = frozenset(
    """a about after all also am an and any are as at be been being between but by can could did do does doing
    for from get gets getting had has have having how i if in into is it its me my of on or our should so some
    such than that the their them then there these they this those to too us was we were what when where which
    while who whom why will with would you your much many make makes made need needs job jobs role roles
    typical typically usually""".split()
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


# Question forms whose key word is implied rather than said: "how much does X make" asks for a salary.
_INTENTS = [
    (
        # "how much does X make" asks for pay; "how much toil", "how much hands-on coding" do not
        re.compile(
            r"\bhow much (do|does|did|can|could|will|would|should|is|are|more|extra|money)\b"
            r"|\b(earn|earns|earning|earnings|paid|pay|wage|wages|compensation|income)\b",
            re.I,
        ),
        ["salary"],
    ),
    (
        re.compile(r"\b(become|becoming|get into|break into|next step|promot\w*|career path|progress\w*)\b", re.I),
        ["career", "progression"],
    ),
]


# A question about the daily work of a job ("what does an electrician do day to day", "... during a shift") is answered
# by the section on responsibilities, which shares few words with it and which the model ranks below the overview.
_DAILY_WORK = re.compile(
    r"\b(do|does|doing)\b.*\b(day[- ]to[- ]day|daily|during (a|the|each|their)( \w+)? (shift|day|week))\b"
    r"|\b(typical|average|normal) (day|week|shift)\b|\bdaily (tasks|work|duties|routine)\b|\bduties\b"
    r"|\bday in the life\b",
    re.I,
)
DAILY_WORK_SECTION = re.compile(r"responsib|\bdut(y|ies)\b|\bday\b|\bweek\b", re.I)


_NUMBER = re.compile(r"\bhow (much|many|long|often)\b|\b(salary|salaries|pay|paid|earn\w*|wages?|hours)\b", re.I)


_QUESTION = re.compile(r"\b(what|how|which|who|why|when|where|is|are|do|does|can|should)\b|\?", re.I)


def names_a_job(query: str) -> bool:
    """Whether the query reads like a job title ("ICT help desk agent") rather than a question: it is short and
    asks nothing. Such a query is best matched against what documents are called."""
    return len(query.split()) <= 5 and not _QUESTION.search(query)


def asks_for_number(query: str) -> bool:
    """Whether the answer is a figure: "how many accounts", "how much does X make"."""
    return bool(_NUMBER.search(query))


def asks_about_daily_work(query: str) -> bool:
    """Whether the question is about what the job's days are made of."""
    return bool(_DAILY_WORK.search(query))


def expand(query: str, words: list[str]) -> list[str]:
    """Content words plus the words a question form implies."""
    out = list(words)
    for pattern, extra in _INTENTS:
        if pattern.search(query):
            out.extend(w for w in extra if w not in out)
    return out


def clip_words(query: str, max_words: int) -> str:
    """Inputs longer than the model can see are cut, not rejected."""
    words = query.split()
    return " ".join(words[:max_words]) if len(words) > max_words else query
