"""What the FAISS stores share: rows kept by a FAISS index, saved with write_index, searched with an ID selector."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from indexer.stores.vectors.base import VectorStore


def storage_view(flat: faiss.IndexFlat) -> np.ndarray:
    """The rows FAISS holds, as a numpy view of its own buffer (no copy); valid until the index changes or dies."""
    if flat.ntotal == 0:
        return np.zeros((0, flat.d), np.float32)
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    view.flags.writeable = False
    return view


class FaissStore(VectorStore):
    """A store whose rows live in `self.index`, a FAISS index that the subclass makes."""

    index: faiss.Index

    def build(self, vectors: np.ndarray) -> None:
        self.index.reset()
        self.add(vectors)

    def add(self, vectors: np.ndarray) -> None:
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dimension))
        self._view = None  # the buffer may have moved

    @property
    def count(self) -> int:
        return self.index.ntotal

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    def _faiss_search(
        self, query: np.ndarray, n: int, allowed: np.ndarray | None, params: faiss.SearchParameters
    ) -> list[tuple[int, float]]:
        if faiss.omp_get_max_threads() != 1:
            # one query is too little work to split: OpenMP threads on a busy 2-core machine made a 10k-passage flat
            # search 1.4 -> 9.9 ms (p95 10 -> 26 ms). Process-wide, so an HNSW build after a search uses one thread.
            faiss.omp_set_num_threads(1)
        selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))  # kept alive through the search
            params.sel = selector
        scores, rows = self.index.search(query.reshape(1, -1), n, params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
