"""PDF: text lines per page; headings from font size (or the plain-text rule), hard-wrapped lines joined again."""

from __future__ import annotations

import io
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass

from pypdf import PageObject, PasswordType, PdfReader

from indexer.analysis.text import normalize_space
from indexer.documents import Block, Document
from indexer.errors import ReadError
from indexer.ingest.readers import plaintext
from indexer.ingest.readers.outline import Outline
from indexer.ingest.readers.structure import looks_like_heading

# pypdf logs every repair it makes on a damaged file; the skip reason tells the admin what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_ITEM = re.compile(r"^(?:[•◦▪·*–-]|\d{1,2}[.)]|[a-z][.)])\s+(.*)$")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_FINAL = tuple(".!?:")
HEADING_RATIO = 1.15  # a line this much larger than the body text is a heading
PARA_GAP = 1.4  # a vertical gap this many times the usual line spacing ends a paragraph


@dataclass
class Line:
    text: str
    size: float  # font size in points as drawn
    bold: bool
    x: float
    y: float  # baseline height on the page (grows upwards)
    page: int


def read(data: bytes, source: str, noise: frozenset[str] = frozenset()) -> list[Document]:
    reader = _open(data)
    lines = _drop_page_furniture(_read_lines(reader, data))
    lines = [ln for ln in lines if ln.text not in noise]
    if not lines:
        raise ReadError("no extractable text (scanned PDF?)")
    body = _body_size(lines)
    levels = _heading_levels(lines, body)
    if not levels and not any(_is_bold_heading(lines, i) for i in range(len(lines))):
        return _by_plain_text_rule(lines, source, noise)
    outline = Outline()
    for kind, level, text in _blocks(lines, levels):
        if kind == "heading":
            outline.heading(level, text)
        else:
            outline.add(Block(text, kind, level))
    doc = outline.document(source, fmt="pdf")
    return [doc] if doc.sections else []


def _open(data: bytes) -> PdfReader:
    if not data.strip():
        raise ReadError("empty file")
    if b"%PDF-" not in data[:1024]:
        raise ReadError("not a PDF (content does not match the extension)")
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ReadError(f"{_damage(data)}: {_why(exc)}") from None
    if encrypted:
        try:
            opened = reader.decrypt("")  # many PDFs are encrypted only to restrict printing, with no password
        except Exception as exc:  # e.g. AES without the cryptography package
            raise ReadError(f"encrypted PDF: cannot decrypt it ({_why(exc)})") from None
        if opened == PasswordType.NOT_DECRYPTED:
            raise ReadError("encrypted PDF: it needs a password to open")
    return reader


def _damage(data: bytes) -> str:
    return "truncated PDF (no end-of-file marker)" if b"%%EOF" not in data[-2048:] else "corrupt PDF"


