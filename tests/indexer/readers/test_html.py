"""Reading HTML pages: the article without the site around it, headings as the section path, plain text only."""

from pathlib import Path

import pytest

from indexer.errors import ReadError
from indexer.ingest.passages import passages_of
from indexer.ingest.readers.html import read

FORMATS = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def _page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def test_career_page_title_and_heading_paths():
    (doc,) = read((FORMATS / "career.html").read_bytes(), "career.html")
    assert doc.title == "Cloud Security Analyst"
    assert [s.label for s in doc.sections] == [
        "Overview",
        "Daily Work",
        "Requirements",
        "Requirements › Education",
        "Requirements › Certifications",
        "Salary Ranges",
        "Salary Ranges › By City",
    ]
    assert doc.format == "html"


def test_site_chrome_never_reaches_the_passages():
    (doc,) = read((FORMATS / "career.html").read_bytes(), "career.html")
    text = " ".join(p.embed_text() for p in passages_of(doc))
    chrome = ["CareerHub", "Sign in", "All careers", "Technology", "Related careers", "Penetration Tester"]
    chrome += ["tracking", "Subscribe", "enable JavaScript", "All rights reserved", "font-family"]
    assert [c for c in chrome if c in text] == []
    assert "<" not in text and "&" not in text  # no tags, entities decoded
    assert "organisation's data" in text and "Google Cloud" in text and "Bachelor’s degree" in text


def test_lists_keep_their_nesting_and_tables_become_rows():
    body = (
        "<main><h1>Chef</h1><h2>Skills</h2><ul><li>Knife work<ul><li>Julienne</li></ul></li><li>Sauces</li></ul>"
        "<h2>Pay</h2><table><tr><th>City</th><th>Salary</th></tr><tr><td>Oslo</td><td>$50,000</td></tr></table></main>"
    )
    (doc,) = read(_page(body), "chef.html")
    skills, pay = doc.sections
    assert [(b.text, b.kind, b.depth) for b in skills.blocks] == [
        ("Knife work", "item", 0),
        ("Julienne", "item", 1),
        ("Sauces", "item", 0),
    ]
    assert [b.text for b in pay.blocks] == ["City | Salary", "Oslo | $50,000"]


def test_title_tag_when_there_is_no_h1_and_loose_text_is_kept():
    body = "<div><h2>Duties</h2>Plans menus for the week.<br><br>Orders <b>fresh</b> produce daily.</div>"
    (doc,) = read(_page(body, "<title>Head Chef | Jobs Portal</title>"), "chef.html")
    assert doc.title == "Head Chef"
    assert [b.text for b in doc.sections[0].blocks] == ["Plans menus for the week.", "Orders fresh produce daily."]


def test_main_is_preferred_over_the_rest_of_the_body():
    body = "<div class='promo'>Try our premium plan today</div><main><h1>Chef</h1><h2>Role</h2><p>Cooks.</p></main>"
    (doc,) = read(_page(body), "chef.html")
    assert [b.text for s in doc.sections for b in s.blocks] == ["Cooks."]


def test_declared_legacy_charset_is_honoured():
    html = _page("<h1>Pâtissier</h1><h2>Rôle</h2><p>Crème brûlée “daily”.</p>", "<meta charset='windows-1252'>")
    (doc,) = read(html.decode().encode("cp1252"), "patissier.html")
    assert doc.title == "Pâtissier"
    assert doc.sections[0].blocks[0].text == "Crème brûlée “daily”."


def test_binary_data_is_refused():
    with pytest.raises(ReadError, match="binary"):
        read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "image.html")
