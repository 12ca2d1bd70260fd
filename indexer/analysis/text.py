"""Small text helpers shared by the readers and the chunker: inline-Markdown stripping, sentences, slugs."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INLINE_MD = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # italic
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(^|\s)#{1,6}\s+"), r"\1"),  # stray heading marks
    (re.compile(r"\*\*|__"), ""),  # unbalanced bold marks
]

# Sentence ends: ., !, ? (optionally closed by a quote or bracket) followed by space and an upper-case letter,
# digit or quote. Abbreviations such as "e.g." are protected below.
_SENT_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(])")
_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|Dr|Mr|Ms|Mrs|Inc|Ltd|Sr|Jr|St|approx|U\.S|No)\.$", re.I)


def strip_inline_markdown(text: str) -> str:
    for pattern, repl in _INLINE_MD:
        text = pattern.sub(repl, text)
    return normalize_space(text)


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, never inside an abbreviation such as 'e.g.'."""
    parts: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        candidate = text[start : m.start()].rstrip("\"')] ")
        if _ABBREV.search(candidate):
            continue
        parts.append(text[start : m.start()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p]


def word_count(text: str) -> int:
    return len(text.split())


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "doc"


@lru_cache(maxsize=8192)
def sentence_units(text: str, min_words: int = 1) -> tuple[str, ...]:
    """A passage's sentences and list items, in order: the units of snippets and of sentence vectors. Kept for the
    passages asked about lately: every result's snippet needs them, twice."""
    units: list[str] = []
    for line in text.split("\n"):
        units.extend(split_sentences(line.strip().lstrip("• ").strip()))
    return tuple(u for u in units if u and word_count(u) >= min_words)
