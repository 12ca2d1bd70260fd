"""Word DOCX: heading styles become the section path; list styles, numbered paragraphs and table rows become items."""

from __future__ import annotations

import io
import re
import zipfile

import docx  # python-docx: absolute imports find the top-level package, not this module
from docx.document import Document as WordDocument
from docx.oxml.ns import qn
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from indexer.analysis.text import normalize_space
from indexer.documents import Block, Document
from indexer.errors import ReadError
from indexer.ingest.readers.outline import Outline

_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.I)
_LIST_STYLE = re.compile(r"^list\s+(?:bullet|number|continue)(?:\s+([2-9]))?$", re.I)
_TYPED_ITEM = re.compile(r"^(?:[•◦▪·*–-]|\d{1,2}[.)])\s+(.*)$")  # a bullet typed by hand
_BODY_BLOCKS = "./w:p | ./w:tbl | ./w:sdt/w:sdtContent/w:p | ./w:sdt/w:sdtContent/w:tbl"
_OLD_WORD = b"\xd0\xcf\x11\xe0"  # OLE compound file: a .doc from Word 97-2003


def read(data: bytes, source: str, noise: frozenset[str] = frozenset()) -> list[Document]:
    document = _open(data)
    outline = Outline()
    # body paragraphs and tables in order, with those inside content controls (w:sdt) that templates use
    for element in document.element.body.xpath(_BODY_BLOCKS):
        if element.tag == qn("w:p"):
            _paragraph(Paragraph(element, document._body), outline, noise)
        else:
            _table(Table(element, document._body), outline)
    if not outline.title:
        outline.title = normalize_space(document.core_properties.title or "")
    doc = outline.document(source, fmt="docx")
    return [doc] if doc.sections else []


def _open(data: bytes) -> WordDocument:
    if not data.strip():
        raise ReadError("empty file")
    if data.startswith(_OLD_WORD):
        raise ReadError("not a valid DOCX file: this is an old Word .doc file (save it as .docx)")
    if not data.startswith(b"PK"):
        raise ReadError("not a valid DOCX file: not a zip archive (content does not match the extension)")
    try:
        return docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        reason = "the zip archive is damaged or truncated"
    except KeyError:
        reason = "a zip archive, but not an Office document"
    except ValueError as exc:
        reason = "an Office file, but not a Word document" if "not a Word file" in str(exc) else str(exc)[:160]
    except Exception as exc:  # lxml and python-docx raise their own errors on a damaged document
        reason = f"{exc.__class__.__name__}: {str(exc)[:160]}"
    raise ReadError(f"not a valid DOCX file: {reason}")


def _styles(style: BaseStyle | None) -> list[BaseStyle]:
    """The style and the styles it is based on."""
    chain: list[BaseStyle] = []
    while style is not None and style not in chain and len(chain) < 10:
        chain.append(style)
        style = style.base_style
    return chain


def _heading_level(par: Paragraph, chain: list[BaseStyle]) -> int:
    """1-9 for a heading, 0 for body text: by style name, or by the outline level Word shows in its navigation."""
    for style in chain:
        m = _HEADING_STYLE.match(style.name or "")
        if m:
            return int(m.group(1))
    for element in (par._p, *(s.element for s in chain)):
        lvl = element.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if lvl is not None and (val := lvl.get(qn("w:val"), "")).isdigit() and int(val) < 9:
            return int(val) + 1
    return 0


def _list_depth(par: Paragraph, chain: list[BaseStyle]) -> int | None:
    """The nesting depth of a list paragraph (0 = top), or None when it is not in a list."""
    num = par._p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    if num is not None:
        ilvl = num.find(qn("w:ilvl"))
        val = ilvl.get(qn("w:val"), "0") if ilvl is not None else "0"
        return int(val) if val.isdigit() else 0
    for style in chain:
        m = _LIST_STYLE.match(style.name or "")
        if m:
            return int(m.group(1) or 1) - 1
        if style.element.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is not None:
            return 0
    return None


def _paragraph(par: Paragraph, outline: Outline, noise: frozenset[str]) -> None:
    text = normalize_space(par.text)
    if not text or text in noise:
        return
    chain = _styles(par.style)
    name = (chain[0].name or "") if chain else ""
    if name.casefold().startswith("toc"):
        return  # a table of contents repeats the headings
    if name.casefold() == "title":
        if not outline.title and not outline.sections:
            outline.title = text
        else:
            outline.heading(1, text)
        return
    level = _heading_level(par, chain)
    if level:
        outline.heading(level, text)
        return
    depth = _list_depth(par, chain)
    typed = _TYPED_ITEM.match(text)
    if depth is not None:
        outline.add(Block(typed.group(1) if typed else text, "item", depth))
    elif typed:
        outline.add(Block(typed.group(1), "item"))
    else:
        outline.add(Block(text, "para"))


def _table(table: Table, outline: Outline) -> None:
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a merged cell is listed once per grid column it spans
            seen.add(id(cell._tc))
            text = normalize_space(cell.text)
            if text:
                cells.append(text)
        if cells:
            outline.add(Block(" | ".join(cells), "item"))
