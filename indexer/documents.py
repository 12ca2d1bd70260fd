"""Plain dataclasses shared by the indexer's stages: documents, sections, passages, skips."""

from __future__ import annotations

from dataclasses import dataclass, field

PATH_SEP = " › "


@dataclass
class Block:
    """One paragraph or list item of a section, as plain text."""

    text: str
    kind: str = "para"  # "para" | "item"
    depth: int = 0  # nesting depth of a list item


@dataclass
class Section:
    """A heading path (without the document title) and the blocks under that heading."""

    path: tuple[str, ...]
    blocks: list[Block] = field(default_factory=list)

    @property
    def label(self) -> str:
        return PATH_SEP.join(self.path)


@dataclass
class Document:
    title: str
    source: str  # path relative to the corpus root
    sections: list[Section] = field(default_factory=list)
    doc_id: str = ""
    aliases: list[str] = field(default_factory=list)
    category: str = ""
    format: str = ""
    audience: list[str] = field(default_factory=list)  # users/groups who may see it (front matter); [] = everyone

    def name_text(self) -> str:
        """What the document's name vector is made of: its title and other names, the way people search for it."""
        return f"{self.title} ({', '.join(self.aliases)})" if self.aliases else self.title


@dataclass
class Passage:
    passage_id: str
    doc_id: str
    title: str
    section: str
    text: str
    ordinal: int

    def embed_text(self, aliases: list[str] | None = None) -> str:
        """What the model sees: the career title and heading path give the passage its context; the lead
        passage also carries the career's other names, so "what does a pentester do" finds it."""
        title = f"{self.title} ({', '.join(aliases)})" if aliases and self.ordinal == 0 else self.title
        head = f"{title}{PATH_SEP}{self.section}" if self.section else title
        return f"{head}: {self.text}"


@dataclass
class Skipped:
    source: str
    reason: str


@dataclass
class ReadResult:
    documents: list[Document]
    skipped: list[Skipped]
    fingerprint: str = ""  # hash of every file's path and bytes: tells whether the corpus changed
