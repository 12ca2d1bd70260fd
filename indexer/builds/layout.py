"""The on-disk index: index/builds/<build-id>/ (vector and lexical stores, SQLite tables of documents and passages,
manifest.json) and index/CURRENT naming the live one.

A build is written into builds/.partial-<id>/, renamed into place when complete, and only then named in CURRENT
(replaced atomically), so the live build is never written to and an interrupted build leaves only leftovers that
the next build removes."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from indexer.analysis.analyzer import Analyzer
from indexer.documents import Document, Passage
from indexer.errors import BuildError
from indexer.ranking import Lexical
from indexer.stores.lexical import factory as lexical_factory
from indexer.stores.lexical.base import LexicalRow
from indexer.stores.vectors import factory as vector_factory

FORMAT_VERSION = 2  # 2: sentence vectors beside passage vectors
CURRENT = "CURRENT"
BUILDS = "builds"
PARTIAL = ".partial-"
FAISS_FILE = "passages.faiss"
SENTENCE_FAISS_FILE = "sentences.faiss"
NAME_FAISS_FILE = "names.faiss"  # one vector per document (title and aliases), in document order; optional
SENTENCE_MIN_WORDS = 3  # shorter list items ("Python", "SQL") say too little to embed on their own
DB_FILE = "index.sqlite"
MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.json"
SERVING = ".serving-"  # index/.serving-<pid>-<random>: the builds a running service holds, under its flock
LEXICAL = "lexical"  # the manifest's name of the lexical store (the others are named by their files' stems)
LEXICAL_BEFORE_RECORDS = lexical_factory.DEFAULT  # what builds made before the manifest recorded its stores used




@dataclass
class Manifest:
    build_id: str
    created: str
    model: str
    dimension: int
    documents: int
    passages: int
    corpus: str
    corpus_fingerprint: str
    format_version: int = FORMAT_VERSION
    skipped: int = 0
    seconds: float = 0.0
    sentences: int = 0
    embedded: int = 0  # texts the model embedded for this build
    cached: int = 0  # texts whose vectors came from the embedding cache
    pooled: int = 0  # sentence vectors pooled from their passage's pass of the model (late chunking)
    recipe: dict = field(default_factory=dict)  # every input besides the corpus (indexer/builds/recipe.py)
    recipe_fingerprint: str = ""
    # the backend of each store and its parameters ({"passages": {"kind": "flat"}, ..., "lexical": {...}});
    # builds made before stores were recorded hold flat FAISS indexes and SQLite FTS5
    stores: dict = field(default_factory=dict)

    def store(self, name: str) -> dict:
        return self.stores.get(name) or {"kind": LEXICAL_BEFORE_RECORDS if name == LEXICAL else "flat"}

    @classmethod
    def load(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text())
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class BuildReport:
    """What the build read and skipped, written as report.json inside the build."""

    skipped: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)


def new_build_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def current_build_id(index_dir: Path) -> str | None:
    try:
        value = (index_dir / CURRENT).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return value or None


def build_dir(index_dir: Path, build_id: str) -> Path:
    return index_dir / BUILDS / build_id


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder; the OS drops the lock if the builder dies."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".build.lock", "w")
    except OSError as exc:
        raise BuildError(f"cannot write to index folder {index_dir}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another build is running on {index_dir}; try again when it has finished") from None
        yield
    finally:
        handle.close()


def clean_leftovers(index_dir: Path) -> list[str]:
    """Removes what interrupted builds left behind. Call only while holding the build lock."""
    removed = []
    builds = index_dir / BUILDS
    if builds.is_dir():
        for child in builds.iterdir():
            if child.name.startswith(PARTIAL):
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child.name)
    (index_dir / (CURRENT + ".tmp")).unlink(missing_ok=True)
    return removed


def _write_sqlite(path: Path, documents: list[Document], passages: list[Passage]) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(
            """
            CREATE TABLE documents (doc_id TEXT PRIMARY KEY, ordinal INTEGER, title TEXT, source TEXT,
                                    format TEXT, category TEXT, aliases TEXT, sections TEXT,
                                    audience TEXT DEFAULT '[]');
            CREATE TABLE passages (row INTEGER PRIMARY KEY, passage_id TEXT UNIQUE, doc_id TEXT, ordinal INTEGER,
                                   section TEXT, text TEXT);
            """
        )
        con.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (
                    d.doc_id,
                    i,
                    d.title,
                    d.source,
                    d.format,
                    d.category,
                    json.dumps(d.aliases),
                    json.dumps([s.label for s in d.sections]),
                    json.dumps(d.audience),
                )
                for i, d in enumerate(documents)
            ],
        )
        con.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?)",
            [(row, p.passage_id, p.doc_id, p.ordinal, p.section, p.text) for row, p in enumerate(passages)],
        )
        con.commit()
    finally:
        con.close()


def read_tables(path: Path) -> tuple[list[tuple], list[tuple], list[int]]:
    """A build's documents (doc_id, title, source, format, category, aliases, sections, audience; JSON decoded),
    passages (row, passage_id, doc_id, ordinal, section, text) in row order, and each sentence's passage row."""
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    try:
        columns = {row[1] for row in con.execute("PRAGMA table_info(documents)")}
        audience = "audience" if "audience" in columns else "'[]'"  # builds made before audiences existed
        documents = [
            (*row[:5], json.loads(row[5]), json.loads(row[6]), json.loads(row[7]))
            for row in con.execute(
                f"SELECT doc_id, title, source, format, category, aliases, sections, {audience} FROM documents "
                "ORDER BY ordinal"
            )
        ]
        passages = con.execute(
            "SELECT row, passage_id, doc_id, ordinal, section, text FROM passages ORDER BY row"
        ).fetchall()
        owners = [row for (row,) in con.execute("SELECT row FROM sentences ORDER BY id")]
    except sqlite3.Error as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    finally:
        con.close()
    return documents, passages, owners


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PartialBuild:
    """A build being written in builds/.partial-<id>/; `finish` makes it live, `abort` removes it.

    The folder exists from the start, so a builder killed half-way leaves it behind for the next build to clean."""

    def __init__(
        self,
        index_dir: Path,
        build_id: str,
        on_publish: Callable[[], None] | None = None,
        on_abort: Callable[[], None] | None = None,
    ) -> None:
        """on_publish runs just before CURRENT names the build (a server's alias switches then), on_abort when the
        build is given up (its server-side data is dropped)."""
        self.index_dir = index_dir
        self.build_id = build_id
        self.path = index_dir / BUILDS / (PARTIAL + build_id)
        self.final = index_dir / BUILDS / build_id
        self.stores: dict[str, dict] = {}  # what each store was written with, for the manifest
        self._on_publish = on_publish
        self._on_abort = on_abort
        self._guard(lambda: self.path.mkdir(parents=True))

    def _guard(self, action):
        try:
            return action()
        except OSError as exc:
            self.abort()
            what = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            raise BuildError(
                f"could not write the new build into {self.index_dir} ({what}); the live index is unchanged"
            ) from None

    def write_texts(
        self,
        documents: list[Document],
        passages: list[Passage],
        lexical: str = lexical_factory.MATRIX,
        fields: Sequence[float] = Lexical().fields,
        **params: str,
    ) -> None:
        """The tables of documents and passages, and the lexical store of the passages, its fields weighted by
        `fields` (params: the backend's)."""
        aliases = {d.doc_id: " ".join(d.aliases) for d in documents}
        rows = (
            LexicalRow(i, p.title, aliases.get(p.doc_id, ""), p.section, p.text, p.doc_id)
            for i, p in enumerate(passages)
        )
        backend = lexical_factory.backend(lexical)
        self._guard(lambda: _write_sqlite(self.path / DB_FILE, documents, passages))
        analyzer = Analyzer()  # the build's own: nothing it tokenizes outlives the build
        self.stores[LEXICAL] = self._guard(lambda: backend.write(self.path / DB_FILE, rows, analyzer, fields, **params))

    def write_vectors(
        self, vectors: np.ndarray, dimension: int, name: str = FAISS_FILE, kind: str = "flat", **params: int | str
    ) -> None:
        """Vectors (normalized: inner product = cosine) into a vector store of the given backend."""

        def write() -> None:
            store = vector_factory.create(kind, dimension, **params)
            store.build(vectors)
            store.save(self.path / name)
            self.stores[Path(name).stem] = store.config()

        self._guard(write)

    def write_sentences(
        self, owners: list[int], vectors: np.ndarray, dimension: int, store: dict | None = None
    ) -> None:
        """Vectors of each passage's sentences (store: the backend and its params; flat by default); owners[i] is the
        passage row of sentence i."""

        def write_owners() -> None:
            con = sqlite3.connect(self.path / DB_FILE)
            try:
                con.execute("CREATE TABLE sentences (id INTEGER PRIMARY KEY, row INTEGER)")
                con.executemany("INSERT INTO sentences VALUES (?, ?)", enumerate(owners))
                con.commit()
            finally:
                con.close()

        self._guard(write_owners)
        self.write_vectors(vectors, dimension, SENTENCE_FAISS_FILE, **(store or {}))

    def finish(self, manifest: Manifest, report: BuildReport, keep: int = 3) -> Path:
        """Writes the manifest, moves the build into place and names it in CURRENT (atomically)."""

        manifest.stores = {**self.stores, **manifest.stores}

        def publish() -> None:
            (self.path / REPORT_FILE).write_text(json.dumps(asdict(report), indent=1))
            (self.path / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=1))
            for f in self.path.iterdir():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
            os.rename(self.path, self.final)
            _fsync_dir(self.final.parent)  # the rename is durable before CURRENT can name the build
            if self._on_publish is not None:
                try:
                    self._on_publish()
                except BaseException:
                    os.rename(self.final, self.path)  # not live anywhere: a leftover for the next build
                    raise
            tmp = self.index_dir / (CURRENT + ".tmp")
            with open(tmp, "w") as fh:
                fh.write(manifest.build_id + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.index_dir / CURRENT)
            _fsync_dir(self.index_dir)

        self._guard(publish)
        prune(self.index_dir, keep)
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self._on_abort is not None:
            self._on_abort()


