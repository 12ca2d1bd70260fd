"""Build -> load -> search over a real index, and the build's contract with admins (CLI, errors, leftovers)."""

import json
import os
import shutil
from pathlib import Path

import pytest

from indexer.builds.build import build_index
from indexer.builds.layout import FORMAT_VERSION, build_lock, current_build_id, prune
from indexer.builds.snapshot import open_snapshot
from indexer.errors import BuildError, IndexUnavailable
from indexer.search.searcher import Filters, Searcher
from indexer.settings import CAREER_MODEL
from tests.helpers import MINI_CORPUS, ROOT, kill_build_midway, run_cli


def test_build_load_search_finds_the_right_career(mini_index, embedder):
    snap = open_snapshot(mini_index)
    assert snap.manifest.documents == 6 and snap.manifest.passages == len(snap.passages) > 6
    assert snap.passage_store.count == snap.manifest.passages
    searcher = Searcher(snap, embedder)
    for mode in ("hybrid", "dense", "lexical"):
        top = searcher.search("what does a principal engineer do", k=3, mode=mode)[0]
        assert top.passage.title == "Principal Engineer", mode
    nurse = searcher.search("NCLEX licensing exam", k=1)[0]
    assert (nurse.passage.title, nurse.passage.section) == ("Registered Nurse", "Requirements")


def test_results_respect_per_doc_and_filters(mini_index, embedder):
    searcher = Searcher(open_snapshot(mini_index), embedder)
    hits = searcher.search("engineer", k=20, per_doc=1)
    docs = [h.passage.doc_id for h in hits]
    assert len(docs) == len(set(docs)) == 6
    only = searcher.search("salary", k=10, per_doc=0, filters=Filters(title="nurse"))
    assert only and {h.passage.title for h in only} == {"Registered Nurse"}
    assert [h.rank for h in only] == list(range(1, len(only) + 1))


def test_manifest_and_report_are_written(mini_index):
    build = mini_index / "builds" / current_build_id(mini_index)
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["model"] == CAREER_MODEL and manifest["dimension"] == 384
    assert manifest["format_version"] == FORMAT_VERSION and len(manifest["corpus_fingerprint"]) == 16
    report = json.loads((build / "report.json").read_text())
    assert {d["title"] for d in report["documents"]} >= {"Principal Engineer", "Platform Engineer"}


def test_cli_build_prints_a_summary_with_skips(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(MINI_CORPUS, corpus)
    (corpus / "notes.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / "empty.md").write_text("")
    out = run_cli("indexer", "build", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--quiet")
    assert out.returncode == 0, out.stderr
    assert "6 documents" in out.stdout and "passages" in out.stdout
    assert "notes.xlsx: unsupported file type '.xlsx'" in out.stdout
    assert "empty.md: empty file" in out.stdout


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda tmp: tmp / "missing", "does not exist"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "nothing to index"),
    ],
)
def test_cli_build_fails_with_a_one_line_reason(tmp_path, setup, message):
    out = run_cli("indexer", "build", "--corpus", str(setup(tmp_path)), "--index", str(tmp_path / "idx"))
    assert out.returncode != 0
    assert message in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_cli_build_refuses_an_unwritable_index_dir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = run_cli("indexer", "build", "--corpus", str(MINI_CORPUS), "--index", str(blocker / "idx"))
    assert out.returncode != 0 and "cannot write to index folder" in out.stderr
    assert "Traceback" not in out.stderr


def test_only_one_build_at_a_time(tmp_path, settings):
    with build_lock(tmp_path):
        with pytest.raises(BuildError, match="another build is running"):
            build_index(MINI_CORPUS, tmp_path, settings, progress=False)


def test_killed_build_leaves_the_live_index_and_its_leftovers_are_cleaned(tmp_path, settings):
    index = tmp_path / "idx"
    first = build_index(MINI_CORPUS, index, settings, progress=False).manifest.build_id
    big = tmp_path / "big"
    shutil.copytree(ROOT / "corpus", big)
    kill_build_midway(big, index)
    assert list((index / "builds").glob(".partial-*")), "the killed build should have left a partial folder"
    assert current_build_id(index) == first
    assert open_snapshot(index).build_id == first
    result = build_index(MINI_CORPUS, index, settings, progress=False)
    assert result.leftovers_removed and not list((index / "builds").glob(".partial-*"))
    assert result.up_to_date and current_build_id(index) == first  # the live build was never touched
    forced = build_index(MINI_CORPUS, index, settings, progress=False, force=True)
    assert current_build_id(index) == forced.manifest.build_id != first


