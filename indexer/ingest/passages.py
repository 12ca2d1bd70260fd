"""Cuts a document's sections into passages of about 40-200 words at paragraph, item and sentence bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from indexer.analysis.text import normalize_space, sentence_units, split_sentences, word_count
from indexer.documents import PATH_SEP, Document, Passage, Section


@dataclass
class _Unit:
    text: str
    words: int
    lead: str = ""  # the lead-in line of the list this unit belongs to, repeated if the list is split


@dataclass
class _Group:
    paths: list[tuple[str, ...]] = field(default_factory=list)
    units: list[_Unit] = field(default_factory=list)

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)

    @property
    def label(self) -> str:
        common = list(self.paths[0])
        for p in self.paths[1:]:
            k = 0
            while k < min(len(common), len(p)) and common[k] == p[k]:
                k += 1
            common = common[:k]
        return PATH_SEP.join(common or self.paths[0])


def _units(section: Section, max_words: int, heading_line: bool) -> list[_Unit]:
    units: list[_Unit] = []
    if heading_line:
        units.append(_Unit(section.path[-1], word_count(section.path[-1])))
    lead = ""
    for block in section.blocks:
        text = normalize_space(block.text)
        if block.kind == "item":
            text = "  " * block.depth + "• " + text
        else:
            lead = text if text.endswith(":") and word_count(text) <= 20 else ""
        if word_count(text) <= max_words:
            units.append(_Unit(text, word_count(text), lead if block.kind == "item" else ""))
            continue
        sentences = split_sentences(text)
        piece: list[str] = []
        for s in sentences:  # a long paragraph is cut between sentences, never inside one
            if piece and word_count(" ".join(piece + [s])) > max_words:
                units.append(_Unit(" ".join(piece), word_count(" ".join(piece))))
                piece = []
            piece.append(s)
        if piece:
            units.append(_Unit(" ".join(piece), word_count(" ".join(piece))))
    return units


def _is_within(path: tuple[str, ...], first: tuple[str, ...]) -> bool:
    """path is a sibling of first (same parent) or below first."""
    return path[:-1] == first[:-1] or path[: len(first)] == first


def _groups(doc: Document, min_words: int, max_words: int) -> list[_Group]:
    groups: list[_Group] = []
    for section in doc.sections:
        g = groups[-1] if groups else None
        if g is not None and g.words < min_words and _is_within(section.path, g.paths[0]):
            g.paths.append(section.path)
            g.units.extend(_units(section, max_words, heading_line=True))
            continue
        groups.append(_Group([section.path], _units(section, max_words, heading_line=False)))
    # a tiny last group joins the one before it when they share a parent
    merged: list[_Group] = []
    for g in groups:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and g.words < min_words
            and prev.paths[0][:-1] == g.paths[0][:-1]
            and prev.words + g.words <= max_words
        ):
            prev.paths.append(g.paths[0])
            prev.units.extend([_Unit(g.paths[0][-1], word_count(g.paths[0][-1])), *g.units])
        else:
            merged.append(g)
    return merged


def _pack(units: list[_Unit], max_words: int, min_words: int) -> list[list[_Unit]]:
    total = sum(u.words for u in units)
    target = total / max(1, math.ceil(total / max_words))
    chunks: list[list[_Unit]] = [[]]
    size = 0
    for u in units:
        cost = u.words + (word_count(u.lead) if u.lead and chunks[-1] == [] else 0)
        if chunks[-1] and (size + cost > max_words or size >= target):
            chunks.append([])
            size = 0
        if not chunks[-1] and u.lead and not u.text.startswith(u.lead):
            chunks[-1].append(_Unit(u.lead, word_count(u.lead)))  # a split list keeps its lead-in line
            size += word_count(u.lead)
        chunks[-1].append(u)
        size += u.words
    if len(chunks) > 1 and sum(u.words for u in chunks[-1]) < min_words:
        last = chunks.pop()
        if last and last[0].text == last[0].lead:
            last = last[1:]
        chunks[-1].extend(last)
    return [c for c in chunks if c]


def passages_of(doc: Document, min_words: int = 40, max_words: int = 200) -> list[Passage]:
    passages: list[Passage] = []
    seen: set[str] = set()
    for group in _groups(doc, min_words, max_words):
        for chunk in _pack(group.units, max_words, min_words):
            text = "\n".join(u.text for u in chunk)
            key = " ".join(text.lower().split())
            if key in seen:  # identical passages within a document are indexed once
                continue
            seen.add(key)
            n = len(passages)
            passages.append(Passage(f"{doc.doc_id}.p{n}", doc.doc_id, doc.title, group.label, text, n))
    return passages


def sentence_spans(p: Passage, aliases: list[str], min_words: int) -> list[list[tuple[int, int]]]:
    """Where each of a passage's sentences (those sentence_texts makes) stands in its embed text: the span a late
    vector pools ([] for a sentence not found as written, which is then embedded alone). Pooling the title and path
    too did no better on the tune split (docs/model.md)."""
    body = len(p.embed_text(aliases)) - len(p.text)  # the text comes last, after "title › path: "
    out, cursor = [], 0
    for unit in sentence_units(p.text, min_words=min_words):
        at = p.text.find(unit, cursor)
        if at < 0:
            out.append([])
            continue
        cursor = at + len(unit)
        out.append([(body + at, body + at + len(unit))])
    return out


def sentence_texts(p: Passage, min_words: int) -> list[str]:
    """What the model sees of each of a passage's sentences: the passage's title and heading path, then the sentence."""
    return [f"{p.title}{PATH_SEP}{p.section}: {unit}" for unit in sentence_units(p.text, min_words=min_words)]
