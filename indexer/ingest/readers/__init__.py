"""Readers turn one file's bytes into Documents; each format lives in its own module."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from indexer.documents import Document

# A reader takes the file's bytes, its corpus-relative path and the corpus's noise lines, and returns its documents.
Reader = Callable[[bytes, str, frozenset[str]], list[Document]]


@cache
def _readers() -> dict[str, Reader]:
    from indexer.ingest.readers import docx, html, markdown, pdf, plaintext  # imported late: they import this module

    return {
        ".txt": plaintext.read,
        ".text": plaintext.read,
        ".md": markdown.read,
        ".markdown": markdown.read,
        ".html": html.read,
        ".htm": html.read,
        ".pdf": pdf.read,
        ".docx": docx.read,
    }


def reader_for(suffix: str) -> Reader | None:
    return _readers().get(suffix.lower())


SUPPORTED_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
