"""Rebuilds parse only the files that changed: the parse cache, its damage, and builds equal to ones made without it."""

import sqlite3
from pathlib import Path

from indexer.builds.build import build_index
from indexer.builds.snapshot import open_snapshot
from indexer.ingest.parse_cache import PARSE_CACHE_FILE


def _rows(index: Path) -> list[tuple]:
    snap = open_snapshot(index)
    try:
        docs = sorted((d.doc_id, d.title, tuple(d.aliases), tuple(d.sections)) for d in snap.documents.values())
        return docs + [(p.passage_id, p.section, p.text) for p in snap.passages]
    finally:
        snap.close()


def test_a_rebuild_parses_only_the_edited_file_and_builds_what_parsing_all_builds(tmp_path, settings, mini_corpus_copy):
    index = tmp_path / "idx"
    first = build_index(mini_corpus_copy, index, settings, progress=False)
    files = len(list(mini_corpus_copy.iterdir()))  # 4 files, 6 documents: one page holds three careers
    assert first.reused_files == 0

    nurse = mini_corpus_copy / "registered-nurse.md"
    nurse.write_text(nurse.read_text().replace("NCLEX-RN", "NCLEX-RN exam (taken once)"))
    edited = build_index(mini_corpus_copy, index, settings, progress=False)
    assert edited.reused_files == files - 1, "every file but the edited one comes from the parse cache"
    assert any("taken once" in str(row) for row in _rows(index))

    fresh = build_index(mini_corpus_copy, tmp_path / "fresh", settings, progress=False)  # no parse cache there
    assert fresh.reused_files == 0
    assert _rows(index) == _rows(tmp_path / "fresh")


def test_a_damaged_parse_cache_is_replaced_and_the_build_says_so(tmp_path, settings):
    from tests.helpers import MINI_CORPUS

    index = tmp_path / "idx"
    build_index(MINI_CORPUS, index, settings, progress=False)
    good = _rows(index)
    (index / PARSE_CACHE_FILE).write_bytes(b"this is not a database" * 500)
    damaged = build_index(MINI_CORPUS, index, settings, progress=False, force=True)
    assert "parse cache was unreadable" in damaged.cache_note and damaged.reused_files == 0
    assert _rows(index) == good
    assert build_index(MINI_CORPUS, index, settings, progress=False, force=True).reused_files > 0

    con = sqlite3.connect(index / PARSE_CACHE_FILE)  # an entry that no longer decodes is parsed again
    con.execute("UPDATE parsed SET docs = '[{\"title\": 1}]'")
    con.commit()
    con.close()
    again = build_index(MINI_CORPUS, index, settings, progress=False, force=True)
    assert again.reused_files == 0 and _rows(index) == good
