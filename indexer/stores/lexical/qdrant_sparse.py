"""BM25 in a Qdrant collection, scored as SQLite FTS5 scores it: sparse vectors of FTS5's own tokens (and adjacent
pairs, for phrases) whose values are bm25()'s field-weighted saturated term frequencies, queried with FTS5's IDFs from
the build's vocabulary (a table next to the passages); doc_id, title and section as payload."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from qdrant_client import models

from indexer.analysis.analyzer import Analyzer
from indexer.stores import qdrant_link as q
from indexer.stores.lexical.base import LexicalRow, LexicalStore
from indexer.stores.lexical.row_terms import weigh_rows
from indexer.stores.lexical.vocabulary import Vocabulary, write_vocabulary

BATCH = 256  # points per upsert
POINTER = "lexical.qdrant"  # in the build folder: which collection holds the lexical points


class QdrantSparseStore(q.CollectionClient, LexicalStore):
    kind = "qdrant-sparse"

    def __init__(self, params: dict) -> None:
        self._connect(params)
        self.rows = int(params.get("rows", 0))
        self._vocabulary: Vocabulary | None = None

    @classmethod
    def write(
        cls, path: Path, rows: Iterable[LexicalRow], analyzer: Analyzer, fields: Sequence[float], **params: str
    ) -> dict:
        """Params: `collection` (the build's, already made) and the location (`url` or `local_path`). The vocabulary
        goes into the SQLite file at path."""
        store = cls(params)
        rows = list(rows)
        w = weigh_rows(rows, fields, analyzer)
        # entries are grouped by row: each row's slice of them
        starts = np.flatnonzero(np.r_[True, w.owner[1:] != w.owner[:-1]]) if len(w.owner) else np.zeros(0, np.int64)
        ends = [*starts[1:].tolist(), len(w.owner)]
        bounds = dict(zip(w.owner[starts].tolist(), zip(starts.tolist(), ends, strict=True), strict=True))
        for start in range(0, len(rows), BATCH):
            points = []
            for r in rows[start : start + BATCH]:
                a, b = bounds.get(r.row, (0, 0))
                vector = models.SparseVector(indices=w.term[a:b].tolist(), values=w.weight[a:b].tolist())
                payload = {"doc_id": r.doc_id, "title": r.title, "section": r.section}
                points.append(
                    models.PointStruct(id=r.row * q.KINDS + q.LEXICAL, vector={q.SPARSE: vector}, payload=payload)
                )
            store._call(lambda points=points: store.client.upsert(store.collection, points, wait=True))
        write_vocabulary(path, w.vocabulary())
        store.rows = len(rows)
        config = {**store.config(), "fields": list(fields)}
        (path.parent / POINTER).write_text(json.dumps(config))
        return config

    @classmethod
    def open(cls, path: Path, analyzer: Analyzer, **params: str) -> QdrantSparseStore:
        store = cls(params)
        store._vocabulary = vocabulary = Vocabulary(path, analyzer)
        if not store._call(lambda: store.client.collection_exists(store.collection)):
            vocabulary.close()
            raise ValueError(f"Qdrant collection {store.collection} is missing")
        return store

    def search(self, words: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        assert self._vocabulary is not None
        weights = self._vocabulary.query_weights(words, self.rows)
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

    def token_rows(self) -> dict[str, int]:
        assert self._vocabulary is not None
        return self._vocabulary.token_rows()

    def config(self) -> dict:
        return {"kind": self.kind, "collection": self.collection, "rows": self.rows, **self._where.record()}

    def close(self) -> None:
        if self._vocabulary is not None:
            self._vocabulary.close()
