"""Plain text and scraped career pages: inferred headings, nested lists, lost headings, embedded profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from indexer.analysis.text import normalize_space, strip_inline_markdown, word_count
from indexer.documents import Block, Document, Section
from indexer.ingest.noise import is_caption_or_logo
from indexer.ingest.readers.decode import decode_text
from indexer.ingest.readers.structure import (
    looks_like_heading,
    profile_sections,
    split_glued_lead,
    title_from_lead,
)

_ITEM = re.compile(r"^(\s*)(?:[•◦▪·*–-]|\d{1,2}[.)]|[a-z][.)])\s+(.*)$")
INTRO_WORDS = 15  # a heading followed by a prose intro this long opens a top-level section


@dataclass
class Unit:
    kind: str  # "line" (a block of one line: maybe a heading) | "para" | "item"
    text: str
    depth: int = 0


def units_of(text: str, noise: frozenset[str]) -> list[Unit]:
    units: list[Unit] = []
    for group in re.split(r"\n\s*\n", text):
        lines = [ln for ln in group.split("\n") if ln.strip()]
        lines = [ln for ln in lines if ln.strip() not in noise and not is_caption_or_logo(ln)]
        if not lines:
            continue
        if len(lines) == 1 and not _ITEM.match(lines[0]):
            line = normalize_space(lines[0])
            units.append(Unit("line" if looks_like_heading(line) else "para", line))
            continue
        indents = sorted({len(m.group(1)) for ln in lines if (m := _ITEM.match(ln))})
        para: list[str] = []
        for ln in lines:
            m = _ITEM.match(ln)
            if m:
                if para:
                    units.append(Unit("para", normalize_space(" ".join(para))))
                    para = []
                units.append(Unit("item", normalize_space(m.group(2)), indents.index(len(m.group(1)))))
            elif units and units[-1].kind == "item" and not para and ln.startswith((" ", "\t")):
                units[-1].text += " " + normalize_space(ln)  # continuation of a wrapped item
            else:
                para.append(ln)
        if para:
            units.append(Unit("para", normalize_space(" ".join(para))))
    return units


def _is_heading(units: list[Unit], i: int) -> bool:
    return units[i].kind == "line" and i + 1 < len(units)


def _is_profile(units: list[Unit], i: int) -> bool:
    """The scraped 'More Careers' pattern: the title line twice, then the profile's text."""
    return (
        i + 2 < len(units)
        and units[i].kind == units[i + 1].kind == "line"
        and units[i].text.casefold() == units[i + 1].text.casefold()
        and units[i + 2].kind == "para"
        and word_count(units[i + 2].text) >= 40
    )


def read(data: bytes, source: str, noise: frozenset[str] = frozenset()) -> list[Document]:
    return parse(decode_text(data), source, noise)


def parse(text: str, source: str, noise: frozenset[str] = frozenset()) -> list[Document]:
    """The document a plain-text page holds (its first line the title), and the people profiles in it, each a
    document of its own."""
    units = units_of(text, noise)
    title = units.pop(0).text if units and units[0].kind == "line" else ""
    if not title:
        title = PurePosixPath(source).stem.replace("_", " ").replace("-", " ").strip().title()
    outline = _Outline()
    profiles: list[Document] = []
    i = 0
    while i < len(units):
        if _is_profile(units, i):
            end = _profile_end(units, i)
            doc = Document(title=units[i].text, source=source, format="text")
            doc.sections = profile_sections(" ".join(u.text for u in units[i + 2 : end]), units[i].text)
            profiles.append(doc)
            i = end
            continue
        if _is_heading(units, i):
            outline.heading(units[i].text, units[i + 1])
        else:
            outline.add(units, i)
        i += 1
    main = Document(title=title, source=source, format="text", sections=outline.filled())
    return [d for d in [main, *profiles] if d.sections]


def _profile_end(units: list[Unit], i: int) -> int:
    """Where the profile starting at unit i ends: at the next profile, or the end."""
    j = i + 2
    while j < len(units) and not _is_profile(units, j):
        j += 1
    return j


class _Outline:
    """The sections of a plain-text page as its lines come: headings open sections (a top-level one when an intro
    paragraph follows), text goes into the current one."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.top: str | None = None  # heading of the current top-level section
        self.current: Section | None = None
        self.last = ""  # kind of the last unit added: "heading" | "para" | "item"

    def open(self, path: tuple[str, ...]) -> Section:
        self.sections.append(Section(path))
        self.current = self.sections[-1]
        return self.current

    def heading(self, text: str, nxt: Unit) -> None:
        if self.top is None or (nxt.kind == "para" and word_count(nxt.text) >= INTRO_WORDS):
            self.top = text
            self.open((text,))
        else:
            self.open((self.top or text, text))
        self.last = "heading"

    def add(self, units: list[Unit], i: int) -> None:
        u = units[i]
        text = strip_inline_markdown(u.text)
        current = self.current
        if u.kind in ("para", "line"):
            lost_heading = (
                current is not None
                and len(current.path) > 1
                and self.last == "item"
                and text.endswith(":")
                and word_count(text) >= 6
                and i + 1 < len(units)
                and units[i + 1].kind == "item"
            )
            if current is None or lost_heading:
                self.top = title_from_lead(text)
                current = self.open((self.top,))
            current.blocks.append(Block(text, "para"))
            self.last = "para"
            return
        if current is None:
            self.top = title_from_lead(text)
            current = self.open((self.top,))
        item, lead = split_glued_lead(text)
        current.blocks.append(Block(item, "item", u.depth))
        if lead:
            current.blocks.append(Block(lead, "para"))
        self.last = "item"

    def filled(self) -> list[Section]:
        return [s for s in self.sections if s.blocks]
