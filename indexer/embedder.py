"""The embedding model the indexer and service use; the backends live in indexer.embedders."""

from __future__ import annotations

from indexer.embedders import BACKENDS, Embedder, ModelError, embedder_identity, get_embedder, model_path

__all__ = ["BACKENDS", "Embedder", "ModelError", "embedder_identity", "get_embedder", "model_path"]