def test_old_builds_are_pruned_but_the_live_one_kept(tmp_path):
    builds = tmp_path / "builds"
    for name in ("20260101T000000Z-a", "20260102T000000Z-b", "20260103T000000Z-c", "20260104T000000Z-d"):
        (builds / name).mkdir(parents=True)
    (tmp_path / "CURRENT").write_text("20260101T000000Z-a\n")
    removed = prune(tmp_path, keep=2)
    assert removed == ["20260102T000000Z-b"]
    assert sorted(os.listdir(builds)) == ["20260101T000000Z-a", "20260103T000000Z-c", "20260104T000000Z-d"]


def test_missing_corrupt_and_foreign_indexes_are_refused_with_a_reason(tmp_path, mini_index):
    with pytest.raises(IndexUnavailable, match="no index in"):
        open_snapshot(tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(mini_index, copy)
    build = copy / "builds" / current_build_id(copy)
    with pytest.raises(IndexUnavailable, match="made with model"):
        open_snapshot(copy, expect_model="some-other-model")
    manifest = json.loads((build / "manifest.json").read_text())
    (build / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(IndexUnavailable, match="format version 99"):
        open_snapshot(copy)
    (build / "manifest.json").write_text(json.dumps(manifest))
    (build / "passages.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexUnavailable, match="damaged"):
        open_snapshot(copy)
    shutil.copy(mini_index / "builds" / build.name / "passages.faiss", build / "passages.faiss")
    rows = build / "lexical-rows.npy"
    rows.write_bytes(rows.read_bytes()[:-40])  # the lexical matrix cut short, as a full disk would leave it
    with pytest.raises(IndexUnavailable, match="damaged.*lexical"):
        open_snapshot(copy)
    shutil.copy(mini_index / "builds" / build.name / rows.name, rows)
    sentences = build / "sentences.faiss"  # flat stores are memory-mapped: one cut short is refused at once
    sentences.write_bytes(sentences.read_bytes()[:-400])
    with pytest.raises(IndexUnavailable, match="damaged"):
        open_snapshot(copy)


def test_ask_cli_prints_the_top_passage_and_json(mini_index):
    out = run_cli("service", "ask", "--index", str(mini_index), "-k", "2", "what does a principal engineer do")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1. Principal Engineer › ")
    js = run_cli("service", "ask", "--index", str(mini_index), "--json", "nurse certifications")
    data = json.loads(js.stdout)
    assert data["results"][0]["title"] == "Registered Nurse"
    assert set(data["results"][0]) >= {
        "rank",
        "score",
        "title",
        "section",
        "text",
        "snippet",
        "doc_id",
        "passage_id",
        "source",
    }
    assert data["no_match"] is False and 0.5 < data["results"][0]["relevance"] <= 1
    junk = run_cli("service", "ask", "--index", str(mini_index), "-k", "2", "qwxz plorbt vrenk")
    assert junk.stdout.startswith("No page answers this well. The closest matches:\n\n1. "), junk.stderr
    relative = run_cli("service", "ask", "--index", os.path.relpath(mini_index, ROOT), "nurse certifications")
    assert relative.returncode == 0 and relative.stdout.startswith("1. Registered Nurse"), relative.stderr
    missing = run_cli("service", "ask", "--index", str(Path("/nonexistent")), "x")
    assert missing.returncode == 1 and "no index in" in missing.stderr and "Traceback" not in missing.stderr


def test_a_precise_fact_inside_a_long_passage_is_found_by_its_sentence(mini_index, embedder):
    """Sentence vectors: the passage holding the one sentence that answers ranks first, in dense mode too."""
    searcher = Searcher(open_snapshot(mini_index), embedder)
    snap = searcher.snapshot
    assert snap.sentence_store.count > len(snap.passages)
    top = searcher.search("which life support course do intensive care units expect", k=1, mode="dense")[0]
    assert "ACLS" in top.passage.text
