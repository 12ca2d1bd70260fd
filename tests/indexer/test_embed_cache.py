"""Rebuilds redo only what changed: the embedding cache (hits, misses, damage) and the up-to-date check."""

import shutil
import sqlite3
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from indexer.builds.build import build_index, cache_path
from indexer.builds.layout import current_build_id
from indexer.builds.snapshot import open_snapshot
from indexer.embed.cache import EmbeddingCache
from tests.helpers import MINI_CORPUS, ROOT, kill_build_midway, run_cli


@pytest.fixture
def own_cache(settings, tmp_path):
    """Settings whose embedding cache is this test's alone (the suite's builds share another)."""
    return settings.model_copy(update={"embed_cache": tmp_path / "cache.sqlite"})


def _vectors(index: Path) -> np.ndarray:
    snap = open_snapshot(index)
    try:
        return snap.passage_store.matrix().copy()
    finally:
        snap.close()


def test_a_rebuild_embeds_only_the_texts_it_has_never_seen(tmp_path, own_cache, mini_corpus_copy):
    index = tmp_path / "idx"
    first = build_index(mini_corpus_copy, index, own_cache, progress=False)
    assert first.embedded > 0 and first.cached == 0
    embedded = _vectors(index)
    again = build_index(mini_corpus_copy, index, own_cache, progress=False, force=True)
    assert again.embedded == 0 and again.cached == first.embedded
    np.testing.assert_allclose(_vectors(index), embedded, atol=1e-6)  # the cache gives the model's vectors

    nurse = mini_corpus_copy / "registered-nurse.md"
    nurse.write_text(nurse.read_text().replace("NCLEX-RN", "NCLEX-RN exam (taken once)"))
    edited = build_index(mini_corpus_copy, index, own_cache, progress=False)
    assert 0 < edited.embedded < 10, "only the edited passage and its sentences are new"
    assert edited.cached + edited.embedded == first.embedded
    snap = open_snapshot(index)
    assert any("taken once" in p.text for p in snap.passages)


def test_unchanged_corpus_is_up_to_date_until_a_setting_that_shapes_the_build_changes(tmp_path, own_cache):
    index = tmp_path / "idx"
    built = build_index(MINI_CORPUS, index, own_cache, progress=False)
    same = build_index(MINI_CORPUS, index, own_cache, progress=False)
    assert same.up_to_date and same.manifest.build_id == built.manifest.build_id
    assert built.manifest.recipe["passage_max_words"] == own_cache.passage_max_words

    for change in ({"passage_max_words": 120}, {"sentence_min_passage_words": 60}, {"max_file_mb": 5.0}):
        other = build_index(MINI_CORPUS, index, own_cache.model_copy(update=change), progress=False)
        assert not other.up_to_date, change
    back = build_index(MINI_CORPUS, index, own_cache, progress=False)
    assert not back.up_to_date  # the live build is now the last one's
    assert build_index(MINI_CORPUS, index, own_cache, progress=False).up_to_date
    forced = build_index(MINI_CORPUS, index, own_cache, progress=False, force=True)
    assert not forced.up_to_date and forced.embedded == 0


def test_an_added_unsupported_file_or_a_damaged_live_build_is_not_up_to_date(tmp_path, own_cache, mini_corpus_copy):
    index = tmp_path / "idx"
    first = build_index(mini_corpus_copy, index, own_cache, progress=False)
    (mini_corpus_copy / "notes.xlsx").write_bytes(b"PK\x03\x04")
    second = build_index(mini_corpus_copy, index, own_cache, progress=False)
    assert not second.up_to_date and any(s.source == "notes.xlsx" for s in second.skipped)
    (index / "builds" / second.manifest.build_id / "passages.faiss").unlink()
    third = build_index(mini_corpus_copy, index, own_cache, progress=False)
    assert not third.up_to_date and third.manifest.build_id not in (first.manifest.build_id, second.manifest.build_id)


def test_the_cli_says_up_to_date_fast_and_force_rebuilds(tmp_path):
    index = tmp_path / "idx"
    env = {"CAREER_SEARCH_EMBED_CACHE": str(tmp_path / "cache.sqlite")}
    first = run_cli("indexer", "build", "--corpus", str(MINI_CORPUS), "--index", str(index), "--quiet", env=env)
    assert first.returncode == 0, first.stderr
    assert "embedded" in first.stdout and "from the cache" in first.stdout
    again = run_cli("indexer", "build", "--corpus", str(MINI_CORPUS), "--index", str(index), env=env)
    assert again.returncode == 0 and again.stdout.startswith("index is up to date (build "), again.stdout
    assert current_build_id(index) in again.stdout
    forced = run_cli(
        "indexer", "build", "--corpus", str(MINI_CORPUS), "--index", str(index), "--force", "--quiet", env=env
    )
    assert forced.returncode == 0 and "(0 embedded, 64 from the cache)" in forced.stdout, forced.stdout


def test_a_corrupt_cache_file_is_replaced_and_says_so(tmp_path, own_cache):
    index = tmp_path / "idx"
    build_index(MINI_CORPUS, index, own_cache, progress=False)
    good = _vectors(index)
    path = cache_path(index, own_cache)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 500)
    result = build_index(MINI_CORPUS, index, own_cache, progress=False, force=True)
    assert "unreadable" in result.cache_note and result.cached == 0
    np.testing.assert_allclose(_vectors(index), good, atol=1e-5)
    assert build_index(MINI_CORPUS, index, own_cache, progress=False, force=True).embedded == 0