def prune(index_dir: Path, keep: int) -> list[str]:
    """Removes old builds, keeping the newest `keep`, always the live one and those a running service holds."""
    spared = {current_build_id(index_dir), *held_builds(index_dir)}
    # oldest first: by the second in the id, then (builds of one second) by when their folder was finished
    builds = sorted(
        (p for p in (index_dir / BUILDS).iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: (p.name.split("-")[0], _mtime_ns(p), p.name),
    )
    removed = []
    for old in builds[: max(0, len(builds) - max(keep, 1))]:
        if old.name not in spared:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old.name)
    return removed


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


class ServingRecord:
    """index/.serving-<pid>-<random>, flocked for the life of a service process, naming the builds it holds (the
    live one and one being loaded): a service that refused newer builds serves an older one, which prune must spare."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / f"{SERVING}{os.getpid()}-{secrets.token_hex(3)}"
        while True:
            self._handle = open(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), "r+")
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # a prune that found the file unlocked between open and flock removes it: lock a fresh one then
            if self.path.exists() and os.stat(self.path).st_ino == os.fstat(self._handle.fileno()).st_ino:
                break
            self._handle.close()

    def hold(self, *build_ids: str | None) -> None:
        self._handle.seek(0)  # overwritten in place, never emptied first: a prune reading it sees a build id
        self._handle.write("".join(f"{b}\n" for b in build_ids if b))
        self._handle.truncate()
        self._handle.flush()

    def close(self) -> None:
        self.path.unlink(missing_ok=True)
        self._handle.close()


def held_builds(index_dir: Path) -> set[str]:
    """Builds named by the records of running services; a record whose process is gone (no lock) is removed."""
    held: set[str] = set()
    for record in index_dir.glob(SERVING + "*"):
        try:
            with open(record) as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:  # a live service holds it
                    held.update(line.strip() for line in fh if line.strip())
                    continue
            record.unlink(missing_ok=True)
        except OSError:
            continue
    return held
