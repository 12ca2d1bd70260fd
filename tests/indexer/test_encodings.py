"""Text files in every encoding an editor writes are read, accents and all; binary data is still refused."""

from pathlib import Path

import pytest

from indexer.builds.build import build_index
from indexer.builds.snapshot import open_snapshot
from indexer.ingest.corpus import read_corpus
from indexer.search.searcher import Searcher

MARKDOWN = "# Fromager\n\nA fromager ripens Comté and Brie de Meaux in the cave, and sells them at the crémerie.\n"
TEXT = "Chocolatier\n\nOverview\n\nA chocolatier tempers ganache and pralinés for the pâtisserie – every morning.\n"

# What each editor's "save as" writes: the codec, with its byte-order mark where the editor writes one
ENCODINGS = {
    "utf-8": lambda s: s.encode("utf-8"),
    "utf-8 with BOM": lambda s: s.encode("utf-8-sig"),
    "utf-16 LE with BOM (Windows 'Unicode')": lambda s: b"\xff\xfe" + s.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda s: b"\xfe\xff" + s.encode("utf-16-be"),
    "utf-32 LE with BOM": lambda s: b"\xff\xfe\x00\x00" + s.encode("utf-32-le"),
    "utf-32 BE with BOM": lambda s: b"\x00\x00\xfe\xff" + s.encode("utf-32-be"),
    "utf-16 LE without BOM": lambda s: s.encode("utf-16-le"),
    "utf-16 BE without BOM": lambda s: s.encode("utf-16-be"),
    "windows-1252": lambda s: s.replace("–", "-").encode("cp1252"),
    "windows line ends, utf-16 with BOM": lambda s: b"\xff\xfe" + s.replace("\n", "\r\n").encode("utf-16-le"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_markdown_and_text_are_read_in_every_encoding(tmp_path: Path, encoding: str):
    encode = ENCODINGS[encoding]
    (tmp_path / "fromager.md").write_bytes(encode(MARKDOWN))
    (tmp_path / "chocolatier.txt").write_bytes(encode(TEXT))
    result = read_corpus(tmp_path)
    assert not result.skipped, result.skipped
    docs = {d.source: d for d in result.documents}
    md, txt = docs["fromager.md"], docs["chocolatier.txt"]
    assert md.title == "Fromager"
    assert md.sections[0].blocks[0].text == MARKDOWN.split("\n\n")[1].strip()
    assert txt.title == "Chocolatier"
    assert "tempers ganache and pralinés for the pâtisserie" in txt.sections[0].blocks[0].text


def test_files_in_utf16_are_indexed_and_searchable(tmp_path: Path, settings, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fromager.md").write_bytes(b"\xff\xfe" + MARKDOWN.encode("utf-16-le"))
    (corpus / "chocolatier.txt").write_bytes(b"\xfe\xff" + TEXT.encode("utf-16-be"))
    result = build_index(corpus, tmp_path / "index", settings, progress=False)
    assert result.manifest.documents == 2 and not result.skipped
    searcher = Searcher(open_snapshot(tmp_path / "index"), embedder)
    assert searcher.search("who ripens Comté cheese", k=1)[0].passage.title == "Fromager"
    assert searcher.search("pralinés", k=1, mode="lexical")[0].passage.title == "Chocolatier"


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "binary data"),
        ("table.md", bytes(range(256)) * 40, "binary data"),
        ("cut.txt", b"\xff\xfe" + "Welder\n\nJoins metal.".encode("utf-16-le")[:-1], "not valid UTF-16 text"),
        ("bom-only.md", b"\xff\xfe", "empty file"),
        ("counts.txt", b"".join(n.to_bytes(2, "little") for n in range(1, 20)) * 100, "binary data"),
    ],
    ids=["image", "bytes", "cut utf-16", "mark alone", "16-bit numbers"],
)
def test_binary_data_is_still_refused_with_its_reason(tmp_path: Path, name: str, data: bytes, reason: str):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "ok.md").write_bytes(MARKDOWN.encode())
    result = read_corpus(tmp_path)
    assert [d.source for d in result.documents] == ["ok.md"]
    ((skipped, why),) = [(s.source, s.reason) for s in result.skipped]
    assert skipped == name and reason in why, why