def test_damaged_vectors_are_never_served(tmp_path, own_cache):
    index = tmp_path / "idx"
    build_index(MINI_CORPUS, index, own_cache, progress=False)
    good = _vectors(index)
    con = sqlite3.connect(cache_path(index, own_cache))
    con.execute(
        "UPDATE vectors SET vector = zeroblob(length(vector)) WHERE digest IN (SELECT digest FROM vectors LIMIT 5)"
    )
    con.commit()
    con.close()
    result = build_index(MINI_CORPUS, index, own_cache, progress=False, force=True)
    assert result.embedded == 5 and "damaged" in result.cache_note
    np.testing.assert_allclose(_vectors(index), good, atol=1e-5)


def test_a_cache_of_another_model_is_not_used(tmp_path, own_cache, embedder):
    """Vectors filed under this model's name that another model made are caught when the model loads."""
    index = tmp_path / "idx"
    build_index(MINI_CORPUS, index, own_cache, progress=False)
    good = _vectors(index)
    con = sqlite3.connect(cache_path(index, own_cache))
    rng = np.random.default_rng(0)
    rows = con.execute("SELECT digest, vector FROM vectors").fetchall()
    for digest, blob in rows:  # "another model": random unit vectors under the same keys, with valid checks
        v = rng.normal(size=len(blob) // 4).astype(np.float32)
        v /= np.linalg.norm(v)
        blob = v.tobytes()
        con.execute("UPDATE vectors SET vector = ?, crc = ? WHERE digest = ?", (blob, zlib.crc32(blob), digest))
    con.execute("DELETE FROM vectors WHERE digest = ?", (rows[0][0],))  # one new text: the model loads
    con.commit()
    con.close()
    result = build_index(MINI_CORPUS, index, own_cache, progress=False, force=True)
    assert "did not match" in result.cache_note and result.cached == 0
    np.testing.assert_allclose(_vectors(index), good, atol=1e-5)
    mine = EmbeddingCache(cache_path(index, own_cache), embedder.identity)
    assert len(mine.get(["Registered Nurse (RN, Staff Nurse)"])) == 1  # a name this model's build stored
    other = EmbeddingCache(cache_path(index, own_cache), "some-other-model|torch|x")
    assert other.get(["Registered Nurse (RN, Staff Nurse)"]) == {}  # the same text, another model: not its vector


def test_a_cache_deleted_during_a_build_is_made_again(tmp_path, own_cache):
    path = own_cache.embed_cache
    reference = build_index(
        MINI_CORPUS, tmp_path / "ref", own_cache.model_copy(update={"embed_cache": tmp_path / "r"}), progress=False
    )
    stop = threading.Event()

    def delete_once_created() -> None:  # as an admin's clean-up script might, while the build runs
        while not stop.is_set():
            if path.exists():
                time.sleep(0.05)  # opened by then, and the build embedding
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
                return
            time.sleep(0.002)

    deleter = threading.Thread(target=delete_once_created)
    deleter.start()
    try:
        result = build_index(MINI_CORPUS, tmp_path / "idx", own_cache, progress=False)
    finally:
        stop.set()
        deleter.join()
    assert "deleted during the build; made it again" in result.cache_note
    np.testing.assert_allclose(_vectors(tmp_path / "idx"), _vectors(reference.path.parents[1]), atol=1e-5)
    again = build_index(MINI_CORPUS, tmp_path / "idx", own_cache, progress=False, force=True)
    assert again.embedded == 0 and again.cached == reference.embedded and not again.cache_note


@pytest.mark.slow
def test_kill_during_a_cached_build_leaves_the_live_build_and_a_usable_cache(tmp_path, own_cache):
    index = tmp_path / "idx"
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    env = {"CAREER_SEARCH_EMBED_CACHE": str(own_cache.embed_cache)}
    first = build_index(MINI_CORPUS, index, own_cache, progress=False)

    def some_new_vectors_cached() -> bool:
        try:
            con = sqlite3.connect(own_cache.embed_cache, timeout=1)
            try:
                return con.execute("SELECT count(*) FROM vectors").fetchone()[0] > first.embedded
            finally:
                con.close()
        except sqlite3.Error:
            return False

    kill_build_midway(corpus, index, env=env, until=some_new_vectors_cached)
    assert some_new_vectors_cached(), "the build should have been killed mid-embedding"
    assert current_build_id(index) == first.manifest.build_id
    assert open_snapshot(index).build_id == first.manifest.build_id
    after = build_index(MINI_CORPUS, index, own_cache, progress=False, force=True)
    assert after.embedded == 0 and after.cached == first.embedded and not after.cache_note
    cache = EmbeddingCache(own_cache.embed_cache, after.manifest.recipe["embedder"])
    assert cache.count() > first.embedded and not cache.stats.note  # what the killed build stored is kept, intact


def test_the_cache_keeps_to_its_size_bound_by_dropping_what_no_recent_build_used(tmp_path):
    rng = np.random.default_rng(1)

    def unit_vectors(n: int) -> np.ndarray:
        v = rng.normal(size=(n, 384)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    path = tmp_path / "cache.sqlite"
    old = EmbeddingCache(path, "model|onnx|x", max_mb=0.2)
    old.put([f"old text {i}" for i in range(400)], unit_vectors(400))
    old.close()
    new = EmbeddingCache(path, "model|onnx|x", max_mb=0.2)  # the next build
    texts = [f"new text {i}" for i in range(50)]
    new.put(texts, unit_vectors(50))
    assert new.size_bytes() > 0.2 * 1024 * 1024
    assert new.trim() > 0 and new.size_bytes() <= 0.2 * 1024 * 1024 * 1.1
    assert len(new.get(texts)) == 50, "what this build uses is never dropped"
    assert new.count() < 450
