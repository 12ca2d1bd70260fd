"""Which vector store to build and how to open one a manifest describes. A new backend: one module + one entry here."""

from __future__ import annotations

from pathlib import Path

from indexer.vectors.base import VectorStore
from indexer.vectors.faiss_flat import FlatStore
from indexer.vectors.faiss_hnsw import HnswStore
from indexer.vectors.qdrant import QdrantStore

BACKENDS: dict[str, type[VectorStore]] = {
    FlatStore.kind: FlatStore,
    HnswStore.kind: HnswStore,
    QdrantStore.kind: QdrantStore,
}
AUTO = "auto"
# `auto` builds flat below this many rows, HNSW from it on: flat's p50 reaches 5 ms per query at about 50k unit
# vectors of 384 dimensions on the 2-core machine (4.7 ms at 50k, 8.3 ms at 100k; scripts/scale_benchmark.py --sweep,
# README "How the index type is chosen"), while HNSW stays near 1 ms with recall@10 >= 0.98.
AUTO_HNSW_FROM = 50_000


def choose(setting: str, rows: int) -> str:
    """The backend a setting (auto, flat, hnsw, ...) means for a store of this many rows."""
    if setting == AUTO:
        return HnswStore.kind if rows >= AUTO_HNSW_FROM else FlatStore.kind
    if setting not in BACKENDS:
        raise ValueError(f"unknown vector index {setting!r}: use {AUTO} or one of {', '.join(BACKENDS)}")
    return setting


def create(kind: str, dimension: int, **params: int | str) -> VectorStore:
    if kind not in BACKENDS:
        raise ValueError(f"unknown vector index {kind!r} (this program has {', '.join(BACKENDS)})")
    return BACKENDS[kind](dimension, **params)


def _backend(config: dict) -> tuple[type[VectorStore], dict]:
    kind = config.get("kind", FlatStore.kind)
    if kind not in BACKENDS:
        raise ValueError(f"unknown vector index {kind!r} (this program has {', '.join(BACKENDS)})")
    return BACKENDS[kind], {k: v for k, v in config.items() if k != "kind"}


def load(path: Path, config: dict) -> VectorStore:
    """The store saved at path, of the kind and parameters a manifest recorded (config() of the store written)."""
    backend, params = _backend(config)
    return backend.load(path, **params)


def saved(path: Path, config: dict) -> bool:
    """Whether the store a manifest recorded is still there (its file, or its server's collection)."""
    backend, params = _backend(config)
    return backend.saved(path, **params)
