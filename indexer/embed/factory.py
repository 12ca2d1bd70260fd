"""Picks and caches the embedding backend the settings name."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from indexer.embed.base import Embedder
from indexer.embed.identity import check_backend
from indexer.settings import Settings


@lru_cache(maxsize=4)
def _cached(model: str, backend: str, threads: int, batch_size: int, cache: Path, query_threads: int) -> Embedder:
    if backend == "torch":
        from indexer.embed.torch import TorchEmbedder

        return TorchEmbedder(model, threads, batch_size)
    from indexer.embed.onnx import OnnxEmbedder

    quantized = backend == "onnx-int8"
    return OnnxEmbedder(model, threads, batch_size, cache, quantized=quantized, query_threads=query_threads)


def get_embedder(settings: Settings) -> Embedder:
    """One model per process: loading takes a while, so indexer and service share it."""
    check_backend(settings.embedder)
    return _cached(settings.model, settings.embedder, settings.torch_threads(), settings.batch_size,
                   settings.model_cache, settings.query_thread_count())
