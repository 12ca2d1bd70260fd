"""Which lexical store a setting or a manifest names. A new backend: one module + one entry here."""

from __future__ import annotations

from pathlib import Path

from indexer.lexical.base import LexicalStore
from indexer.lexical.qdrant_sparse import QdrantSparseStore
from indexer.lexical.sqlite_fts import SqliteFtsStore

BACKENDS: dict[str, type[LexicalStore]] = {
    SqliteFtsStore.kind: SqliteFtsStore,
    QdrantSparseStore.kind: QdrantSparseStore,
}
DEFAULT = SqliteFtsStore.kind


def backend(kind: str) -> type[LexicalStore]:
    if kind not in BACKENDS:
        raise ValueError(f"unknown lexical index {kind!r} (this program has {', '.join(BACKENDS)})")
    return BACKENDS[kind]


def load(path: Path, config: dict) -> LexicalStore:
    return backend(config.get("kind", DEFAULT)).open(path, **{k: v for k, v in config.items() if k != "kind"})
