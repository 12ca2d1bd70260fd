"""Which vector store to build and how to open one a manifest describes. A new backend: one module + one entry here."""

from __future__ import annotations

from pathlib import Path

from indexer.stores.registry import backend_class
from indexer.stores.vectors.base import VectorStore

FLAT, HNSW = "flat", "hnsw"
# kind -> "module:class", imported when first used: a FAISS deployment never loads the Qdrant client
BACKENDS: dict[str, str] = {
    FLAT: "indexer.stores.vectors.faiss_flat:FlatStore",
    HNSW: "indexer.stores.vectors.faiss_hnsw:HnswStore",
    "qdrant": "indexer.stores.vectors.qdrant:QdrantStore",
}
AUTO = "auto"
# `auto` builds flat below this many rows, HNSW from it on: flat's p50 reaches 5 ms per query at about 50k unit
# vectors of 384 dimensions on the 2-core machine (4.7 ms at 50k, 8.3 ms at 100k; scripts/benchmark.py scale
# --sweep, README "How the index type is chosen"), while HNSW stays near 1 ms with recall@10 >= 0.98.
AUTO_HNSW_FROM = 50_000


def choose(setting: str, rows: int) -> str:
    """The backend a setting (auto, flat, hnsw, ...) means for a store of this many rows."""
    if setting == AUTO:
        return HNSW if rows >= AUTO_HNSW_FROM else FLAT
    if setting not in BACKENDS:
        raise ValueError(f"unknown vector index {setting!r}: use {AUTO} or one of {', '.join(BACKENDS)}")
    return setting


def backend(kind: str) -> type[VectorStore]:
    """The store class of a kind."""
    return backend_class(BACKENDS, kind, "vector index")


def create(kind: str, dimension: int, **params: int | str) -> VectorStore:
    return backend(kind)(dimension, **params)


def _backend(config: dict) -> tuple[type[VectorStore], dict]:
    return backend(config.get("kind", FLAT)), {k: v for k, v in config.items() if k != "kind"}


def load(path: Path, config: dict) -> VectorStore:
    """The store saved at path, of the kind and parameters a manifest recorded (config() of the store written)."""
    backend, params = _backend(config)
    return backend.load(path, **params)


def saved(path: Path, config: dict) -> bool:
    """Whether the store a manifest recorded is still there (its file, or its server's collection)."""
    backend, params = _backend(config)
    return backend.saved(path, **params)
