"""What a vector store does: exact or approximate inner-product search over L2-normalized rows, and the rows back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np

# Below this many allowed rows a filtered search scores those rows exactly instead of asking the index: it is cheaper
# than any index walk, and an approximate index loses recall when most of its graph is filtered out.
EXACT_BELOW = 4096




class VectorStore(ABC):
    """Rows are numbered 0..count-1 in the order they were added; scores are inner products (cosine for unit rows)."""

    kind: ClassVar[str]  # the name in settings and manifests
    backend: ClassVar[str] = "faiss"  # CAREER_SEARCH_BACKEND that builds it
    holds_rows: ClassVar[bool] = True  # matrix() is a view of rows in this process (False: fetched from a server)

    def __init__(self, dimension: int, **params: int | str) -> None:
        self.dimension = dimension
        self.params = params

    @abstractmethod
    def build(self, vectors: np.ndarray) -> None:
        """Replaces the contents with these rows."""

    @abstractmethod
    def add(self, vectors: np.ndarray) -> None:
        """Appends rows."""

    @abstractmethod
    def _search(self, query: np.ndarray, n: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """The backend's own search: n best rows (of `allowed` if given) as (row, score), best first."""

    @abstractmethod
    def save(self, path: Path) -> None: ...

    @classmethod
    @abstractmethod
    def load(cls, path: Path, **params: int | str) -> VectorStore: ...

    @classmethod
    def saved(cls, path: Path, **params: int | str) -> bool:
        """Whether a store saved at path with these parameters is still there."""
        return path.is_file()

    def unreachable(self) -> str | None:
        """Why the store cannot answer now (a network store's server is down), else None."""
        return None

    @property
    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def matrix(self) -> np.ndarray:
        """All rows as one read-only (count, dimension) array: a view of the store's own memory, never a copy."""

    def config(self) -> dict:
        """What the manifest records: the backend and its parameters."""
        return {"kind": self.kind, **self.params}

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The n rows nearest the query, best first; with `allowed` (sorted row numbers), only among those rows."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if allowed is not None:
            if len(allowed) <= EXACT_BELOW:
                return self._exact(query, n, allowed)
        n = min(n, self.count if allowed is None else len(allowed))
        return self._search(query, n, allowed) if n > 0 else []

    def vector(self, row: int) -> np.ndarray:
        return self.matrix()[row]

    def vectors(self, rows: np.ndarray | list[int]) -> np.ndarray:
        """The given rows (a copy of just those), for exact scores of chosen rows."""
        return self.matrix()[np.asarray(rows, dtype=np.int64)]

    def scores(self, query: np.ndarray, rows: np.ndarray | list[int]) -> np.ndarray:
        """Exact inner products of the query with the given rows."""
        return self.vectors(rows) @ np.asarray(query, dtype=np.float32).reshape(-1)

    def _exact(self, query: np.ndarray, n: int, rows: np.ndarray) -> list[tuple[int, float]]:
        rows = np.asarray(rows, dtype=np.int64)
        n = min(n, len(rows))
        if n <= 0:
            return []
        sims = self.scores(query, rows)
        top = np.argpartition(-sims, n - 1)[:n] if n < len(rows) else np.arange(len(rows))
        top = top[np.lexsort((rows[top], -sims[top]))]  # best first, ties by row as FAISS orders them
        return [(int(rows[i]), float(sims[i])) for i in top]
