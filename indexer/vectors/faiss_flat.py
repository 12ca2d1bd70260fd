"""Exact search: FAISS IndexFlatIP, a scan of every row. Right below a few hundred thousand rows (see README)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from indexer.vectors.faiss_common import FaissStore, storage_view


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
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexFlat):
            raise ValueError(f"{path.name} holds a {type(index).__name__}, not a flat index")
        store = cls(index.d, **params)
        store.index = index
        return store
