"""The opt-in query log: one JSON line per search in <folder>/queries-YYYY-MM-DD.jsonl (UTC days), kept N days.

Lines are written by a background thread, so a slow or full disk never holds up a search. Several worker processes
append to the same file: each line goes out in one write() on a descriptor opened with O_APPEND and is kept under
4 KB, so lines from different processes never interleave. A write failure is logged once and never fails a search.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service.schemas import SearchResponse

log = logging.getLogger("career_search.querylog")

MAX_LINE_BYTES = 4000  # one write() each, well under the 4 KB that appends of several processes keep whole
CUTS = (200, 50, 10)  # long text fields are cut to these lengths in turn until the line fits
QUEUE_SIZE = 10_000  # searches waiting to be written; past it, lines are dropped rather than memory grown
FILE_NAME = re.compile(r"queries-(\d{4}-\d{2}-\d{2})\.jsonl")
_STOP = object()


def file_for(folder: Path, day: date) -> Path:
    return folder / f"queries-{day.isoformat()}.jsonl"


def encode(entry: dict) -> bytes:
    """The entry as one JSON line of at most MAX_LINE_BYTES; long text fields are cut (and `cut` set) to fit."""
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    for cut in CUTS:
        if len(line) <= MAX_LINE_BYTES:
            break
        short = {**entry, "cut": True}
        for key in ("query", "corrected", "user"):
            if isinstance(short.get(key), str):
                short[key] = short[key][:cut]
        if isinstance(short.get("filters"), dict):
            short["filters"] = {k: str(v)[:cut] for k, v in short["filters"].items()}
        line = (json.dumps(short, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    return line


def prune(folder: Path, days: int, today: date) -> list[Path]:
    """Deletes the day files older than `days` days; returns them. Other files in the folder are left alone."""
    oldest = today - timedelta(days=days - 1)
    removed = []
    for path in folder.glob("queries-*.jsonl"):
        match = FILE_NAME.fullmatch(path.name)
        try:
            day = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            continue
        if day is not None and day < oldest:
            try:
                path.unlink()
                removed.append(path)
            except FileNotFoundError:  # another worker pruned it first
                pass
            except OSError as exc:
                log.warning("query log: cannot delete %s: %s", path, exc)
    return removed


class QueryLog:
    """record() queues a search's entry; a daemon thread appends it to the day's file and prunes once a day."""

    def __init__(self, folder: Path, days: int) -> None:
        self.folder = folder
        self.days = days
        self._queue: queue.Queue = queue.Queue(QUEUE_SIZE)
        self._failing = False  # a failure was reported: say nothing more until a write succeeds again
        self._pruned: date | None = None
        self._thread = threading.Thread(target=self._run, name="query-log", daemon=True)

    def start(self) -> None:
        self._maintain(datetime.now(UTC).date())
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Writes what is queued, then ends the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def record(self, entry: dict) -> None:
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self._fail("the writer is behind; searches are not being logged")

    def _run(self) -> None:
        while True:
            try:
                entry = self._queue.get(timeout=3600)  # wakes hourly so that pruning happens on quiet days too
            except queue.Empty:
                self._maintain(datetime.now(UTC).date())
                continue
            if entry is _STOP:
                return
            now = datetime.now(UTC)
            self._maintain(now.date())
            self._write(file_for(self.folder, now.date()), {"ts": now.isoformat(timespec="milliseconds"), **entry})

    def _maintain(self, today: date) -> None:
        """Once a day: make sure the folder exists and delete the files past retention."""
        if self._pruned == today:
            return
        self._pruned = today
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for path in prune(self.folder, self.days, today):
                log.info("query log: deleted %s (older than %d days)", path.name, self.days)
        except OSError as exc:
            self._fail(f"cannot use the folder {self.folder}: {exc}")

    def _write(self, path: Path, entry: dict) -> None:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, encode(entry))
            finally:
                os.close(fd)
        except OSError as exc:
            self._fail(f"cannot write {path}: {exc}")
            return
        if self._failing:
            self._failing = False
            log.info("query log: writing again to %s", path)

    def _fail(self, why: str) -> None:
        if not self._failing:
            self._failing = True
            log.warning("query log: %s; searches go on without it (said once until it works again)", why)


def search_entry(
    response: SearchResponse,
    k: int,
    filters: dict[str, str],
    snippets: bool,
    latency_ms: float,
    build_id: str,
    user: str | None,
) -> dict:
    """What the log keeps of one /api/search answer (the time is added when it is written)."""
    entry: dict = {"query": response.query}
    if response.corrected:
        entry["corrected"] = response.corrected
    entry.update(mode=response.mode, k=k)
    if filters:
        entry["filters"] = filters
    if not snippets:  # the page's facet counts: the same question again, which query_report.py does not count twice
        entry["snippets"] = False
    entry["results"] = len(response.results)
    if response.results:
        entry["top_doc_id"] = response.results[0].doc_id
        entry["top_score"] = response.results[0].score
    entry["no_match"] = response.no_match
    entry.update(latency_ms=round(latency_ms, 2), build_id=build_id)
    if user is not None:
        entry["user"] = user
    return entry
