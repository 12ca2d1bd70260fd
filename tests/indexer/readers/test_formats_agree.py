"""The same career written as Markdown, HTML, DOCX and PDF reads the same: title, heading paths and words."""

import re
from pathlib import Path

import pytest

from indexer.documents import Document
from indexer.ingest.readers import reader_for

FORMATS = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def _read(name: str) -> Document:
    path = FORMATS / name
    reader = reader_for(path.suffix)
    assert reader is not None, f"no reader for {path.suffix}"
    (doc,) = reader(path.read_bytes(), name)
    return doc


def _words(doc: Document) -> list[str]:
    text = " ".join(b.text for s in doc.sections for b in s.blocks)
    return re.findall(r"\w+", text.casefold())


@pytest.mark.parametrize("name", ["career.html", "career.docx", "career.pdf"])
def test_every_format_reads_like_the_markdown(name: str):
    md, doc = _read("career.md"), _read(name)
    assert doc.title == md.title == "Cloud Security Analyst"
    assert [s.label for s in doc.sections] == [s.label for s in md.sections]
    assert len(md.sections) == 7
    words, md_words = _words(doc), _words(md)
    assert abs(len(words) - len(md_words)) <= 0.02 * len(md_words)
    assert len(set(words) ^ set(md_words)) <= 0.02 * len(set(md_words))
    assert [len(s.blocks) for s in doc.sections] == [len(s.blocks) for s in md.sections]
