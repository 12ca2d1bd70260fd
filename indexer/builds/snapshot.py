"""Reading one build of the index: its manifest, vector stores, passages, documents and lexical store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.analysis.analyzer import Analyzer
from indexer.analysis.text import sentence_units
from indexer.builds.layout import (
    DB_FILE,
    FAISS_FILE,
    FORMAT_VERSION,
    LEXICAL,
    MANIFEST_FILE,
    NAME_FAISS_FILE,
    SENTENCE_FAISS_FILE,
    SENTENCE_MIN_WORDS,
    Manifest,
    build_dir,
    current_build_id,
    read_tables,
)
from indexer.errors import (
    IndexUnavailable,
    StoreUnavailable,
)
from indexer.stores.lexical import factory as lexical_factory
from indexer.stores.lexical.base import LexicalStore
from indexer.stores.vectors import factory as vector_factory
from indexer.stores.vectors.base import VectorStore
from indexer.stores.vectors.factory import AUTO


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


def _rebuild(path: Path, what: str) -> IndexUnavailable:
    return IndexUnavailable(f"index build {path.name} is {what}; rebuild it with ./scripts/rebuild_index.sh")


class IndexSnapshot:
    """An immutable, fully loaded build. Safe to share between request threads."""

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        try:
            self.passage_store: VectorStore = vector_factory.load(path / FAISS_FILE, manifest.store("passages"))
            self.sentence_store: VectorStore = vector_factory.load(
                path / SENTENCE_FAISS_FILE, manifest.store("sentences")
            )
            self.analyzer = Analyzer()  # the one memo of this build's words and tokens: it goes when the build does
            self.lexical_store: LexicalStore = lexical_factory.load(
                path / DB_FILE, manifest.store(LEXICAL), self.analyzer
            )
            documents, passages, owners = read_tables(path / DB_FILE)
        except StoreUnavailable as exc:
            raise IndexUnavailable(f"index build {path.name}: {exc}", transient=True) from None
        except (RuntimeError, OSError, ValueError) as exc:
            raise _rebuild(path, f"damaged ({exc.__class__.__name__}: {str(exc)[:120]})") from None
        self._load_rows(documents, passages)
        self.sentence_owner = np.asarray(owners, dtype=np.int64)
        if (
            self.passage_store.count != len(self.passages)
            or self.passage_store.dimension != manifest.dimension
            or self.sentence_store.count != len(self.sentence_owner)
        ):
            raise _rebuild(path, f"inconsistent ({self.passage_store.count} vectors for {len(self.passages)} passages)")
        # builds made before name vectors existed still serve, without the name signal, until the next rebuild
        self.name_store: VectorStore | None = None
        try:
            if vector_factory.saved(path / NAME_FAISS_FILE, manifest.store("names")):
                self.name_store = vector_factory.load(path / NAME_FAISS_FILE, manifest.store("names"))
                self.name_store.matrix()  # one row per document, kept here: every job-title query reads them all
        except StoreUnavailable as exc:
            raise IndexUnavailable(f"index build {path.name}: {exc}", transient=True) from None
        except (RuntimeError, OSError, ValueError) as exc:
            raise _rebuild(path, f"damaged ({str(exc)[:120]})") from None
        if self.name_store is not None and self.name_store.count != len(self.documents):
            raise _rebuild(
                path, f"inconsistent ({self.name_store.count} name vectors for {len(self.documents)} documents)"
            )
        self.doc_number = {doc_id: i for i, doc_id in enumerate(self.documents)}
        # sentences are stored in passage order: passage row r owns ids sentence_start[r] .. sentence_start[r+1]-1
        self.sentence_start = np.searchsorted(self.sentence_owner, np.arange(len(self.passages) + 1))
        # rows by section label, for filters: the labels are few, the passages many
        by_section: dict[str, list[int]] = {}
        for p in self.passages:
            by_section.setdefault(p.section, []).append(p.row)
        self.section_rows = {s: np.asarray(rows, dtype=np.int64) for s, rows in by_section.items()}

    @property
    def build_id(self) -> str:
        return self.manifest.build_id

    @property
    def name_vectors(self) -> np.ndarray | None:
        """One vector per document (in document order), a view of the name store's own rows."""
        return self.name_store.matrix() if self.name_store is not None else None

    def _load_rows(self, documents: list[tuple], passages: list[tuple]) -> None:
        self.documents: dict[str, StoredDocument] = {}
        for doc_id, title, source, fmt, category, aliases, sections, audience in documents:
            self.documents[doc_id] = StoredDocument(
                doc_id, title, source, fmt, category, aliases, sections, [], audience
            )
        self.restricted = any(d.audience for d in self.documents.values())
        self.passages: list[StoredPassage] = []
        for row, pid, doc_id, ordinal, section, text in passages:
            doc = self.documents[doc_id]
            self.passages.append(StoredPassage(row, pid, doc_id, ordinal, section, text, doc.title, doc.source))
            doc.passage_rows.append(row)

    def dense(self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top n passages by cosine similarity to a normalized query vector (among `allowed` rows if given)."""
        return self.passage_store.search(vector, n, allowed)

    def passage_similarities(self, rows: list[int], vector: np.ndarray) -> np.ndarray:
        """Exact cosine similarity of the given passages to a query vector."""
        return self.passage_store.scores(vector, rows) if rows else np.zeros(0, np.float32)

    def sentence_best(self, vector: np.ndarray, rows: list[int]) -> dict[int, float]:
        """For each given passage that has sentence vectors: its best sentence's cosine similarity to the query.
        Exact, and its cost grows with the passages asked about, not with the index."""
        rows_ = np.asarray(sorted(rows), dtype=np.int64)
        starts, ends = self.sentence_start[rows_], self.sentence_start[rows_ + 1]
        has = ends > starts
        rows_, starts, ends = rows_[has], starts[has], ends[has]
        if not len(rows_):
            return {}
        lengths = ends - starts
        ids = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        sims = self.sentence_store.scores(vector, ids)
        best = np.maximum.reduceat(sims, np.cumsum(lengths) - lengths)
        return {int(r): float(s) for r, s in zip(rows_, best, strict=True)}

    def sentence_similarities(self, row: int, vector: np.ndarray) -> dict[str, float]:
        """Cosine similarity of each sentence of one passage (those of 3+ words, keyed by text) to a query vector."""
        start, end = int(self.sentence_start[row]), int(self.sentence_start[row + 1])
        if start == end:
            return {}
        sims = self.sentence_store.scores(vector, np.arange(start, end))
        units = sentence_units(self.passages[row].text, min_words=SENTENCE_MIN_WORDS)
        if len(units) != end - start:  # cannot happen for a build of this format; never mislabel a sentence
            return {}
        return {u: float(s) for u, s in zip(units, sims, strict=True)}

    def lexical(self, words: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top n passages matching any of the words (higher is better), among `allowed` rows if given."""
        return self.lexical_store.search(words, n, allowed)

    def token_rows(self) -> dict[str, int]:
        """How many passages hold each lexical token (the lexical store's own count)."""
        return self.lexical_store.token_rows()

    def unreachable(self) -> str | None:
        """Why this build's stores cannot answer now (their server is down), else None."""
        return self.passage_store.unreachable() or self.lexical_store.unreachable()

    def close(self) -> None:
        self.lexical_store.close()


def _check_backends(
    build_id: str, manifest: Manifest, vector_index: str | None, lexical_index: str | None, backend: str | None
) -> None:
    """A build whose stores this program lacks, or that differ from the configured ones, is refused in one line."""
    kind = manifest.store("passages")["kind"]
    if kind not in vector_factory.BACKENDS:
        raise IndexUnavailable(
            f"index build {build_id} uses vector index {kind!r}, which this program does not have; rebuild the index"
        )
    made_with = vector_factory.backend(kind).backend
    if backend is not None and made_with != backend:
        raise IndexUnavailable(
            f"index build {build_id} was made with backend {made_with!r} but the service is configured for "
            f"{backend!r} (CAREER_SEARCH_BACKEND); rebuild the index or change the setting to match"
        )
    if made_with == "qdrant":
        return  # both stores are Qdrant's: the FAISS and FTS5 settings do not apply
    if vector_index not in (None, AUTO) and kind != vector_index:
        raise IndexUnavailable(
            f"index build {build_id} uses vector index {kind!r} but the service is configured for {vector_index!r} "
            "(CAREER_SEARCH_VECTOR_INDEX); rebuild the index or change the setting to match"
        )
    lexical = manifest.store(LEXICAL)["kind"]
    if lexical not in lexical_factory.BACKENDS:
        raise IndexUnavailable(
            f"index build {build_id} uses lexical index {lexical!r}, which this program does not have; rebuild the "
            "index"
        )
    if lexical_index not in (None, AUTO) and lexical != lexical_index:
        raise IndexUnavailable(
            f"index build {build_id} uses lexical index {lexical!r} but the service is configured for "
            f"{lexical_index!r} (CAREER_SEARCH_LEXICAL_INDEX); rebuild the index or "
            "change the setting to match"
        )


def open_snapshot(
    index_dir: Path,
    expect_model: str | None = None,
    build_id: str | None = None,
    vector_index: str | None = None,
    lexical_index: str | None = None,
    backend: str | None = None,
) -> IndexSnapshot:
    """The build named in CURRENT (or build_id); with expect_model / vector_index / lexical_index / backend (the
    service's settings), a build made otherwise is refused with IndexUnavailable."""
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
    _check_backends(build_id, manifest, vector_index, lexical_index, backend)
    return IndexSnapshot(path, manifest)


def live_build_id(index_dir: Path, settings) -> str | None:
    """The build a service serves: with the Qdrant backend, the one its alias names, so that every replica switches
    when the alias does; else (or with no alias yet) the one index/CURRENT names. A Qdrant server that is down
    raises StoreUnavailable."""
    if settings.backend == "qdrant":
        from indexer.stores.qdrant_link import alias_build

        build = alias_build(settings)
        if build is not None:
            return build
    return current_build_id(index_dir)
