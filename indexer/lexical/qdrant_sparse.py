"""BM25 in a Qdrant collection: sparse vectors of our own tokens (tokens.py, FTS5's tokenizer) whose values are BM25's
field-weighted term frequencies, ranked with Qdrant's IDF modifier; doc_id, title and section as payload."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from qdrant_client import models

from indexer import qdrant_link as q
from indexer.lexical.base import LexicalRow, LexicalStore
from indexer.lexical.sqlite_fts import WEIGHTS
from indexer.lexical.tokens import query_weights, row_weights, tokens

BATCH = 256
POINTER = "lexical.qdrant"  # in the build folder: which collection holds the lexical points


class QdrantSparseStore(q.CollectionClient, LexicalStore):
    kind = "qdrant-sparse"

    def __init__(self, params: dict) -> None:
        self._connect(params)

    @classmethod
    def write(cls, path: Path, rows: Iterable[LexicalRow], **params: str) -> dict:
        """Params: `collection` (the build's, already made) and the location (`url` or `local_path`)."""
        store = cls(params)
        rows = list(rows)
        fields = [[tokens(r.title), tokens(r.aliases), tokens(r.section), tokens(r.text)] for r in rows]
        avg = sum(sum(map(len, f)) for f in fields) / max(len(fields), 1)
        for start in range(0, len(rows), BATCH):
            points = []
            for r, f in zip(rows[start : start + BATCH], fields[start : start + BATCH], strict=True):
                weights = row_weights(f, WEIGHTS, avg)
                vector = models.SparseVector(indices=list(weights), values=list(weights.values()))
                payload = {"doc_id": r.doc_id, "title": r.title, "section": r.section}
                points.append(
                    models.PointStruct(id=r.row * q.KINDS + q.LEXICAL, vector={q.SPARSE: vector}, payload=payload)
                )
            store._call(lambda points=points: store.client.upsert(store.collection, points, wait=True))
        config = {"kind": cls.kind, "collection": store.collection, **store._where.record()}
        (path.parent / POINTER).write_text(json.dumps(config))
        return config

    @classmethod
    def open(cls, path: Path, **params: str) -> QdrantSparseStore:
        store = cls(params)
        if not store._call(lambda: store.client.collection_exists(store.collection)):
            raise ValueError(f"Qdrant collection {store.collection} is missing")
        return store

    def search(self, words: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        weights = query_weights(words)
        if not weights or n <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        flt = None
        if allowed is not None:  # a filter inside the query: only allowed rows are ranked
            flt = models.Filter(must=[models.HasIdCondition(has_id=q.point_ids(allowed, q.LEXICAL))])
        vector = models.SparseVector(indices=list(weights), values=list(weights.values()))
        found = self._call(
            lambda: self.client.query_points(
                self.collection, query=vector, using=q.SPARSE, query_filter=flt, limit=n, with_payload=False
            )
        )
        hits = [(int(p.id) // q.KINDS, float(p.score)) for p in found.points if p.score > 0]
        return sorted(hits, key=lambda h: (-h[1], h[0]))

    def config(self) -> dict:
        return {"kind": self.kind, "collection": self.collection, **self._where.record()}
