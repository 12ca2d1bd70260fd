"""Holds the live index and swaps in a new build when index/CURRENT changes, without dropping a request."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from indexer.embedder import Embedder, ModelError, get_embedder
from indexer.search import Searcher
from indexer.settings import Settings
from indexer.snapshot import IndexUnavailable, open_snapshot
from indexer.store import current_build_id

log = logging.getLogger("career_search.reload")


class IndexHolder:
    """`searcher` is replaced by assignment only: a request that already took the old one finishes on it."""

    def __init__(self, index_dir: Path, settings: Settings) -> None:
        self.index_dir = index_dir
        self.settings = settings
        self.searcher: Searcher | None = None
        self.embedder: Embedder | None = None
        self.reason = "loading the embedding model"
        self._failed: str | None = None  # a build that failed to load is not retried until CURRENT changes
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="index-reloader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            self.embedder = get_embedder(self.settings)
        except (ModelError, OSError) as exc:
            self.reason = f"embedding model cannot be loaded: {exc}"
            log.error(self.reason)
            return
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # the poller must survive anything a half-written folder can throw
                log.exception("unexpected error while checking for a new index build")
            self._stop.wait(self.settings.reload_interval)

    def refresh(self) -> bool:
        """Loads the build named in CURRENT if it is new; returns whether a new build went live."""
        if self.embedder is None:
            return False
        with self._lock:
            wanted = current_build_id(self.index_dir)
            live = self.searcher.snapshot.build_id if self.searcher else None
            if wanted is None:
                if live is None:
                    self.reason = f"no index in {self.index_dir}: build one with ./scripts/rebuild_index.sh"
                return False
            if wanted == live or wanted == self._failed:
                return False
            try:
                snapshot = open_snapshot(
                    self.index_dir,
                    expect_model=self.settings.model,
                    build_id=wanted,
                    vector_index=self.settings.vector_index,
                    lexical_index=self.settings.lexical_index,
                )
            except IndexUnavailable as exc:
                self._failed = wanted
                if live:
                    log.error("new index build refused, still serving %s: %s", live, exc)
                else:
                    self.reason = str(exc)
                    log.error("index not loaded: %s", exc)
                return False
            self.searcher = Searcher(snapshot, self.embedder)  # the swap: one reference assignment
            self._failed = None
            self.reason = ""
            log.info("serving index build %s (%d passages)", wanted, snapshot.manifest.passages)
            return True
