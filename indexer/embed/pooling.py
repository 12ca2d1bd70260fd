"""Sentence vectors from token vectors, in numpy, as sentence-transformers computes them."""

from __future__ import annotations

import numpy as np


def pool(hidden: np.ndarray, mask: np.ndarray, pooling: str) -> np.ndarray:
    """Mean over real tokens (or the first token), then L2-normalized: float32 of shape (batch, hidden)."""
    if pooling == "cls":
        vectors = hidden[:, 0]
    else:
        weights = mask[..., None].astype(hidden.dtype)
        vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero), float32."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)
