"""Query rewriting for the model: a career's other name in a query gets the career's title beside it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexer.analysis.analyzer import WORD, Analyzer

Key = tuple[str, ...]  # a name as the analyzer's tokens: "SREs" and "SRE" are both ("sre",)


@dataclass(frozen=True)
class Career:
    title: str
    aliases: list[str]


class AliasTitles:
    """The model knows "site reliability engineer" but not what an "SRE" is; the corpus says so in its aliases.
    "what does an SRE do" is embedded as "what does an SRE (Site Reliability Engineer) do". An alias that two
    careers share ("AE": account executive, analytics engineer) says nothing and is left alone. Lookup is by word
    n-grams of tokens (plurals and all), so the cost does not grow with the number of aliases."""

    def __init__(self, careers: Iterable[Career], analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        careers = list(careers)
        names = [c.title for c in careers] + [a for c in careers for a in c.aliases]
        tokens = analyzer.word_tokens(w for name in names for w in WORD.findall(name))
        owners: dict[Key, set[str]] = {}
        titles: set[Key] = set()
        for c in careers:
            titles.add(self._key(c.title, tokens))
            for a in c.aliases:
                key = self._key(a, tokens)
                if key:
                    owners.setdefault(key, set()).add(c.title)
        self._titles = {a: next(iter(t)) for a, t in owners.items() if len(t) == 1 and a not in titles}
        self._title_keys = {title: self._key(title, tokens) for title in self._titles.values()}
        self._longest = max(map(len, self._titles), default=0)  # in tokens: a word may hold several
        self._firsts = {a[0] for a in self._titles}  # a token no alias starts with starts no lookup

    @staticmethod
    def _key(name: str, tokens: dict[str, tuple[str, ...]]) -> Key:
        return tuple(t for w in WORD.findall(name) for t in tokens[w])

    def _title_at(self, words: list[Key], i: int) -> tuple[str, int] | None:
        """The title of the longest alias made of the words starting at word i, and its length in words."""
        if not words[i] or words[i][0] not in self._firsts:
            return None
        key: Key = ()
        best = None
        for n in range(1, len(words) - i + 1):
            key += words[i + n - 1]
            if len(key) > self._longest:
                break
            title = self._titles.get(key)
            if title is not None:
                best = title, n
        return best

    def expand(self, query: str) -> str:
        """The query with the title after each alias it uses, unless the query already names that career."""
        if not self._titles:
            return query
        spans = list(WORD.finditer(query))
        tokens = self._analyzer.word_tokens(m.group(0) for m in spans)
        words = [tokens[m.group(0)] for m in spans]
        flat = " ".join(t for w in words for t in w)
        out, last, added, i = [], 0, set(), 0
        while i < len(words):
            found = self._title_at(words, i)
            if found is None:
                i += 1
                continue
            title, n = found
            end = spans[i + n - 1].end()
            if title not in added and f" {' '.join(self._title_keys[title])} " not in f" {flat} ":
                added.add(title)
                out.append(query[last:end] + f" ({title})")
                last = end
            i += n
        return "".join(out) + query[last:]
