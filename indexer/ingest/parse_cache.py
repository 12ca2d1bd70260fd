"""The parse cache: each file's documents as its reader made them, keyed by the file's path and bytes, kept across
builds, so that a rebuild parses only the files that changed (at 100,000 passages parsing 9,660 Markdown files was
about half of a rebuild whose vectors all came from the embedding cache).

One SQLite file beside `builds/` (index/parsed.sqlite). Its key also holds the build's recipe (every indexer module
and setting that shapes a build) and the corpus's noise lines, which the readers drop: a change to either parses
everything again. A file SQLite cannot read is replaced by an empty one; an entry that does not decode is parsed
again. Entries no build used last are dropped when a build finishes, so the file follows the corpus's size."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import asdict
from pathlib import Path

from indexer.documents import Block, Document, Section

log = logging.getLogger("career_search.cache")

PARSE_CACHE_FILE = "parsed.sqlite"


class ParseCache:
    """Documents by (recipe, noise, path, bytes) in one SQLite file. One build uses one object; after an error it
    stays off for the rest of that build (the build parses, as without a cache)."""

    def __init__(self, path: Path, recipe: str) -> None:
        self.path = path
        self.recipe = recipe
        self.hits = 0
        self.note = ""
        self._noise: frozenset[str] | None = None
        self._noise_digest = b""
        self._con: sqlite3.Connection | None = self._open()

    def _open(self) -> sqlite3.Connection | None:
        for attempt in (1, 2):
            con = None
            try:
                con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                con.execute("CREATE TABLE IF NOT EXISTS parsed (key BLOB PRIMARY KEY, docs TEXT, used INTEGER)")
                con.execute("UPDATE parsed SET used = 0")  # marks what this build uses; the rest goes at finish
                con.execute("BEGIN")
                return con
            except sqlite3.Error as exc:
                if con is not None:
                    con.close()
                if attempt == 2:
                    self.note = f"parse cache not used ({exc})"
                    return None
                self.note = f"parse cache was unreadable ({exc}); started a new one"
                log.warning("parse cache %s was unreadable (%s); starting a new one", self.path, exc)
                try:
                    for suffix in ("", "-journal", "-wal", "-shm"):
                        Path(str(self.path) + suffix).unlink(missing_ok=True)
                except OSError as gone:
                    self.note = f"parse cache not used ({exc}; cannot remove it: {gone.strerror})"
                    return None
        return None

    def key(self, noise: frozenset[str], source: str, digest: bytes) -> bytes:
        if self._noise is not noise:  # one corpus, one noise set: hashed once
            text = "\n".join(sorted(noise)).encode("utf-8", "surrogatepass")
            self._noise, self._noise_digest = noise, hashlib.sha256(text).digest()
        h = hashlib.sha256(self.recipe.encode() + b"\0" + self._noise_digest)
        h.update(source.encode("utf-8", "surrogatepass") + b"\0" + digest)
        return h.digest()

    def get(self, key: bytes) -> list[Document] | None:
        """The documents parsed from this file before, or None."""
        if self._con is None:
            return None
        try:
            row = self._con.execute("SELECT docs FROM parsed WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            docs = _decode(row[0])
            self._con.execute("UPDATE parsed SET used = 1 WHERE key = ?", (key,))
        except (ValueError, TypeError, KeyError):
            return None  # an entry that does not decode is parsed again, and replaced
        except sqlite3.Error as exc:
            self._off(exc)
            return None
        self.hits += 1
        return docs

    def put(self, key: bytes, docs: list[Document]) -> None:
        if self._con is None:
            return
        try:
            self._con.execute("INSERT OR REPLACE INTO parsed VALUES (?, ?, 1)", (key, _encode(docs)))
        except sqlite3.Error as exc:
            self._off(exc)
        except (TypeError, ValueError):  # not encodable: the file is parsed again next time
            pass

    def finish(self) -> None:
        """Drops what this build did not use and commits; called once the corpus has been read."""
        if self._con is None:
            return
        try:
            self._con.execute("DELETE FROM parsed WHERE used = 0")
            self._con.execute("COMMIT")
        except sqlite3.Error as exc:
            self._off(exc)
        self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _off(self, exc: sqlite3.Error) -> None:
        self.note = f"parse cache not used ({exc})"
        log.warning("parse cache %s failed (%s); parsing without it", self.path, exc)
        self.close()


def _encode(docs: list[Document]) -> str:
    return json.dumps([asdict(d) for d in docs])  # ASCII: a lone surrogate in a text stays an escape


def _decode(text: str) -> list[Document]:
    out = []
    for d in json.loads(text):
        sections = [Section(tuple(s["path"]), [Block(**b) for b in s["blocks"]]) for s in d.pop("sections")]
        out.append(Document(**d, sections=sections))
    return out
