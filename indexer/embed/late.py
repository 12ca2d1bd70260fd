"""Late chunking: a passage's sentence vectors pooled from the passage's own forward pass (its token vectors before
pooling, averaged over each sentence's characters), so a passage and all its sentences cost one pass of the model and
each sentence is read in the context of its passage (Günther et al. 2024, "Late Chunking")."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indexer.embed.base import Embedder
from indexer.embed.pooling import normalized

Span = tuple[int, int]  # [start, end) characters of the passage's embed text


def span_vector(tokens: np.ndarray, offsets: np.ndarray, spans: Sequence[Span]) -> np.ndarray | None:
    """The normalized mean of the token vectors that lie inside the spans; None when a span runs past the model's
    window (the tokens were cut before its end) or holds no token."""
    real = offsets[:, 1] > offsets[:, 0]  # special tokens span nothing
    if not real.any():
        return None
    last = int(offsets[real, 1].max())
    inside = np.zeros(len(offsets), dtype=bool)
    for start, end in spans:
        if end > last:
            return None
        inside |= real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
    return normalized(tokens[inside].mean(axis=0)) if inside.any() else None


def late_vectors(
    embedder: Embedder, texts: list[str], spans: list[list[Sequence[Span]]]
) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
    """Each text's vector (what encode gives: the mean over every token) and, for each of its parts (a list of spans
    each), the part's late vector, or None where the window cut it off (the caller embeds that part on its own)."""
    whole = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    parts: list[list[np.ndarray | None]] = []
    for i, ((tokens, offsets), wanted) in enumerate(zip(embedder.token_vectors(texts), spans, strict=True)):
        whole[i] = normalized(tokens[0] if embedder.pooling == "cls" else tokens.mean(axis=0))
        parts.append([span_vector(tokens, offsets, part) for part in wanted])
    return whole, parts
