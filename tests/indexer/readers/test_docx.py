"""Reading Word DOCX: heading styles as the section path, list styles and table rows as items."""

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

import indexer.ingest.readers.docx as docx_reader
from indexer.errors import ReadError
from indexer.ingest.readers.docx import read

FORMATS = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def _save(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_the_reader_uses_python_docx_not_itself():
    assert docx_reader.docx is docx and docx.__name__ == "docx"


def test_career_document_title_and_heading_paths():
    (doc,) = read((FORMATS / "career.docx").read_bytes(), "career.docx")
    assert doc.title == "Cloud Security Analyst"
    assert [s.label for s in doc.sections][:4] == [
        "Overview",
        "Daily Work",
        "Requirements",
        "Requirements › Education",
    ]
    daily = doc.sections[1]
    assert [b.kind for b in daily.blocks] == ["para", "item", "item", "item", "item"]


def test_heading_1_is_the_title_when_there_is_no_title_style_and_lists_and_tables_are_items():
    d = docx.Document()
    d.add_heading("Electrician", 1)
    d.add_heading("Tasks", 2)
    d.add_paragraph("Installs wiring in new homes.")
    d.add_paragraph("Reads plans", style="List Number")
    d.add_paragraph("Wiring diagrams", style="List Bullet 2")
    d.add_paragraph("• Tests circuits")
    d.add_heading("Pay", 2)
    table = d.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("City", "Salary"), ("Leeds", "£35,000")], strict=True):
        row.cells[0].text, row.cells[1].text = cells
    (doc,) = read(_save(d), "electrician.docx")
    assert doc.title == "Electrician"
    tasks, pay = doc.sections
    assert (tasks.label, pay.label) == ("Tasks", "Pay")
    assert [(b.text, b.kind, b.depth) for b in tasks.blocks] == [
        ("Installs wiring in new homes.", "para", 0),
        ("Reads plans", "item", 0),
        ("Wiring diagrams", "item", 1),
        ("Tests circuits", "item", 0),
    ]
    assert [b.text for b in pay.blocks] == ["City | Salary", "Leeds | £35,000"]


def test_merged_table_cells_are_read_once():
    d = docx.Document()
    d.add_heading("Welder", 0)
    table = d.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "Apprentice"
    table.cell(0, 2).text = "£20,000"
    (doc,) = read(_save(d), "welder.docx")
    assert [b.text for s in doc.sections for b in s.blocks] == ["Apprentice | £20,000"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"just some text, saved with the wrong extension", "not a zip archive"),
        (b"PK\x03\x04" + b"\x00" * 200, "not a valid DOCX file: the zip archive is damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "old Word .doc file"),
    ],
)
def test_files_that_are_not_docx_get_a_clear_reason(data: bytes, reason: str):
    with pytest.raises(ReadError, match=reason):
        read(data, "broken.docx")


def test_truncated_docx_is_not_valid():
    data = (FORMATS / "career.docx").read_bytes()
    with pytest.raises(ReadError, match="not a valid DOCX file: the zip archive is damaged or truncated"):
        read(data[: len(data) // 2], "career.docx")


def test_a_zip_that_is_not_a_word_document():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "Plumber: fixes pipes.")
    with pytest.raises(ReadError, match="not a valid DOCX file: a zip archive, but not an Office document"):
        read(buf.getvalue(), "notes.docx")


def test_text_inside_content_controls_is_read():
    d = docx.Document()
    d.add_heading("Baker", 0)
    par = d.add_paragraph("Bakes bread before dawn.")
    sdt = par._p.makeelement(qn("w:sdt"), {})
    content = sdt.makeelement(qn("w:sdtContent"), {})
    par._p.addprevious(sdt)
    sdt.append(content)
    content.append(par._p)  # a template's content control now wraps the paragraph
    (doc,) = read(_save(d), "baker.docx")
    assert [b.text for s in doc.sections for b in s.blocks] == ["Bakes bread before dawn."]
