"""Cutting sections into passages: sizes, sentence boundaries, lead-in lines, merging and de-duplication."""

import re

from indexer.documents import Block, Document, Section
from indexer.ingest.passages import passages_of


def sentence(i: int) -> str:
    return f"Sentence number {i} explains one more duty of the role in plain words."


def test_long_sections_split_between_sentences_within_the_size_bounds():
    para = " ".join(sentence(i) for i in range(60))  # ~720 words
    doc = Document("T", "t.md", [Section(("Overview",), [Block(para)])], doc_id="t")
    ps = passages_of(doc, 40, 200)
    assert len(ps) >= 4
    for p in ps:
        assert 40 <= len(p.text.split()) <= 200
        assert p.text.endswith(".") and re.match(r"Sentence number \d+", p.text)
        assert p.title == "T" and p.section == "Overview"


def test_a_split_list_keeps_its_lead_in_line():
    items = [Block(f"Item {i} is a duty with several words to make it long enough here", "item") for i in range(40)]
    doc = Document("T", "t.md", [Section(("Duties",), [Block("The main duties are:"), *items])], doc_id="t")
    ps = passages_of(doc)
    assert len(ps) > 1
    assert all(p.text.startswith("The main duties are:") for p in ps)


def test_tiny_sections_merge_only_with_siblings_of_the_same_parent():
    short = "Only a few words here."
    doc = Document(
        "T",
        "t.md",
        [
            Section(("Pay", "Average"), [Block(short)]),
            Section(("Pay", "By City"), [Block(short)]),
            Section(("Skills",), [Block(" ".join(sentence(i) for i in range(5)))]),
        ],
        doc_id="t",
    )
    ps = passages_of(doc)
    assert [p.section for p in ps] == ["Pay", "Skills"]
    assert "By City" in ps[0].text


def test_identical_passages_within_a_document_are_indexed_once():
    body = [Block(" ".join(sentence(i) for i in range(5)))]
    doc = Document("T", "t.md", [Section(("A",), body), Section(("B",), list(body))], doc_id="t")
    assert len(passages_of(doc)) == 1


def test_embedded_text_carries_title_and_heading_path():
    doc = Document("Chef", "c.md", [Section(("Pay", "By City"), [Block(sentence(1) * 5)])], doc_id="c")
    assert passages_of(doc)[0].embed_text().startswith("Chef › Pay › By City: ")
