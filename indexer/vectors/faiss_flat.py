"""Exact search: FAISS IndexFlatIP, a scan of every row. Right below a few hundred thousand rows (see README)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from indexer.vectors.base import VectorStore


def storage_view(flat: faiss.IndexFlat) -> np.ndarray:
    """The rows FAISS holds, as a numpy view of its own buffer (no copy); valid until the index changes or dies."""
    if flat.ntotal == 0:
        return np.zeros((0, flat.d), np.float32)
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    view.flags.writeable = False
    return view


class FlatStore(VectorStore):
    kind = "flat"

    def __init__(self, dimension: int, **params: int) -> None:
        super().__init__(dimension, **params)
        self.index = faiss.IndexFlatIP(dimension)
        self._view: np.ndarray | None = None

    def build(self, vectors: np.ndarray) -> None:
        self.index.reset()
        self.add(vectors)

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension))
        self._view = None  # the buffer may have moved

    @property
    def count(self) -> int:
        return self.index.ntotal

    def matrix(self) -> np.ndarray:
        if self._view is None:
            self._view = storage_view(self.index)
        return self._view

    def _search(self, query: np.ndarray, n: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        params = selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))  # kept alive through the search
            params = faiss.SearchParameters(sel=selector)
        scores, rows = self.index.search(query.reshape(1, -1), n, params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, **params: int) -> FlatStore:
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexFlat):
            raise ValueError(f"{path.name} holds a {type(index).__name__}, not a flat index")
        store = cls(index.d, **params)
        store.index = index
        return store
