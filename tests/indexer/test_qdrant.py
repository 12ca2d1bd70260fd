"""The Qdrant backend in local mode (in-process, a tmp folder): build and search answer as FAISS does, the alias follows
rebuilds, old collections go, a kill -9 leaves the alias on a complete collection, a rebuild under load fails no
request, and a server that is down is a one-line error and a 503 with the reason, never a traceback."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from indexer.builds.build import build_index
from indexer.builds.layout import current_build_id
from indexer.builds.snapshot import open_snapshot
from indexer.errors import IndexUnavailable
from indexer.search.searcher import Filters, Searcher
from indexer.settings import Settings
from indexer.stores import qdrant_link
from service.app import create_app
from service.settings import ServiceSettings
from tests.helpers import (
    BEEKEEPER_QUESTION,
    MINI_CORPUS,
    ROOT,
    free_port,
    kill_build_midway,
    poll,
    rebuild_under_load,
    run_cli,
)

README_QUESTION = "what does a principal engineer do"


def qdrant_settings(folder: Path, **more) -> Settings:
    return Settings(backend="qdrant", qdrant_path=str(folder), reload_interval=0.3, **more)


def collections(folder: Path) -> set[str]:
    cl = qdrant_link.client(qdrant_link.Location(path=str(folder)))
    return {c.name for c in cl.get_collections().collections}


def alias_target(folder: Path, alias: str = "career-search") -> str | None:
    return qdrant_link.alias_target(qdrant_link.client(qdrant_link.Location(path=str(folder))), alias)


def test_qdrant_ranks_and_scores_as_the_sqlite_and_faiss_backend(tmp_path, mini_index, embedder):
    """The same results, in the same order, with the same scores: lexical scores are FTS5's bm25 (common words next to
    nothing, hyphenated words and possessives as phrases), so the fused scores are the same too."""
    index = tmp_path / "idx"
    build_index(MINI_CORPUS, index, qdrant_settings(tmp_path / "qdrant"), progress=False)
    qdrant = Searcher(open_snapshot(index, backend="qdrant"), embedder)
    faiss = Searcher(open_snapshot(mini_index), embedder)
    queries = [
        README_QUESTION,
        "NCLEX-RN exam",
        "twelve-hour shifts for a nurse's pay",
        "multi-year roadmap roadmap",  # a word twice counts twice, as in FTS5
        "data analyst SQL dashboards",
        "engineer",  # in most rows: FTS5's IDF floor
    ]
    for query in queries:
        for mode in ("lexical", "hybrid"):
            want = faiss.search(query, k=10, mode=mode, per_doc=0)
            got = qdrant.search(query, k=10, mode=mode, per_doc=0)
            assert [h.passage.row for h in got] == [h.passage.row for h in want], (query, mode)
            assert [h.score for h in got] == pytest.approx([h.score for h in want], rel=1e-5), (query, mode)


def test_build_and_search_answer_the_readme_question_and_filters_rank_inside_qdrant(tmp_path, embedder):
    index, folder = tmp_path / "idx", tmp_path / "qdrant"
    result = build_index(MINI_CORPUS, index, qdrant_settings(folder), progress=False)
    stores = result.manifest.stores
    assert {s["kind"] for s in stores.values()} == {"qdrant", "qdrant-sparse"}
    assert alias_target(folder) == f"career-search-{result.manifest.build_id}" == stores["passages"]["collection"]

    searcher = Searcher(open_snapshot(index, backend="qdrant"), embedder)
    for mode in ("hybrid", "dense", "lexical"):
        assert searcher.search(README_QUESTION, k=3, mode=mode)[0].passage.title == "Principal Engineer", mode
    nurse = searcher.search("NCLEX licensing exam", k=1)[0]
    assert (nurse.passage.title, nurse.passage.section) == ("Registered Nurse", "Requirements")
    # a filter decides which rows Qdrant ranks: a question about engineers still gets nurse passages, and only those
    nurses = Filters(title="nurse")
    hits = searcher.search(README_QUESTION, k=3, per_doc=0, filters=nurses)
    assert len(hits) == min(3, len(nurses.allowed_rows(searcher.snapshot)))
    assert {h.passage.title for h in hits} == {"Registered Nurse"}

    # a service set to the other backend refuses the build in one line; switching backends is a real rebuild
    with pytest.raises(IndexUnavailable, match=r"backend 'qdrant' but the service is configured for 'faiss'"):
        open_snapshot(index, backend="faiss")
    again = build_index(MINI_CORPUS, index, Settings(), progress=False)
    assert not again.up_to_date and again.manifest.stores["passages"]["kind"] == "flat"
    with pytest.raises(IndexUnavailable, match=r"CAREER_SEARCH_BACKEND"):
        open_snapshot(index, backend="qdrant")


def test_a_rebuild_moves_the_alias_and_old_collections_are_pruned_with_old_builds(tmp_path):
    index, folder = tmp_path / "idx", tmp_path / "qdrant"
    settings = qdrant_settings(folder, keep_builds=2)
    ids = [build_index(MINI_CORPUS, index, settings, progress=False, force=True).manifest.build_id for _ in range(3)]
    assert current_build_id(index) == ids[-1] and alias_target(folder) == f"career-search-{ids[-1]}"
    kept = {p.name for p in (index / "builds").iterdir()}
    assert kept == set(ids[1:])  # the newest two, though all three were built within a second or two
    assert collections(folder) == {f"career-search-{b}" for b in kept}  # the third went with its folder
    assert build_index(MINI_CORPUS, index, settings, progress=False).up_to_date  # nothing changed: no new collection


@pytest.mark.slow  # embeds the default corpus before it can be killed
def test_a_build_killed_mid_way_leaves_the_alias_on_a_complete_collection(tmp_path):
    index, folder = tmp_path / "idx", tmp_path / "qdrant"
    env = {"CAREER_SEARCH_BACKEND": "qdrant", "CAREER_SEARCH_QDRANT_PATH": str(folder)}
    # local mode: one process at a time may open the folder, so the builds run as processes of their own first
    first = run_cli("indexer", "build", "--corpus", str(MINI_CORPUS), "--index", str(index), env=env)
    assert first.returncode == 0, first.stderr
    live = current_build_id(index)
    seen: list[float] = []

    def writing_new_collection() -> bool:  # killed while it uploads into its own collection
        if len(list((folder / "collection").iterdir())) > 1 and not seen:
            seen.append(time.monotonic())
        return bool(seen) and time.monotonic() - seen[0] > 0.3

    # late-chunked sentences: the killed build reaches its upload in half the time, and that mode is covered too
    kill_build_midway(ROOT / "corpus", index, env={**env, "CAREER_SEARCH_SENTENCE_VECTORS": "late"},
                      until=writing_new_collection)
    assert seen, "the killed build never got to write its collection"
    assert current_build_id(index) == live and alias_target(folder) == f"career-search-{live}"
    snap = open_snapshot(index, backend="qdrant")
    assert snap.build_id == live and snap.passage_store.count == snap.manifest.passages
    assert len(collections(folder)) == 2  # the killed build's, until the next build prunes it
    rebuilt = build_index(MINI_CORPUS, index, qdrant_settings(folder), progress=False, force=True)
    assert rebuilt.leftovers_removed
    assert collections(folder) == {f"career-search-{live}", f"career-search-{rebuilt.manifest.build_id}"}


def test_a_rebuild_under_load_switches_answers_without_failing_a_request(tmp_path, embedder, mini_corpus_copy):
    """In-process: a local-mode folder cannot be shared by a service process and a builder process."""
    index, folder = tmp_path / "idx", tmp_path / "qdrant"
    settings = ServiceSettings(backend="qdrant", qdrant_path=str(folder), reload_interval=0.2)
    build_index(mini_corpus_copy, index, settings, progress=False)
    server = uvicorn.Server(uvicorn.Config(create_app(index, settings), port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.config.port}"
    try:
        poll(lambda: server.started, timeout=60, what="uvicorn started")
        poll(lambda: httpx.get(url + "/readyz").status_code == 200, timeout=60, what="the index loaded")
        assert httpx.get(url + "/api/search", params={"q": BEEKEEPER_QUESTION}).json()["results"][0]["title"] != (
            "Beekeeper"
        )
        rebuilt, statuses = rebuild_under_load(
            url, mini_corpus_copy, lambda: build_index(mini_corpus_copy, index, settings, progress=False)
        )
        assert httpx.get(url + "/readyz").json()["build_id"] == rebuilt.manifest.build_id
        top = httpx.get(url + "/api/search", params={"q": BEEKEEPER_QUESTION}).json()["results"][0]
        assert top["title"] == "Beekeeper"
        assert len(statuses) > 5 and set(statuses) == {200}
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_qdrant_server_that_is_down_is_a_one_line_error_and_a_503_with_the_reason(tmp_path, start_server):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = {"CAREER_SEARCH_BACKEND": "qdrant", "CAREER_SEARCH_QDRANT_URL": down}
    built = run_cli("indexer", "build", "--corpus", str(MINI_CORPUS), "--index", str(tmp_path / "idx"), env=env)
    assert built.returncode == 1 and "Traceback" not in built.stderr
    assert built.stderr.startswith(f"error: cannot reach Qdrant at {down}") and built.stderr.count("\n") == 1

    # a service whose index folder names a Qdrant build, with the server down: ready never, the reason always
    index = tmp_path / "served"
    assert (
        run_cli(
            "indexer",
            "build",
            "--corpus",
            str(MINI_CORPUS),
            "--index",
            str(index),
            env={"CAREER_SEARCH_BACKEND": "qdrant", "CAREER_SEARCH_QDRANT_PATH": str(tmp_path / "qdrant")},
        ).returncode
        == 0
    )
    server = start_server(index, wait=False, env=env)
    ready = server.json_when("/readyz", lambda r: "cannot reach" in r.json().get("reason", ""))
    reason = ready.json()["reason"]
    assert ready.status_code == 503 and f"cannot reach Qdrant at {down}" in reason and "\n" not in reason
    search = server.get("/api/search", q=README_QUESTION)
    assert search.status_code == 503 and "cannot reach Qdrant" in search.json()["detail"]
    assert "Traceback" not in server.log.read_text()


def test_a_service_follows_the_alias_so_every_replica_switches_with_it(tmp_path, mini_corpus_copy):
    """The alias, not index/CURRENT, names what a Qdrant-backed service serves: pointing it back at an older build
    (a rollback, or another indexer's switch) moves the service too."""
    from service.holder import IndexHolder

    index, folder = tmp_path / "idx", tmp_path / "qdrant"
    settings = ServiceSettings(backend="qdrant", qdrant_path=str(folder))
    first = build_index(mini_corpus_copy, index, settings, progress=False).manifest.build_id
    (mini_corpus_copy / "beekeeper.md").write_text("# Beekeeper\n\n## Overview\n\nA beekeeper keeps honey bees.\n")
    second = build_index(mini_corpus_copy, index, settings, progress=False).manifest.build_id
    holder = IndexHolder(index, settings)
    assert holder._load_model() and holder.refresh()
    assert holder.searcher.snapshot.build_id == second == current_build_id(index)
    link = qdrant_link.BuildCollection.for_build(settings, first)
    link.publish()  # the alias back on the first build; CURRENT still names the second
    assert holder.refresh() and holder.searcher.snapshot.build_id == first
    assert not holder.refresh()  # nothing new until the alias moves again
    holder.stop()
