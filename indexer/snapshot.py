"""Reading one build of the index: its manifest, FAISS vectors, passages, documents and lexical index."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from indexer.store import (
    DB_FILE,
    FAISS_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    NAME_FAISS_FILE,
    SENTENCE_FAISS_FILE,
    SENTENCE_MIN_WORDS,
    Manifest,
    build_dir,
    current_build_id,
)
from indexer.text import sentence_units


class IndexUnavailable(Exception):
    """No usable index: missing, corrupt or made by another model or format. The message says what to do."""


@dataclass
class StoredPassage:
    row: int
    passage_id: str
    doc_id: str
    ordinal: int
    section: str
    text: str
    title: str
    source: str


@dataclass
class StoredDocument:
    doc_id: str
    title: str
    source: str
    format: str
    category: str
    aliases: list[str]
    sections: list[str]
    passage_rows: list[int]
    audience: list[str] = field(default_factory=list)  # who may see it; [] = everyone


class IndexSnapshot:
    """An immutable, fully loaded build. Safe to share between request threads."""

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        try:
            self.faiss = faiss.read_index(str(path / FAISS_FILE))
            self.sentence_faiss = faiss.read_index(str(path / SENTENCE_FAISS_FILE))
            self.con = sqlite3.connect(
                f"{(path / DB_FILE).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._load_rows()
            owners = [row for (row,) in self.con.execute("SELECT row FROM sentences ORDER BY id")]
            self.sentence_owner = np.asarray(owners, dtype=np.int64)
        except (RuntimeError, sqlite3.Error, OSError, ValueError) as exc:
            raise IndexUnavailable(
                f"index build {path.name} is damaged ({exc.__class__.__name__}: {str(exc)[:120]}); "
                "rebuild it with ./scripts/rebuild_index.sh"
            ) from None
        if (
            self.faiss.ntotal != len(self.passages)
            or self.faiss.d != manifest.dimension
            or self.sentence_faiss.ntotal != len(self.sentence_owner)
        ):
            raise IndexUnavailable(
                f"index build {path.name} is inconsistent ({self.faiss.ntotal} vectors for {len(self.passages)} "
                "passages); rebuild it with ./scripts/rebuild_index.sh"
            )
        self.vectors = _all_vectors(self.faiss)
        # builds made before name vectors existed still serve, without the name signal, until the next rebuild
        self.name_vectors: np.ndarray | None = None
        if (path / NAME_FAISS_FILE).exists():
            try:
                self.name_vectors = _all_vectors(faiss.read_index(str(path / NAME_FAISS_FILE)))
            except RuntimeError as exc:
                raise IndexUnavailable(
                    f"index build {path.name} is damaged ({str(exc)[:120]}); rebuild it with ./scripts/rebuild_index.sh"
                ) from None
            if len(self.name_vectors) != len(self.documents):
                raise IndexUnavailable(
                    f"index build {path.name} is inconsistent ({len(self.name_vectors)} name vectors for "
                    f"{len(self.documents)} documents); rebuild it with ./scripts/rebuild_index.sh"
                )
        self.doc_number = {doc_id: i for i, doc_id in enumerate(self.documents)}
        self.sentence_vectors = _all_vectors(self.sentence_faiss)
        # sentences are stored in passage order: passage row r owns ids sentence_start[r] .. sentence_start[r+1]-1
        self.sentence_start = np.searchsorted(self.sentence_owner, np.arange(len(self.passages) + 1))

    @property
    def build_id(self) -> str:
        return self.manifest.build_id

    def _load_rows(self) -> None:
        self.documents: dict[str, StoredDocument] = {}
        columns = {row[1] for row in self.con.execute("PRAGMA table_info(documents)")}
        audience = "audience" if "audience" in columns else "'[]'"  # builds made before audiences existed
        for doc_id, title, source, fmt, category, aliases, sections, who in self.con.execute(
            f"SELECT doc_id, title, source, format, category, aliases, sections, {audience} FROM documents "
            "ORDER BY ordinal"
        ):
            self.documents[doc_id] = StoredDocument(
                doc_id, title, source, fmt, category, json.loads(aliases), json.loads(sections), [], json.loads(who)
            )
        self.restricted = any(d.audience for d in self.documents.values())
        self.passages: list[StoredPassage] = []
        for row, pid, doc_id, ordinal, section, text in self.con.execute(
            "SELECT row, passage_id, doc_id, ordinal, section, text FROM passages ORDER BY row"
        ):
            doc = self.documents[doc_id]
            self.passages.append(StoredPassage(row, pid, doc_id, ordinal, section, text, doc.title, doc.source))
            doc.passage_rows.append(row)

    def dense(self, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Top n passages by cosine similarity to a normalized query vector."""
        n = min(n, self.faiss.ntotal)
        if n <= 0:
            return []
        scores, rows = self.faiss.search(vector.reshape(1, -1).astype(np.float32), n)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def sentence_best(self, vector: np.ndarray, n: int) -> dict[int, float]:
        """For the passages owning the n sentences nearest the query: their best sentence's similarity."""
        n = min(n, self.sentence_faiss.ntotal)
        if n <= 0:
            return {}
        scores, ids = self.sentence_faiss.search(vector.reshape(1, -1).astype(np.float32), n)
        best: dict[int, float] = {}
        for i, s in zip(ids[0], scores[0], strict=True):
            if i >= 0:
                row = int(self.sentence_owner[i])
                best[row] = max(best.get(row, -1.0), float(s))
        return best

    def sentence_similarities(self, row: int, vector: np.ndarray) -> dict[str, float]:
        """Cosine similarity of each sentence of one passage (those of 3+ words, keyed by text) to a query vector."""
        start, end = int(self.sentence_start[row]), int(self.sentence_start[row + 1])
        if start == end:
            return {}
        sims = self.sentence_vectors[start:end] @ vector
        units = sentence_units(self.passages[row].text, min_words=SENTENCE_MIN_WORDS)
        if len(units) != end - start:  # cannot happen for a build of this format; never mislabel a sentence
            return {}
        return {u: float(s) for u, s in zip(units, sims, strict=True)}

    def lexical(self, match: str, n: int, weights: tuple[float, ...] = (4.0, 3.0, 1.5, 1.0)) -> list[tuple[int, float]]:
        """Top n passages for an FTS5 MATCH expression, scored by BM25 (higher is better)."""
        if not match:
            return []
        w = ", ".join(str(x) for x in weights)
        rows = self.con.execute(
            f"SELECT rowid, -bm25(passages_fts, {w}) AS s FROM passages_fts WHERE passages_fts MATCH ? "
            "ORDER BY s DESC LIMIT ?",
            (match, n),
        ).fetchall()
        return [(int(r), float(s)) for r, s in rows]

    def close(self) -> None:
        self.con.close()


