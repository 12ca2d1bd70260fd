"""Reading scraped career pages: noise, inferred headings, lost headings and embedded profiles."""

from pathlib import Path

from indexer.ingest.corpus import read_corpus
from indexer.ingest.noise import is_caption_or_logo, repeated_noise
from indexer.ingest.passages import passages_of
from indexer.ingest.readers.plaintext import parse
from indexer.ingest.readers.structure import split_inline_heading, title_from_lead

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "mini" / "careers_page.txt"


def docs():
    return {d.title: d for d in parse(PAGE.read_text(), "careers_page.txt")}


def test_title_is_the_career_not_the_logo_line():
    assert list(docs())[0] == "Site Reliability Engineer"


def test_noise_lines_never_reach_the_text():
    for doc in docs().values():
        for p in passages_of(doc):
            assert "logoCareerHub" not in p.text
            assert "first image" not in p.text and "second image" not in p.text
            assert "**" not in p.text and "###" not in p.text


def test_inferred_headings_nest_subsections_under_their_section():
    labels = [s.label for s in docs()["Site Reliability Engineer"].sections]
    assert labels[:2] == ["Overview", "Core Responsibilities"]
    assert "Salary Ranges (US Market, 2024) › Location Impact" in labels


def test_a_section_whose_heading_was_lost_gets_its_own_title():
    sre = docs()["Site Reliability Engineer"]
    lost = [s for s in sre.sections if any("Platform Engineering:" in b.text for b in s.blocks)]
    assert len(lost) == 1
    assert lost[0].path == ("Shifts worth knowing about",)
    assert "Location Impact" not in lost[0].label


def test_embedded_profiles_become_documents_with_their_own_sections():
    found = docs()
    assert set(found) == {"Site Reliability Engineer", "Platform Engineer", "Release Manager"}
    assert [s.label for s in found["Platform Engineer"].sections] == ["Overview", "Key Responsibilities", "Skills"]
    assert [s.label for s in found["Release Manager"].sections] == ["Overview", "Responsibilities", "Requirements"]
    items = [b.text for s in found["Platform Engineer"].sections for b in s.blocks if b.kind == "item"]
    assert "Kubernetes: Operating clusters and writing operators." in items


def test_inline_heading_ends_where_the_body_sentence_begins():
    assert split_inline_heading("Industry Specifics The role varies", "X")[0] == "Industry Specifics"
    assert (
        split_inline_heading(
            "Tools and Technologies Data Platform Architects use many tools", "Data Platform Architect"
        )[0]
        == "Tools and Technologies"
    )
    assert split_inline_heading("Key Responsibilities - **Plan**: things", "X")[0] == "Key Responsibilities"


def test_title_from_lead_uses_the_lead_in_clause():
    assert title_from_lead("Engineers are busy, with several key trends shaping the industry:") == (
        "Key trends shaping the industry"
    )


def test_repeated_boilerplate_is_noise_but_repeated_headings_are_not(tmp_path):
    page = "logoAcme\n\n{t}\n\nOverview\n\n{body}\n\nFooter links\n\nCookie settings\n"
    body = "This is a long paragraph of real content about the job that goes on for more than twelve words."
    texts = [page.format(t=t, body=body) for t in ("Nurse", "Teacher", "Chef")]
    noise = repeated_noise(texts)
    assert "Footer links" in noise and "Overview" not in noise
    assert is_caption_or_logo("logoAcme") and is_caption_or_logo("Second image") and not is_caption_or_logo("Logistics")
    for i, text in enumerate(texts):
        (tmp_path / f"{i}.txt").write_text(text)
    result = read_corpus(tmp_path)
    assert sorted(d.title for d in result.documents) == ["Chef", "Nurse", "Teacher"]
    for d in result.documents:
        assert all("Footer links" not in b.text for s in d.sections for b in s.blocks)
