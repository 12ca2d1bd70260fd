"""The reference backend: sentence-transformers on PyTorch."""

from __future__ import annotations

import threading

import numpy as np

from indexer.embed.base import Embedder, model_path
from indexer.embed.folder import read_spec
from indexer.embed.identity import identity_for


class TorchEmbedder(Embedder):
    backend = "torch"

    def __init__(self, model: str, threads: int, batch_size: int = 32) -> None:
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar on every start

        self.threads = threads
        self.name = model
        self.batch_size = batch_size
        self.identity = identity_for(model, self.backend)
        # sentence-transformers 6 rejects a Path here: it must be a str
        # float32 whatever the file holds: the career model ships fp16 weights, and fp16 is slow and lossy on a CPU
        self.model = SentenceTransformer(str(model_path(model)), device="cpu", model_kwargs={"dtype": torch.float32})
        self.dimension = int(self.model.get_embedding_dimension())
        self.pooling = read_spec(model_path(model)).pooling
        self._lock = threading.Lock()  # torch inference from several request threads at once only thrashes 2 cores

    def token_ends(self, text: str) -> list[int]:
        pieces = self.model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [end for _, end in pieces["offset_mapping"]]

    def token_vectors(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        import torch

        if not texts:
            return []
        with self._lock:
            torch.set_num_threads(self.threads if len(texts) > 8 else 1)
            tokens = self.model.encode(
                texts, batch_size=self.batch_size, output_value="token_embeddings", convert_to_numpy=False
            )
            spans = self.model.tokenizer(
                texts, truncation=True, max_length=self.model.max_seq_length, return_offsets_mapping=True
            )["offset_mapping"]
        return [
            (t.float().numpy().astype(np.float32), np.array(s, dtype=np.int64).reshape(-1, 2))
            for t, s in zip(tokens, spans, strict=True)
        ]

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
