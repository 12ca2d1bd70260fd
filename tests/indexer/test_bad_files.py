"""A corpus with broken, odd and unsupported files: each is skipped with a reason that says what is wrong."""

import io
import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfWriter

from indexer.documents import ReadResult
from indexer.ingest.corpus import read_corpus

FORMATS = Path(__file__).resolve().parents[1] / "fixtures" / "formats"
PATISSIER = (
    "Pâtissier\n\nOverview\n\nA pâtissier prepares crème brûlée, éclairs and café pastries every morning. "
    "The role suits people who enjoy précis work – and early starts.\n\n"
    "Salary\n\nPay ranges from €25,000 to €40,000 in most cities; head pâtissiers earn more.\n"
)


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO((FORMATS / "career.pdf").read_bytes()))
    writer.encrypt(user_password="letmein", owner_password="owner-secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return make_bad_corpus(tmp_path)


def make_bad_corpus(tmp_path: Path) -> Path:
    """Good documents in every format beside one file for every bad case."""
    root = tmp_path / "corpus"
    good = root / "good"
    shutil.copytree(FORMATS, good)
    bad = root / "bad"
    bad.mkdir()
    pdf = (FORMATS / "career.pdf").read_bytes()
    docx = (FORMATS / "career.docx").read_bytes()
    (bad / "empty.md").write_bytes(b"")
    (bad / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (bad / "binary.html").write_bytes(b"\x00\x01\x02\x03" * 500)
    (bad / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (bad / "locked.pdf").write_bytes(_encrypted_pdf())
    (bad / "notes.pdf").write_bytes(b"Plumber\n\nThis is a text file with the wrong extension.\n")
    (bad / "corrupt.docx").write_bytes(docx[: len(docx) // 2])
    (bad / "letter.docx").write_bytes(b"Dear hiring manager, this is not a Word file.")
    (bad / "salaries.xlsx").write_bytes(b"PK\x03\x04 a spreadsheet")
    (bad / "gone.md").symlink_to(root / "deleted.md")
    (bad / "loop").symlink_to(bad, target_is_directory=True)
    # legacy encodings are not UTF-8, but these are good documents and must be read, accents and all
    (good / "patissier.txt").write_bytes(PATISSIER.encode("cp1252"))
    return root


def _reasons(result: ReadResult) -> dict[str, str]:
    return {s.source: s.reason for s in result.skipped}


def test_every_bad_file_is_skipped_with_a_reason(corpus: Path):
    reasons = _reasons(read_corpus(corpus))
    expected = {
        "bad/empty.md": "empty file",
        "bad/photo.txt": "binary data",
        "bad/binary.html": "binary data",
        "bad/truncated.pdf": "truncated PDF",
        "bad/locked.pdf": "encrypted PDF",
        "bad/notes.pdf": "not a PDF (content does not match the extension)",
        "bad/corrupt.docx": "not a valid DOCX file",
        "bad/letter.docx": "not a valid DOCX file: not a zip archive",
        "bad/salaries.xlsx": "unsupported file type '.xlsx'",
        "bad/gone.md": "broken link",
        "bad/loop": "symlink loop",
    }
    for source, reason in expected.items():
        assert source in reasons, f"{source} not reported; skipped: {reasons}"
        assert reason in reasons[source]
    assert set(reasons) == set(expected)


def test_good_documents_still_come_through(corpus: Path):
    result = read_corpus(corpus)
    by_source = {d.source: d for d in result.documents}
    for name in ("career.md", "career.html", "career.docx", "career.pdf"):
        assert by_source[f"good/{name}"].title == "Cloud Security Analyst"
    patissier = by_source["good/patissier.txt"]
    assert patissier.title == "Pâtissier"
    assert "crème brûlée, éclairs and café" in patissier.sections[0].blocks[0].text
    assert "€25,000 to €40,000" in patissier.sections[-1].blocks[0].text


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_short_legacy_encoded_note_keeps_its_accents(tmp_path: Path, encoding: str):
    text = "# Café Manager\n\nRuns the café and the crêperie, and serves crème brûlée.\n"
    (tmp_path / "cafe.md").write_bytes(text.encode(encoding))
    (doc,) = read_corpus(tmp_path).documents
    assert doc.sections[0].blocks[0].text == "Runs the café and the crêperie, and serves crème brûlée."


def test_files_over_the_size_cap_are_skipped(corpus: Path):
    reasons = _reasons(read_corpus(corpus, max_file_mb=0.001))
    assert "over the 0.001 MB cap" in reasons["good/career.docx"]
    assert "good/career.md" in reasons  # 1.8 kB: over a 1 kB cap as well


def test_unreadable_file_is_skipped(corpus: Path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    secret = corpus / "bad" / "secret.md"
    secret.write_text("# Secret\n\nText.\n")
    secret.chmod(0)
    try:
        assert "cannot read file" in _reasons(read_corpus(corpus))["bad/secret.md"]
    finally:
        secret.chmod(0o644)
