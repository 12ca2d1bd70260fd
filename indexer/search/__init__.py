"""The query side: a question in, ranked passages out, over one build's snapshot. What the service uses of it."""

from __future__ import annotations

from indexer.embed import Embedder, get_embedder
from indexer.search.searcher import MODES, Filters, Found, Hit, Searcher, open_searcher

__all__ = ["MODES", "Embedder", "Filters", "Found", "Hit", "Searcher", "get_embedder", "open_searcher"]
