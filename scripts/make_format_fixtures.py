"""Writes tests/fixtures/formats/career.docx and career.pdf from career.md, so every format holds the same career.

Run from the repository root: .venv/bin/python scripts/make_format_fixtures.py (needs python-docx and fpdf2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import docx
from fpdf import FPDF

FORMATS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "formats"


def blocks(markdown: str) -> list[tuple[str, int, str]]:
    """career.md's simple Markdown as (kind, level, text): kind is "heading" (level 1-3), "para" or "item"."""
    out: list[tuple[str, int, str]] = []
    for chunk in re.split(r"\n\s*\n", markdown.strip()):
        lines = chunk.strip().split("\n")
        if m := re.match(r"^(#{1,6})\s+(.*)$", lines[0]):
            out.append(("heading", len(m.group(1)), m.group(2).strip()))
        elif lines[0].startswith("- "):
            out.extend(("item", 0, ln[2:].strip()) for ln in lines)
        else:
            out.append(("para", 0, " ".join(ln.strip() for ln in lines)))
    return out


def write_docx(items: list[tuple[str, int, str]], path: Path) -> None:
    document = docx.Document()
    for kind, level, text in items:
        if kind == "heading":
            document.add_heading(text, level - 1)  # level 0 is Word's "Title" style
        elif kind == "item":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    document.core_properties.title = items[0][2]
    document.core_properties.author = "career-search tests"
    document.save(str(path))


def write_pdf(items: list[tuple[str, int, str]], path: Path) -> None:
    pdf = FPDF(format=(148, 210))  # A5: a small page, so the text runs over two pages and wraps often
    pdf.set_creation_date(datetime(2025, 1, 1, tzinfo=UTC))  # fixed: the file only changes with career.md
    pdf.set_title(items[0][2])
    pdf.core_fonts_encoding = "cp1252"  # the core fonts are WinAnsi-encoded: "•" is in cp1252, not latin-1
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    sizes = {1: 20, 2: 15, 3: 12.5}
    for kind, level, text in items:
        if kind == "heading":
            pdf.set_font("Helvetica", "B", sizes[level])
            pdf.ln(3)
            pdf.multi_cell(0, sizes[level] * 0.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "item":
            pdf.set_font("Helvetica", "", 10.5)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 5, "\u2022 " + text, new_x="LMARGIN", new_y="NEXT", align="L")
        else:
            pdf.set_font("Helvetica", "", 10.5)
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2.5)
    pdf.output(str(path))


def main() -> None:
    items = blocks((FORMATS / "career.md").read_text(encoding="utf-8"))
    write_docx(items, FORMATS / "career.docx")
    write_pdf(items, FORMATS / "career.pdf")
    print(f"wrote {FORMATS / 'career.docx'} and {FORMATS / 'career.pdf'}")


if __name__ == "__main__":
    main()
