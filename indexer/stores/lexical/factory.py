"""Which lexical store a setting or a manifest names. A new backend: one module + one entry here."""

from __future__ import annotations

from pathlib import Path

from indexer.analysis.analyzer import Analyzer
from indexer.stores.lexical.base import LexicalStore
from indexer.stores.registry import backend_class

DEFAULT, MATRIX, QDRANT_SPARSE = "sqlite-fts5", "bm25-matrix", "qdrant-sparse"
AUTO = "auto"  # the setting: builds use MATRIX, services accept any file-based kind
# kind -> "module:class", imported when first used: a FAISS deployment never loads the Qdrant client
BACKENDS: dict[str, str] = {
    DEFAULT: "indexer.stores.lexical.sqlite_fts:SqliteFtsStore",
    MATRIX: "indexer.stores.lexical.bm25_matrix:Bm25MatrixStore",
    QDRANT_SPARSE: "indexer.stores.lexical.qdrant_sparse:QdrantSparseStore",
}


def choose(setting: str) -> str:
    """The backend a setting means for a new build. BM25 as a matrix ranks exactly as FTS5 (largest relative score
    difference 1.4e-7 over 364 questions) and 4.5-8x faster at 10,000 passages (scripts/benchmark.py lexical), so
    auto always takes it; FTS5 stays for the builds that have it and as the reference the matrix is tested against."""
    if setting == AUTO:
        return MATRIX
    if setting not in BACKENDS:
        raise ValueError(f"unknown lexical index {setting!r}: use {AUTO} or one of {', '.join(BACKENDS)}")
    return setting


def backend(kind: str) -> type[LexicalStore]:
    return backend_class(BACKENDS, kind, "lexical index")


def load(path: Path, config: dict, analyzer: Analyzer) -> LexicalStore:
    return backend(config.get("kind", DEFAULT)).open(path, analyzer, **{k: v for k, v in config.items() if k != "kind"})