def _why(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {str(exc)[:160]}" if str(exc) else exc.__class__.__name__


def _read_lines(reader: PdfReader, data: bytes) -> list[Line]:
    """Every page's lines; damaged pages are passed over as long as some page can be read."""
    lines: list[Line] = []
    errors: list[Exception] = []
    try:
        pages = list(reader.pages)
    except Exception as exc:
        raise ReadError(f"{_damage(data)}: cannot read its pages ({_why(exc)})") from None
    for number, page in enumerate(pages):
        try:
            lines.extend(_page_lines(page, number))
        except Exception as exc:
            errors.append(exc)
    if errors and len(errors) == len(pages):
        raise ReadError(f"{_damage(data)}: no page could be read ({_why(errors[0])})")
    if not pages:
        raise ReadError(f"{_damage(data)}: it has no pages")
    return lines


def _mult(a: list[float], b: list[float]) -> list[float]:
    """Product of two PDF matrices [a b c d e f]."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _page_lines(page: PageObject, number: int) -> list[Line]:
    lines: list[Line] = []
    runs: list[tuple[str, float, bool, float, float]] = []  # text, size, bold, x, y of the line being read

    def end_line() -> None:
        text = normalize_space("".join(r[0] for r in runs).replace("\u00ad", ""))
        if text:
            style = Counter[tuple[float, bool]]()
            for t, size, bold, _, _ in runs:
                style[(size, bold)] += len(t.strip())
            size, bold = style.most_common(1)[0][0]
            lines.append(Line(text, size, bold, runs[0][3], runs[0][4], number))
        runs.clear()

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, font_size: float) -> None:
        if not text:
            return
        m = _mult(list(tm), list(cm))
        size = round(abs(font_size * math.hypot(m[2], m[3])) * 2) / 2  # to the half point: 10.98 is 11
        name = str((font or {}).get("/BaseFont", "")).lower()
        bold = any(w in name for w in ("bold", "black", "heavy", "semibold"))
        for i, part in enumerate(text.split("\n")):
            if i:
                end_line()
            if not part:
                continue
            if runs and part.strip() and runs[-1][4] and abs(m[5] - runs[-1][4]) > 0.5 * max(size, runs[-1][1]):
                end_line()  # moved to another line without saying so
            runs.append((part, size, bold, m[4], m[5]))

    page.extract_text(visitor_text=visit)
    end_line()
    return lines


def _drop_page_furniture(lines: list[Line]) -> list[Line]:
    """Page numbers, and running headers or footers: the same line at the same height on most pages."""
    pages = len({ln.page for ln in lines})

    def key(ln: Line) -> tuple[str, int]:
        return re.sub(r"\d+", "#", ln.text.casefold()), round(ln.y)

    on_pages = Counter(k for k, _ in {(key(ln), ln.page) for ln in lines})
    repeated = {k for k, n in on_pages.items() if n >= max(2, 0.6 * pages)}
    return [ln for ln in lines if key(ln) not in repeated and not _PAGE_NUMBER.match(ln.text)]


def _body_size(lines: list[Line]) -> float:
    chars = Counter[float]()
    for ln in lines:
        chars[ln.size] += len(ln.text)
    return chars.most_common(1)[0][0]


def _heading_levels(lines: list[Line], body: float) -> dict[float, int]:
    """Font sizes clearly larger than the body text, largest first: size -> heading level."""
    if body <= 0:
        return {}
    sizes = sorted({ln.size for ln in lines if ln.size >= body * HEADING_RATIO and len(ln.text.split()) <= 20})
    return {size: level for level, size in enumerate(reversed(sizes), start=1)}


def _is_bold_heading(lines: list[Line], i: int) -> bool:
    """A bold line at body size standing alone before body text: a run-in heading of many word processors."""
    ln = lines[i]
    return (
        ln.bold
        and looks_like_heading(ln.text)
        and i + 1 < len(lines)
        and not lines[i + 1].bold
        and (i == 0 or not lines[i - 1].bold)
        and not _ITEM.match(ln.text)
    )


@dataclass
class Spacing:
    line: float  # the usual distance between two lines of a paragraph; 0 when the PDF gives no positions
    marks_paragraphs: bool  # whether this PDF leaves larger gaps between paragraphs


def _spacing(lines: list[Line]) -> Spacing:
    gaps = [
        round(a.y - b.y, 1)
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page and a.size == b.size and 0 < a.y - b.y < 3 * max(a.size, 1)
    ]
    if not gaps:
        return Spacing(0.0, False)
    line = Counter(gaps).most_common(1)[0][0]
    return Spacing(line, any(g > line * PARA_GAP for g in gaps))


def _blocks(lines: list[Line], levels: dict[float, int]) -> list[tuple[str, int, str]]:
    """Lines -> ("heading", level, text), ("item", depth, text), ("para", 0, text); hard-wrapped lines joined."""
    spacing = _spacing(lines)
    bold_level = len(levels) + 1
    indents = _indents([ln.x for ln in lines if ln.x and _ITEM.match(ln.text)])
    out: list[list] = []  # [kind, level, text, last line]
    for i, ln in enumerate(lines):
        prev = out[-1] if out else None
        last: Line | None = prev[3] if prev else None
        level = levels.get(ln.size) or (bold_level if _is_bold_heading(lines, i) else 0)
        if level:
            if prev and prev[0] == "heading" and prev[1] == level and _close(last, ln, 1.6 * ln.size):
                prev[2] += " " + ln.text  # a heading wrapped over two lines
                prev[3] = ln
            else:
                out.append(["heading", level, ln.text, ln])
            continue
        m = _ITEM.match(ln.text)
        if m:
            out.append(["item", sum(1 for x in indents if x < ln.x - 3), m.group(1), ln])  # depth from the indent
            continue
        if prev and prev[0] != "heading" and _continues(last, ln, prev[0], spacing):
            prev[2] = _join(prev[2], ln.text)
            prev[3] = ln
        else:
            out.append(["para", 0, ln.text, ln])
    return [(kind, level, normalize_space(text)) for kind, level, text, _ in out]


def _indents(xs: list[float]) -> list[float]:
    """The distinct left edges of list items, a few points apart or more."""
    edges: list[float] = []
    for x in sorted(xs):
        if not edges or x - edges[-1] > 3:
            edges.append(x)
    return edges


def _close(a: Line | None, b: Line, limit: float) -> bool:
    return a is not None and a.page == b.page and 0 < a.y - b.y <= limit


def _continues(last: Line | None, ln: Line, kind: str, spacing: Spacing) -> bool:
    """Whether ln goes on with the paragraph or list item whose last line is `last`."""
    if last is None or ln.size != last.size:
        return False
    if kind == "item" and last.x and ln.x and ln.x < last.x - 1:
        return False  # back at the left margin: the list is over
    if spacing.marks_paragraphs and last.page == ln.page and last.y and ln.y:
        return last.y - ln.y <= spacing.line * PARA_GAP
    # no gaps to go by (or a page break): a sentence that ends at the line end ends the paragraph
    return ln.text[:1].islower() or not last.text.endswith(_FINAL)


def _join(text: str, more: str) -> str:
    if re.search(r"[a-z]-$", text) and more[:1].islower():
        return text[:-1] + more  # a word hyphenated at the line end
    return f"{text} {more}"


def _by_plain_text_rule(lines: list[Line], source: str, noise: frozenset[str]) -> list[Document]:
    """No font cues: put paragraphs back together, then let the plain-text reader infer the headings."""
    spacing = _spacing(lines)
    width = sorted(len(ln.text) for ln in lines)[int(0.9 * (len(lines) - 1))]  # a full line, in characters
    blocks: list[tuple[str, Line, bool]] = []  # text, last line, whether it is a lone heading-like line
    for ln in lines:
        if blocks and not blocks[-1][2] and not _ITEM.match(ln.text) and _continues(blocks[-1][1], ln, "para", spacing):
            blocks[-1] = (_join(blocks[-1][0], ln.text), ln, False)
            continue
        # a short heading-like line that starts a block stands alone: the next line opens the body
        blocks.append((ln.text, ln, looks_like_heading(ln.text) and len(ln.text) < 0.7 * width))
    docs = plaintext.parse("\n\n".join(text for text, _, _ in blocks), source, noise)
    for doc in docs:
        doc.format = "pdf"
    return docs
