"""What the tests share besides fixtures: paths, free ports, the CLI, polling with a deadline, and real servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "eval" / "questions.jsonl"  # the main question set (tune and held-out splits)
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


def poll(check: Callable[[], T], timeout: float = 30, every: float = 0.05, what: str = "") -> T:
    """Calls check() until it returns something true and returns that; fails after `timeout` seconds. The way to wait
    for a server, a build or a log line: as long as it takes, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout} s: {what or check}")
        time.sleep(every)


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
    """Starts `python -m indexer build --force` and kills it (-9) mid-way: once `until()` holds, else once its
    partial build folder is there and it writes to its embedding cache. Unless `env` names one, the build gets an
    empty embedding cache of its own: with every text cached, it would be done before it could be killed."""
    env = env or {"CAREER_SEARCH_EMBED_CACHE": str(index.parent / f"kill-cache-{time.monotonic_ns()}.sqlite")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index), "--force"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )

    own_cache = Path(env["CAREER_SEARCH_EMBED_CACHE"]) if "CAREER_SEARCH_EMBED_CACHE" in env else None

    def embedding() -> bool:  # its partial build folder is there and it has started on its embedding cache
        partial = any((index / "builds").glob(".partial-*"))
        return partial and (own_cache is None or (own_cache.exists() and own_cache.stat().st_size > 0))

    poll(lambda: proc.poll() is not None or (until or embedding)(), timeout=120, what="the build to get going")
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
        new = result.manifest.build_id
        poll(lambda: httpx.get(url + "/readyz").json().get("build_id") == new, timeout, what="the new build served")
        served = len(statuses)
        poll(lambda: len(statuses) >= served + 4, timeout, what="searches against the new build")
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
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                return httpx.get(self.url + "/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            poll(ready, timeout, every=0.1)
        except AssertionError:
            raise TimeoutError(f"server not ready after {timeout} s:\n{self.log.read_text()}") from None

    def json_when(self, path: str, check: Callable[[httpx.Response], bool], timeout: float = 60) -> httpx.Response:
        """GET path again until check(response) holds (connection errors count as not yet); that response."""

        def attempt() -> httpx.Response | None:
            try:
                r = self.get(path)
            except httpx.HTTPError:
                return None
            return r if check(r) else None

        return poll(attempt, timeout, every=0.1, what=f"{path} as expected")

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
