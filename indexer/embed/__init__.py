"""Embedding backends behind one interface: sentence-transformers on torch, or the same weights on ONNX Runtime."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: weights come from disk
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from indexer.embed.base import Embedder, model_path  # noqa: E402
from indexer.embed.factory import get_embedder  # noqa: E402
from indexer.embed.identity import BACKENDS, embedder_identity  # noqa: E402
from indexer.errors import ModelError

__all__ = ["BACKENDS", "Embedder", "ModelError", "embedder_identity", "get_embedder", "model_path"]
