"""Reading Markdown: front matter, real headings as the section path, lists and tables as plain text."""

from indexer.ingest.readers.markdown import parse


def test_front_matter_and_heading_paths():
    text = (
        "---\ntitle: Nurse\naliases: [RN]\ncategory: Health\n---\n# Nurse\n\n## Pay\n\n### By City\n\n- Boston: $90k\n"
    )
    (doc,) = parse(text, "nurse.md")
    assert (doc.title, doc.aliases, doc.category) == ("Nurse", ["RN"], "Health")
    assert [s.label for s in doc.sections] == ["Pay › By City"]
    assert doc.sections[0].blocks[0].text == "Boston: $90k"


def test_title_from_first_heading_and_inline_markdown_is_stripped():
    (doc,) = parse("# Chef\n\nIntro with **bold** and [a link](http://x).\n\n## Skills\n\n1. Knife work\n", "c.md")
    assert doc.title == "Chef"
    assert doc.sections[0].blocks[0].text == "Intro with bold and a link."
    assert doc.sections[-1].label == "Skills"


def test_nested_lists_and_tables():
    (doc,) = parse("# T\n\n## S\n\n- a\n  - b\n\n| City | Pay |\n|---|---|\n| Oslo | 1 |\n", "t.md")
    blocks = doc.sections[0].blocks
    assert [(b.text, b.depth) for b in blocks[:2]] == [("a", 0), ("b", 1)]
    assert blocks[-1].text == "Oslo | 1"
