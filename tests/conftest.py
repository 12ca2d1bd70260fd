"""Shared fixtures: one embedding model per session, a small corpus of our own, and real servers on free ports."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.builds.build import build_index
from indexer.embed import Embedder, get_embedder
from indexer.settings import Settings
from tests.helpers import MINI_CORPUS, ROOT, Server

# Every build of the run, in this process and in the servers and CLIs it starts, shares one embedding cache made for
# this run and removed after it: a text is embedded once per run, and nothing is read from or left in the home
# folder. Tests of the cache itself give each build a cache of its own.
_RUN_CACHE = Path(tempfile.mkdtemp(prefix="career-search-test-"))
os.environ["CAREER_SEARCH_EMBED_CACHE"] = str(_RUN_CACHE / "embeddings.sqlite")


# Fixtures that make a test slow: an index of the whole default corpus (with a new cache each run, embedding it takes
# about a minute on two cores, the quick loop's whole budget) and the torch model's vectors (~15 s to load).
SLOW_FIXTURES = {"corpus_index", "torch_vectors"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks slow, besides the tests marked by hand, those that use a slow fixture and those of the Qdrant backend
    (local-mode collections and services): ./scripts/test.sh --quick runs none of them, CI runs them all."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or "qdrant" in item.nodeid:
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_RUN_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(reload_interval=0.3)


@pytest.fixture(scope="session")
def embedder(settings: Settings) -> Embedder:
    """Loading the model takes seconds: load it once for the whole session."""
    return get_embedder(settings)


@pytest.fixture(scope="session")
def mini_index(tmp_path_factory: pytest.TempPathFactory, settings: Settings, embedder: Embedder) -> Path:
    """An index of tests/fixtures/mini, built once; tests must not write to it."""
    index = tmp_path_factory.mktemp("mini-index")
    build_index(MINI_CORPUS, index, settings, progress=False)
    return index


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, settings: Settings, embedder: Embedder) -> Path:
    """An index of the default corpus (corpus/), built once; tests must not write to it."""
    index = tmp_path_factory.mktemp("corpus-index")
    build_index(ROOT / "corpus", index, settings, progress=False)
    return index


@pytest.fixture
def mini_corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the small corpus, for tests that change documents."""
    dest = tmp_path / "corpus"
    shutil.copytree(MINI_CORPUS, dest)
    return dest


@pytest.fixture
def start_server() -> Iterator:
    servers: list[Server] = []

    def start(index: Path, wait: bool = True, env: dict[str, str] | None = None) -> Server:
        server = Server(index, env)
        servers.append(server)
        if wait:
            server.wait_ready()
        return server

    yield start
    for s in servers:
        s.stop()


@pytest.fixture(scope="session")
def mini_server(tmp_path_factory: pytest.TempPathFactory, mini_index: Path) -> Iterator[Server]:
    """One server over the small index for read-only API and page tests."""
    server = Server(mini_index)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
