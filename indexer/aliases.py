"""Query rewriting for the model: a career's other name in a query gets the career's title beside it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Career:
    title: str
    aliases: list[str]


class AliasTitles:
    """The model knows "site reliability engineer" but not what an "SRE" is; the corpus says so in its aliases.
    "what does an SRE do" is embedded as "what does an SRE (Site Reliability Engineer) do". An alias that two
    careers share ("AE": account executive, analytics engineer) says nothing and is left alone."""

    def __init__(self, careers: Iterable[Career]) -> None:
        owners: dict[str, set[str]] = {}
        titles: set[str] = set()
        for c in careers:
            titles.add(c.title.casefold())
            for a in c.aliases:
                owners.setdefault(a.casefold(), set()).add(c.title)
        unique = {a: next(iter(t)) for a, t in owners.items() if len(t) == 1 and a not in titles and a.strip()}
        self._titles = unique
        # longest first, so "Senior SRE" wins over "SRE"; a plural ("SREs") counts too
        alternatives = "|".join(re.escape(a) for a in sorted(unique, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<!\w)({alternatives})(?:e?s)?(?!\w)", re.I) if unique else None

    def expand(self, query: str) -> str:
        """The query with the title after each alias it uses, unless the query already names that career."""
        if self._pattern is None:
            return query
        low = query.casefold()
        out, last, added = [], 0, set()
        for m in self._pattern.finditer(query):
            title = self._titles[m.group(1).casefold()]
            if title in added or title.casefold() in low:
                continue
            added.add(title)
            out.append(query[last : m.end()] + f" ({title})")
            last = m.end()
        return "".join(out) + query[last:]
