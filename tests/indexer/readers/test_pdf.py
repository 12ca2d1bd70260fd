"""Reading PDF: headings from font sizes (or the plain-text rule), hard-wrapped lines joined, damaged files named."""

import io
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfWriter

from indexer.errors import ReadError
from indexer.ingest.readers.markdown import read as read_markdown
from indexer.ingest.readers.pdf import read

FORMATS = Path(__file__).resolve().parents[2] / "fixtures" / "formats"
CAREER_PDF = FORMATS / "career.pdf"


def _pdf(lines: list[tuple[str, float, str]], page_furniture: bool = False) -> bytes:
    """A PDF of (text, font size, style) paragraphs in Helvetica, wrapped to the page width."""

    class Doc(FPDF):
        def header(self) -> None:
            if page_furniture:
                self.set_font("Helvetica", "", 8)
                self.cell(0, 5, "CareerHub Guide 2025", new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            if page_furniture:
                self.set_y(-12)
                self.set_font("Helvetica", "", 8)
                self.cell(0, 5, f"Page {self.page_no()}", align="C")

    pdf = Doc(format=(148, 210))
    pdf.add_page()
    for text, size, style in lines:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(3)
    return bytes(pdf.output())


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(CAREER_PDF.read_bytes()))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_career_pdf_title_heading_paths_and_joined_paragraphs():
    (doc,) = read(CAREER_PDF.read_bytes(), "career.pdf")
    (md,) = read_markdown((FORMATS / "career.md").read_bytes(), "career.md")
    assert doc.title == "Cloud Security Analyst"
    assert [s.label for s in doc.sections] == [s.label for s in md.sections]
    # the PDF wraps every paragraph over several lines: each comes back as the one paragraph it was
    assert [(b.kind, b.text) for s in doc.sections for b in s.blocks] == [
        (b.kind, b.text) for s in md.sections for b in s.blocks
    ]


def test_list_item_wrapped_across_a_page_break_stays_one_item():
    (doc,) = read(CAREER_PDF.read_bytes(), "career.pdf")
    education = next(s for s in doc.sections if s.label.endswith("Education"))
    assert education.blocks[-1].text == "Working knowledge of Linux, networking and one scripting language"


def test_bold_body_size_lines_are_subheadings():
    long = "Chefs plan menus, order produce and run the kitchen brigade through every service of the day. " * 2
    data = _pdf([("Head Chef", 18, "B"), ("Duties", 11, "B"), (long, 11, ""), ("Pay", 11, "B"), (long, 11, "")])
    (doc,) = read(data, "chef.pdf")
    assert doc.title == "Head Chef"
    assert [s.label for s in doc.sections] == ["Duties", "Pay"]


def test_without_font_cues_headings_come_from_the_plain_text_rule():
    intro = "Plumbers fit and repair the pipes, fixtures and water systems of homes and businesses in their area."
    data = _pdf(
        [
            ("Plumber", 11, ""),
            ("Overview", 11, ""),
            (intro, 11, ""),
            ("Training", 11, ""),
            ("Most plumbers learn the trade in a four-year apprenticeship with a licensed master plumber.", 11, ""),
        ]
    )
    (doc,) = read(data, "plumber.pdf")
    assert doc.title == "Plumber"
    assert [s.path[-1] for s in doc.sections] == ["Overview", "Training"]
    assert doc.sections[0].blocks[0].text == intro


def test_page_numbers_and_running_headers_are_dropped():
    para = "Welders join metal parts with heat, reading blueprints and checking every seam for flaws. " * 6
    data = _pdf([("Welder", 18, "B"), ("Work", 14, "B")] + [(para, 10, "")] * 12, page_furniture=True)
    (doc,) = read(data, "welder.pdf")
    text = " ".join(b.text for s in doc.sections for b in s.blocks)
    assert "CareerHub Guide" not in text and "Page " not in text
    assert text.count("Welders join metal parts") == 72


def test_encrypted_pdf_without_a_password_is_read():
    (doc,) = read(_encrypted(""), "career.pdf")
    assert doc.title == "Cloud Security Analyst"


def test_password_protected_pdf_is_refused():
    with pytest.raises(ReadError, match="encrypted PDF"):
        read(_encrypted("letmein"), "career.pdf")


def test_truncated_pdf_is_named_as_such():
    data = CAREER_PDF.read_bytes()
    with pytest.raises(ReadError, match="truncated PDF"):
        read(data[: len(data) // 2], "career.pdf")


def test_a_pdf_without_text_is_probably_scanned():
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 150, style="F")
    with pytest.raises(ReadError, match=r"no extractable text \(scanned PDF\?\)"):
        read(bytes(pdf.output()), "scan.pdf")


def test_content_must_be_a_pdf_whatever_the_extension():
    with pytest.raises(ReadError, match="not a PDF"):
        read(b"Plumber\n\nFixes pipes.", "plumber.pdf")


def test_indented_list_items_are_nested():
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "Nurse", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for indent, text in [(0, "Duties:"), (5, "- Patient care"), (12, "- Wound dressing"), (5, "- Record keeping")]:
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    (doc,) = read(bytes(pdf.output()), "nurse.pdf")
    assert [(b.text, b.kind, b.depth) for b in doc.sections[0].blocks] == [
        ("Duties:", "para", 0),
        ("Patient care", "item", 0),
        ("Wound dressing", "item", 1),
        ("Record keeping", "item", 0),
    ]
