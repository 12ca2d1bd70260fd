"""Shared fixtures: one embedding model per session, a small corpus of our own, and real servers on free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from indexer.build import build_index
from indexer.embedder import Embedder, get_embedder
from indexer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MINI_CORPUS = FIXTURES / "mini"
CHROMIUM = "/usr/bin/chromium"


def require_browser(chromium: str = CHROMIUM):
    """Playwright's sync API if Playwright and Chromium are there; else the browser tests are skipped, or fail
    when CI=true: a CI run must never pass by silently leaving the page untested."""
    missing = []
    try:
        import playwright.sync_api as api
    except ImportError:
        api, missing = None, ["the playwright package"]
    if not Path(chromium).exists():
        missing.append(chromium)
    if missing:
        message = f"{' and '.join(missing)} missing: scripts/test.sh installs them"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message, allow_module_level=True)
    return api


# Every build of the suite, in this process and in the servers and CLIs it starts, shares one embedding cache that
# outlives the run, as an admin's index folder keeps its own: a text is embedded once per machine, not once per test.
# Tests of the cache itself give each build a cache of its own.
_CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
os.environ.setdefault("CAREER_SEARCH_EMBED_CACHE", str(_CACHE_HOME / "career-search" / "test-embeddings.sqlite"))
Path(os.environ["CAREER_SEARCH_EMBED_CACHE"]).parent.mkdir(parents=True, exist_ok=True)


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs `python -m ...` in this venv, as a user would from the shell."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def kill_build_midway(
    corpus: Path, index: Path, env: dict[str, str] | None = None, until: Callable[[], bool] | None = None
) -> None:
    """Starts `python -m indexer build --force` and kills it (-9) mid-way: once `until()` holds, else half a second
    after its partial build folder appears. Unless `env` names one, the build gets an empty embedding cache of its
    own: with every text cached, it would be done before it could be killed."""
    env = env or {"CAREER_SEARCH_EMBED_CACHE": str(index.parent / f"kill-cache-{time.monotonic_ns()}.sqlite")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index), "--force"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 120
    if until is None:
        while not list((index / "builds").glob(".partial-*")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    else:
        while not until() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    proc.kill()
    proc.wait()


BEEKEEPER_QUESTION = "who looks after beehives and harvests honey"
BEEKEEPER_PAGE = (
    "# Beekeeper\n\n## Overview\n\nA beekeeper looks after colonies of honey bees, inspects hives every week in "
    "summer, treats them for varroa mites and harvests honey and wax for sale at markets and to shops.\n"
)


def rebuild_under_load(url: str, corpus: Path, rebuild: Callable[[], object], timeout: float = 30) -> tuple:
    """Adds a beekeeper page to the corpus and rebuilds while two clients search without pause, until the service
    at url serves the new build: (what rebuild() returned, every status the clients got)."""
    (corpus / "beekeeper.md").write_text(BEEKEEPER_PAGE)
    statuses: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                statuses.append(client.get("/api/search", params={"q": BEEKEEPER_QUESTION}).status_code)

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        result = rebuild()
        deadline = time.monotonic() + timeout
        while httpx.get(url + "/readyz").json().get("build_id") != result.manifest.build_id:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.3)  # requests go on against the new build too
    finally:
        stop.set()
        for t in threads:
            t.join()
    return result, statuses


class Server:
    """A real `python -m service serve` process on a free port."""

    def __init__(self, index: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = index.parent / f"server-{self.port}.log"
        self._log = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--index", str(index), "--port", str(self.port)],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "CAREER_SEARCH_RELOAD_INTERVAL": "0.3", **(env or {})},
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server not ready after {timeout} s:\n{self.log.read_text()}")

    def get(self, path: str, **params) -> httpx.Response:
        return httpx.get(self.url + path, params=params, timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._log.close()


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
