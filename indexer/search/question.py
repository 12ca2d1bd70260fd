"""A question analysed once, into what every later step of a search reads: the text searched, its content words,
its aliases' titles, whether it reads like a job title and whether its answer is a figure."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A query is searched on its first 32 words, as web search engines do: no question in our sets has more than 21, and
# the model's time grows with the words it reads (a 1,000-character junk query: ~70 ms of embedding at 200 words).
MAX_QUERY_WORDS = 32
MONEY_WORDS = "salary salaries pay paid earn earns earned earning earnings wage wages compensation bonus ote".split()
_NUMBER = re.compile(r"\bhow (much|many|long|often)\b|\b(hours|" + "|".join(MONEY_WORDS) + r")\b", re.I)
_QUESTION = re.compile(r"\b(what|how|which|who|why|when|where|is|are|do|does|can|should)\b|\?", re.I)


@dataclass(frozen=True)
class Question:
    typed: str  # as the user typed it
    text: str  # its first MAX_QUERY_WORDS words, spelling corrected: what is searched
    terms: tuple[str, ...]  # the text's content words, lower-cased, in order (analyzer.terms)
    embed_text: str  # the text with each career alias followed by its title: what the model reads
    title_like: bool  # short, asks nothing and ends like a career's name: matched against what careers are called
    wants_number: bool  # the answer is a figure: "how many accounts", "how much does X make"

    @property
    def corrected(self) -> str | None:
        """The text searched, when the speller changed what was typed."""
        return self.text if self.text != self.typed else None


def clip_words(text: str, max_words: int = MAX_QUERY_WORDS) -> str:
    """Inputs longer than the model can see are cut, not rejected."""
    words = text.split()
    return " ".join(words[:max_words]) if len(words) > max_words else text


def names_a_job(text: str, max_words: int) -> bool:
    """Whether the text reads like a job title ("ICT help desk agent") rather than a question: it is short and asks
    nothing."""
    return len(text.split()) <= max_words and not _QUESTION.search(text)


def asks_for_number(text: str) -> bool:
    """Whether the answer is a figure: "how many accounts", "how much does X make", "nurse salary"."""
    return bool(_NUMBER.search(text))
