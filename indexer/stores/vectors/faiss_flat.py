"""Exact search: FAISS IndexFlatIP, a scan of every row. Right below a few hundred thousand rows (see README)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from indexer.stores.vectors.faiss_common import FaissStore, storage_view

PAGE = 4096  # bytes per memory page


def _fault_in(view: np.ndarray) -> None:
    """Reads one value per memory page of a mapped file, so its pages are in memory (shared, from the page cache)
    before the first searches, which would otherwise each fault in their rows' pages (~60 ms for 0.8 GB)."""
    flat = view.reshape(-1)
    if len(flat):
        flat[:: PAGE // flat.itemsize].sum()


class FlatStore(FaissStore):
    kind = "flat"

    def __init__(self, dimension: int, **params: int) -> None:
        super().__init__(dimension, **params)
        self.index = faiss.IndexFlatIP(dimension)
        self._view: np.ndarray | None = None

    def matrix(self) -> np.ndarray:
        if self._view is None:
            self._view = storage_view(self.index)
        return self._view

    def _search(self, query: np.ndarray, n: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        return self._faiss_search(query, n, allowed, faiss.SearchParameters())

    @classmethod
    def load(cls, path: Path, **params: int) -> FlatStore:
        # memory-mapped, not read: a build's files never change, so workers share one copy in the page cache and a
        # reload maps instead of reading (100k passages: 0.8 GB of sentence vectors, 1.3-5 s)
        index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
        if not isinstance(index, faiss.IndexFlat):
            raise ValueError(f"{path.name} holds a {type(index).__name__}, not a flat index")
        store = cls(index.d, **params)
        store.index = index
        _fault_in(store.matrix())
        return store
