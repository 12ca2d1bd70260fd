"""Search over a real index: career names in the fusion, and builds made before name vectors."""

import shutil

from indexer.builds.layout import NAME_FAISS_FILE, current_build_id
from indexer.builds.snapshot import open_snapshot
from indexer.search.question import asks_for_number
from indexer.search.searcher import Searcher


def test_questions_asking_for_a_figure_are_told_apart():
    assert asks_for_number("how many accounts does a CSM handle") and not asks_for_number("what does a CSM do")


def test_a_job_title_query_is_matched_against_career_names(mini_index, embedder):
    searcher = Searcher(open_snapshot(mini_index), embedder)
    hits = searcher.search("ward nurse", k=3, per_doc=1)
    assert hits[0].passage.title == "Registered Nurse"
    assert hits[0].name_score == max(h.name_score for h in hits)
    assert all(h.name_score is None for h in searcher.search("ward nurse", k=3, mode="lexical"))


def test_a_build_from_before_name_vectors_still_serves(tmp_path, mini_index, embedder):
    index = tmp_path / "index"
    shutil.copytree(mini_index, index)
    (index / "builds" / current_build_id(index) / NAME_FAISS_FILE).unlink()
    snap = open_snapshot(index)
    assert snap.name_vectors is None
    hits = Searcher(snap, embedder).search("staff nurse", k=3)
    assert hits[0].passage.title == "Registered Nurse" and hits[0].name_score is None
