"""Which lexical store a setting or a manifest names. A new backend: one module + one entry here."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from indexer.lexical.base import LexicalStore

DEFAULT, QDRANT_SPARSE = "sqlite-fts5", "qdrant-sparse"
# kind -> "module:class", imported when first used: a FAISS deployment never loads the Qdrant client
BACKENDS: dict[str, str] = {
    DEFAULT: "indexer.lexical.sqlite_fts:SqliteFtsStore",
    QDRANT_SPARSE: "indexer.lexical.qdrant_sparse:QdrantSparseStore",
}


def backend(kind: str) -> type[LexicalStore]:
    if kind not in BACKENDS:
        raise ValueError(f"unknown lexical index {kind!r} (this program has {', '.join(BACKENDS)})")
    module, name = BACKENDS[kind].split(":")
    return getattr(import_module(module), name)


def load(path: Path, config: dict) -> LexicalStore:
    return backend(config.get("kind", DEFAULT)).open(path, **{k: v for k, v in config.items() if k != "kind"})
