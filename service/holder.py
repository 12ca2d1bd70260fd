"""Holds the live index and swaps in a new build when the live build changes (index/CURRENT or the Qdrant
alias), without dropping a request."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer.builds.layout import ServingRecord
from indexer.builds.snapshot import live_build_id, open_snapshot
from indexer.errors import IndexUnavailable, ModelError, StoreUnavailable
from indexer.search import Embedder, get_embedder
from indexer.search.searcher import Searcher
from indexer.settings import Settings

log = logging.getLogger("career_search.reload")


class IndexHolder:
    """`searcher` is replaced by assignment only: a request that already took the old one finishes on it."""

    def __init__(self, index_dir: Path, settings: Settings) -> None:
        self.index_dir = index_dir
        self.settings = settings
        self.searcher: Searcher | None = None
        self.embedder: Embedder | None = None
        self.reason = "loading the embedding model"
        self.model_error: str | None = None  # set while the model cannot be loaded; /healthz reports it
        self.reloads = 0  # builds swapped in
        self.refused = 0  # builds refused (another model or format, damaged)
        self.store_error: str | None = None  # the live build's store server cannot be reached; /readyz says so
        self.on_embed: Callable[[float], None] | None = None  # told each query embedding's seconds (metrics)
        self._record: ServingRecord | None = None
        self._failed: str | None = None  # a build that failed to load is not retried until CURRENT changes
        self.settled = threading.Event()  # set after the first attempt to load the model and the live build
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="index-reloader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._record is not None:
            self._record.close()
            self._record = None

    def ready(self) -> bool:
        return self.embedder is not None

    def _load_model(self) -> bool:
        """Loads the model, or records why not; a model folder that appears later (a mount) is picked up."""
        try:
            self.embedder = get_embedder(self.settings)
            self.embedder.serve_queries()
        except (ModelError, OSError, ValueError) as exc:
            error = f"embedding model cannot be loaded: {exc}"
            if error != self.model_error:
                log.error("%s; retrying", error, extra={"event": "model_error", "reason": error})
            self.model_error = self.reason = error
            return False
        if self.model_error:
            log.info("embedding model loaded")
        self.model_error = None
        return True

    def wait_settled(self, timeout: float) -> bool:
        """Waits until the first load was tried (whatever its outcome); False if it took longer than timeout."""
        return self.settled.wait(timeout)

    def _run(self) -> None:
        delay = self.settings.reload_interval
        while not self._load_model():
            self.settled.set()  # no model: start answering 503 with the reason, keep retrying
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, 60.0)
        while not self._stop.is_set():
            try:
                self.refresh()
                self.check_stores()
            except Exception:  # the poller must survive anything a half-written folder can throw
                log.exception("unexpected error while checking for a new index build")
            self.settled.set()
            self._stop.wait(self.settings.reload_interval)

    def refresh(self) -> bool:
        """Loads the build named in CURRENT if it is new; returns whether a new build went live."""
        if self.embedder is None:
            return False
        with self._lock:
            live = self.searcher.snapshot.build_id if self.searcher else None
            try:
                wanted = live_build_id(self.index_dir, self.settings)
            except StoreUnavailable as exc:  # the alias cannot be read: keep serving what is live, say why
                if live is None:
                    self.reason = str(exc)
                self._note_store_error(str(exc))
                return False
            if wanted is None:
                if live is None:
                    self.reason = f"no index in {self.index_dir}: build one with ./scripts/rebuild_index.sh"
                return False
            if wanted == live or wanted == self._failed:
                return False
            self._hold(live, wanted)
            try:
                snapshot = open_snapshot(
                    self.index_dir,
                    expect_model=self.settings.model,
                    build_id=wanted,
                    vector_index=self.settings.vector_index,
                    lexical_index=self.settings.lexical_index,
                    backend=self.settings.backend,
                )
            except IndexUnavailable as exc:
                if exc.transient:  # the store's server is down: the same build is tried again at the next poll
                    if live is None:
                        self.reason = str(exc)
                    self._note_store_error(str(exc))
                    self._hold(live)
                    return False
                self._failed = wanted
                self.refused += 1
                event = {"event": "refused", "build_id": wanted, "reason": str(exc)}
                if live:
                    log.error("new index build refused, still serving %s: %s", live, exc, extra=event)
                else:
                    self.reason = str(exc)
                    log.error("index not loaded: %s", exc, extra=event)
                self._hold(live)
                return False
            self.searcher = Searcher(snapshot, _Timed(self.embedder, self))  # the swap: one reference assignment
            self.reloads += 1
            self._hold(wanted)
            self._failed = None
            self.reason = ""
            log.info(
                "serving index build %s (%d passages)",
                wanted,
                snapshot.manifest.passages,
                extra={"event": "reload", "build_id": wanted, "passages": snapshot.manifest.passages},
            )
            return True

    def check_stores(self) -> None:
        """Asks the live build's stores whether their server answers (a no-op for files): /readyz says 503 while
        it does not, and ready again once it does."""
        current = self.searcher
        if current is None:
            return
        error = current.snapshot.unreachable()
        if error != self.store_error:
            if error:
                self._note_store_error(error)
            else:
                log.info("index stores reachable again", extra={"event": "store_back"})
                self.store_error = None

    def _note_store_error(self, error: str) -> None:
        if error != self.store_error:
            log.error("index stores cannot be reached: %s", error, extra={"event": "store_error", "reason": error})
        self.store_error = error

    def _hold(self, *build_ids: str | None) -> None:
        """Names the builds this process holds in index/.serving-*, so that prune spares them."""
        try:
            if self._record is None:
                self._record = ServingRecord(self.index_dir)
            self._record.hold(*build_ids)
        except OSError as exc:  # a read-only index folder: prune then keeps only CURRENT and the newest builds
            log.warning("cannot record the build this service holds in %s: %s", self.index_dir, exc)


class _Timed:
    """The embedder, telling the holder's on_embed how long each call took (lock wait included)."""

    def __init__(self, inner: Embedder, holder: IndexHolder) -> None:
        self._inner = inner
        self._holder = holder

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self._inner.encode(texts, progress)
        finally:
            if self._holder.on_embed is not None:
                self._holder.on_embed(time.perf_counter() - started)

    def __getattr__(self, name: str):
        return getattr(self._inner, name)
