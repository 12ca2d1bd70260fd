"""The embedding cache: vectors of texts already embedded, keyed by (model identity, exact text), kept across builds.

One SQLite file beside `builds/` (index/embeddings.sqlite), shared by every build of that index. A rebuild embeds
only the texts it has never seen. Each vector carries a CRC of its bytes and must have unit length, so a damaged
row is never served; a file SQLite cannot read is replaced by an empty one. The file is bounded in size: past the
bound, the entries that the fewest recent builds used go first."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.errors import CacheError

log = logging.getLogger("career_search.cache")

CACHE_FILE = "embeddings.sqlite"
CACHE_FORMAT = "2"  # 2: a rowid table; a WITHOUT ROWID one spilled each vector over a page and a half
_CHUNK = 500  # digests per SELECT: below SQLite's bound on query parameters




@dataclass
class CacheStats:
    """What one build got from the cache."""

    hits: int = 0
    misses: int = 0
    evicted: int = 0
    note: str = ""  # what was wrong with the cache and what was done about it, for the build summary


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _crc(blob: bytes) -> int:
    return zlib.crc32(blob)


class EmbeddingCache:
    """Vectors by (model identity, text) in one SQLite file. Not thread-safe: one build uses one cache object."""

    def __init__(self, path: Path, identity: str, max_mb: float = 1024.0) -> None:
        self.path = path
        self.identity = identity
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.stats = CacheStats()
        self.con = self._open()
        self.generation = self._next_generation()

    def _open(self) -> sqlite3.Connection:
        notes = []
        for attempt in (1, 2):
            try:
                con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("PRAGMA synchronous=NORMAL")
                ok = con.execute("PRAGMA quick_check").fetchone()[0]
                if ok != "ok":
                    raise sqlite3.DatabaseError(f"integrity check failed: {ok[:80]}")
                self._create(con)
                version = con.execute("SELECT value FROM meta WHERE key='format'").fetchone()
                if version is None:
                    con.execute("INSERT INTO meta VALUES ('format', ?)", (CACHE_FORMAT,))
                elif version[0] != CACHE_FORMAT:
                    raise sqlite3.DatabaseError(f"cache format {version[0]}, this program writes {CACHE_FORMAT}")
                if notes:
                    self.stats.note = notes[0]
                return con
            except sqlite3.Error as exc:
                if attempt == 2:
                    raise CacheError(f"embedding cache {self.path} cannot be used: {exc}") from None
                try:
                    con.close()
                except Exception:  # noqa: BLE001 - closing a broken connection may fail too; it is discarded
                    pass
                notes.append(f"embedding cache was unreadable ({exc}); started a new one")
                log.warning("embedding cache %s was unreadable (%s); starting a new one", self.path, exc)
                for suffix in ("", "-wal", "-shm"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
        raise AssertionError("unreachable")

    @staticmethod
    def _create(con: sqlite3.Connection) -> None:
        con.executescript(
            """
            PRAGMA auto_vacuum = INCREMENTAL;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS vectors (id INTEGER PRIMARY KEY, model TEXT, digest BLOB, vector BLOB,
                                                crc INTEGER, used INTEGER);
            CREATE UNIQUE INDEX IF NOT EXISTS vectors_key ON vectors (model, digest);
            CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
            """
        )

    def _next_generation(self) -> int:
        row = self.con.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        generation = int(row[0]) + 1 if row else 1
        self.con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),))
        return generation

    def get(self, texts: list[str], dimension: int | None = None) -> dict[int, np.ndarray]:
        """Cached vectors of texts, by position in `texts`; rows that fail their checks are dropped and missed."""
        wanted: dict[bytes, list[int]] = {}
        for i, text in enumerate(texts):
            wanted.setdefault(digest(text), []).append(i)
        keys = list(wanted)
        found: dict[int, np.ndarray] = {}
        bad: list[bytes] = []
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.con.execute(
                f"SELECT digest, vector, crc FROM vectors WHERE model = ? AND digest IN ({marks})",
                (self.identity, *chunk),
            ).fetchall()
            for key, blob, crc in rows:
                vector = np.frombuffer(blob, dtype=np.float32) if len(blob) % 4 == 0 else None
                if (
                    vector is None
                    or _crc(blob) != crc
                    or (dimension is not None and len(vector) != dimension)
                    or abs(float(np.dot(vector, vector)) - 1.0) > 1e-3
                ):
                    bad.append(key)
                    continue
                for i in wanted[key]:
                    found[i] = vector
            with self._transaction():  # mark them used by this build: trimming keeps what recent builds use
                self.con.executemany(
                    "UPDATE vectors SET used = ? WHERE model = ? AND digest = ?",
                    [(self.generation, self.identity, k) for k, _, _ in rows],
                )
        if bad:
            self.stats.note = f"embedding cache had {len(bad)} damaged vectors; they were embedded again"
            log.warning("embedding cache %s: %d damaged vectors dropped", self.path, len(bad))
            self.forget(bad)
        self.stats.hits += len(found)
        self.stats.misses += len(texts) - len(found)
        return found

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        """Stores vectors of texts (one transaction: a build killed half-way keeps what it had committed)."""
        rows = []
        for text, vector in zip(texts, vectors, strict=True):
            blob = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
            rows.append((self.identity, digest(text), blob, _crc(blob), self.generation))
        with self._transaction():
            self.con.executemany(
                "INSERT OR REPLACE INTO vectors (model, digest, vector, crc, used) VALUES (?,?,?,?,?)", rows
            )

    def forget(self, keys: list[bytes]) -> None:
        with self._transaction():
            self.con.executemany(
                "DELETE FROM vectors WHERE model = ? AND digest = ?", [(self.identity, k) for k in keys]
            )

    def forget_model(self) -> None:
        """Drops every vector of this model identity (the model no longer gives them)."""
        with self._transaction():
            self.con.execute("DELETE FROM vectors WHERE model = ?", (self.identity,))

    def count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def size_bytes(self) -> int:
        pages = self.con.execute("PRAGMA page_count").fetchone()[0]
        free = self.con.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * self.con.execute("PRAGMA page_size").fetchone()[0])

    def trim(self) -> int:
        """Keeps the file under its bound: removes the least recently used vectors, never this build's."""
        removed = 0
        for _ in range(8):  # each round removes what the average row size says is too much; pages are lumpy
            size, total = self.size_bytes(), self.count()
            if size <= self.max_bytes or total == 0:
                break
            excess = int((size - self.max_bytes) / (size / total)) + 1
            with self._transaction():
                cur = self.con.execute(
                    "DELETE FROM vectors WHERE id IN (SELECT id FROM vectors WHERE used < ? ORDER BY used LIMIT ?)",
                    (self.generation, excess),
                )
            self.con.execute("PRAGMA incremental_vacuum")
            if cur.rowcount <= 0:
                break  # only this build's vectors are left: they stay, whatever the bound
            removed += cur.rowcount
        if removed:
            self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.stats.evicted += removed
        return removed

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def close(self) -> None:
        try:
            self.con.close()
        except sqlite3.Error:
            pass
