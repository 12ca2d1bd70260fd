"""Builds a Document from a stream of headings and blocks, for formats with real headings."""

from __future__ import annotations

from pathlib import PurePosixPath

from indexer.documents import Block, Document, Section
from indexer.ingest.readers.structure import title_from_lead


class Outline:
    """Feed headings (with their level) and blocks in reading order; get a Document with heading paths.

    The first top-level heading before any content is the document title (unless one is given); later headings
    nest by level, whatever levels the format starts at."""

    def __init__(self, title: str = "") -> None:
        self.title = title
        self.stack: list[tuple[int, str]] = []
        self.sections: list[Section] = []
        self._seen_content = False

    def heading(self, level: int, text: str) -> None:
        text = text.strip().rstrip(":")
        if not text:
            return
        if not self.stack and not self._seen_content and (not self.title or text.casefold() == self.title.casefold()):
            if not self.title or text.casefold() == self.title.casefold():
                self.title = self.title or text
                return
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        self.sections.append(Section(tuple(h for _, h in self.stack)))

    def add(self, block: Block) -> None:
        if not block.text:
            return
        self._seen_content = True
        if not self.sections:
            self.sections.append(Section((title_from_lead(block.text),)))
        self.sections[-1].blocks.append(block)

    def document(self, source: str, fmt: str) -> Document:
        title = self.title or PurePosixPath(source).stem.replace("_", " ").replace("-", " ").title()
        return Document(title=title, source=source, sections=[s for s in self.sections if s.blocks], format=fmt)
