"""Query rewriting for the model: a career's other name in a query gets the career's title beside it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"\w[\w'’+#.-]*[\w+#]|\w")


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in _WORD.findall(text))


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 2 else word


@dataclass(frozen=True)
class Career:
    title: str
    aliases: list[str]


class AliasTitles:
    """The model knows "site reliability engineer" but not what an "SRE" is; the corpus says so in its aliases.
    "what does an SRE do" is embedded as "what does an SRE (Site Reliability Engineer) do". An alias that two
    careers share ("AE": account executive, analytics engineer) says nothing and is left alone. Lookup is by word
    n-grams, so the cost does not grow with the number of aliases."""

    def __init__(self, careers: Iterable[Career]) -> None:
        owners: dict[tuple[str, ...], set[str]] = {}
        titles: set[tuple[str, ...]] = set()
        for c in careers:
            titles.add(_words(c.title))
            for a in c.aliases:
                words = _words(a)
                if words:
                    owners.setdefault(words, set()).add(c.title)
        self._titles = {a: next(iter(t)) for a, t in owners.items() if len(t) == 1 and a not in titles}
        self._longest = max(map(len, self._titles), default=0)
        self._firsts = {a[0] for a in self._titles}  # a word no alias starts with starts no lookup

    def _title_at(self, words: list[str], i: int) -> tuple[str, int] | None:
        """The title of the longest alias starting at word i (its last word may be plural), and its length."""
        if words[i] not in self._firsts and _singular(words[i]) not in self._firsts:
            return None
        for n in range(min(self._longest, len(words) - i), 0, -1):
            gram = tuple(words[i : i + n])
            for candidate in (gram, (*gram[:-1], _singular(gram[-1]))):
                title = self._titles.get(candidate)
                if title is not None:
                    return title, n
        return None

    def expand(self, query: str) -> str:
        """The query with the title after each alias it uses, unless the query already names that career."""
        if not self._titles:
            return query
        spans = list(_WORD.finditer(query))
        words = [m.group(0).casefold() for m in spans]
        low = " ".join(words)
        out, last, added, i = [], 0, set(), 0
        while i < len(words):
            found = self._title_at(words, i)
            if found is None:
                i += 1
                continue
            title, n = found
            end = spans[i + n - 1].end()
            if title not in added and " ".join(_words(title)) not in low:
                added.add(title)
                out.append(query[last:end] + f" ({title})")
                last = end
            i += n
        return "".join(out) + query[last:]
