"""Vectors in a Qdrant collection (a server, a cluster or local mode): one named dense vector per store of a build."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from qdrant_client import models

from indexer.stores import qdrant_link as q
from indexer.stores.vectors.base import EXACT_BELOW, VectorStore

BATCH = 256  # points per upsert or retrieve call


class QdrantStore(q.CollectionClient, VectorStore):
    """Params: `collection` (the build's), `vector` (passage, sentence or name) and the recorded `url` or `path`.
    Rows are points row * KINDS + the vector's kind number; the rows' vectors stay on the server, not here."""

    kind = "qdrant"
    backend = "qdrant"
    holds_rows = False

    def __init__(self, dimension: int, **params: int | str) -> None:
        super().__init__(dimension, **params)
        self._connect(params)
        self.using = str(params["vector"])
        self._kind = q.VECTORS[self.using]
        self._count = 0
        self._matrix: np.ndarray | None = None

    def build(self, vectors: np.ndarray) -> None:
        self._count = 0  # the build's collection is new: nothing to delete
        self.add(vectors)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dimension)
        for start in range(0, len(vectors), BATCH):
            chunk = vectors[start : start + BATCH]
            points = [
                models.PointStruct(
                    id=(self._count + start + i) * q.KINDS + self._kind, vector={self.using: v.tolist()}
                )
                for i, v in enumerate(chunk)
            ]
            self._call(lambda points=points: self.client.upsert(self.collection, points, wait=True))
        self._count += len(vectors)
        self._matrix = None

    @property
    def count(self) -> int:
        return self._count

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Always Qdrant's own search: `allowed` is a has_id filter applied before ranking (exact below EXACT_BELOW)."""
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        n = min(n, self.count if allowed is None else len(allowed))
        return self._search(query, n, allowed) if n > 0 else []

    def _search(self, query: np.ndarray, n: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        flt = None
        if allowed is not None:
            flt = models.Filter(must=[models.HasIdCondition(has_id=q.point_ids(allowed, self._kind))])
        exact = allowed is not None and len(allowed) <= EXACT_BELOW
        found = self._call(
            lambda: self.client.query_points(
                self.collection,
                query=query.tolist(),
                using=self.using,
                query_filter=flt,
                limit=n,
                search_params=models.SearchParams(exact=exact) if self._where.url else None,  # local mode: always
                with_payload=False,
            )
        )
        hits = [(int(p.id) // q.KINDS, float(p.score)) for p in found.points]
        return sorted(hits, key=lambda h: (-h[1], h[0]))  # ties by row, as FAISS orders them

    def vectors(self, rows: np.ndarray | list[int]) -> np.ndarray:
        rows = [int(r) for r in rows]
        if self._matrix is not None:
            return self._matrix[rows]
        got: dict[int, list[float]] = {}
        for start in range(0, len(rows), BATCH * 4):
            ids = q.point_ids(rows[start : start + BATCH * 4], self._kind)
            for p in self._call(lambda ids=ids: self.client.retrieve(self.collection, ids, with_vectors=[self.using])):
                got[int(p.id) // q.KINDS] = p.vector[self.using]
        if len(got) < len(set(rows)):
            raise ValueError(f"collection {self.collection} lacks {self.using} vectors it should hold")
        return np.asarray([got[r] for r in rows], dtype=np.float32).reshape(len(rows), self.dimension)

    def matrix(self) -> np.ndarray:
        """Every row, fetched once and kept: for small stores (names) and tests, not for a large collection."""
        if self._matrix is None:
            matrix = self.vectors(range(self.count))
            matrix.flags.writeable = False
            self._matrix = matrix
        return self._matrix

    def save(self, path: Path) -> None:
        """The vectors are on the server already; the build folder gets a pointer to them."""
        pointer(path).write_text(json.dumps(self.config()))

    @classmethod
    def saved(cls, path: Path, **params: int | str) -> bool:
        store = cls(0, **params)
        return pointer(path).is_file() and store._call(lambda: store.client.collection_exists(store.collection))

    @classmethod
    def load(cls, path: Path, **params: int | str) -> QdrantStore:
        store = cls(0, **params)
        if not store._call(lambda: store.client.collection_exists(store.collection)):
            raise ValueError(f"Qdrant collection {store.collection} is missing")
        info = store._call(lambda: store.client.get_collection(store.collection))
        store.dimension = info.config.params.vectors[store.using].size
        has = models.Filter(must=[models.HasVectorCondition(has_vector=store.using)])
        store._count = store._call(lambda: store.client.count(store.collection, count_filter=has, exact=True).count)
        return store

    def config(self) -> dict:
        return {"kind": self.kind, "collection": self.collection, "vector": self.using, **self._where.record()}


def pointer(path: Path) -> Path:
    """passages.faiss -> passages.qdrant: the file naming the collection and vector."""
    return path.with_suffix(".qdrant")