def _all_vectors(index: faiss.Index) -> np.ndarray:
    return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)


def open_snapshot(index_dir: Path, expect_model: str | None = None, build_id: str | None = None) -> IndexSnapshot:
    build_id = build_id or current_build_id(index_dir)
    if build_id is None:
        raise IndexUnavailable(
            f"no index in {index_dir}: build one with ./scripts/rebuild_index.sh "
            f"(or python -m indexer build --corpus DIR --index {index_dir})"
        )
    path = build_dir(index_dir, build_id)
    try:
        manifest = Manifest.load(path / MANIFEST_FILE)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexUnavailable(
            f"index build {build_id} named in {index_dir}/CURRENT cannot be read ({exc.__class__.__name__}); "
            "rebuild it with ./scripts/rebuild_index.sh"
        ) from None
    if manifest.format_version != FORMAT_VERSION:
        raise IndexUnavailable(
            f"index build {build_id} has format version {manifest.format_version}, this program reads "
            f"{FORMAT_VERSION}; rebuild it with ./scripts/rebuild_index.sh"
        )
    if expect_model is not None and manifest.model != expect_model:
        raise IndexUnavailable(
            f"index build {build_id} was made with model {manifest.model!r} but the service uses {expect_model!r}; "
            "rebuild the index or set CAREER_SEARCH_MODEL to match"
        )
    return IndexSnapshot(path, manifest)
