"""Backends named in settings and manifests: each kind maps to "module:class", imported when first used (a FAISS
deployment never loads the Qdrant client)."""

from __future__ import annotations

from importlib import import_module


def backend_class(backends: dict[str, str], kind: str, what: str) -> type:
    """The class of a kind; an unknown one (a build made by another version) is a ValueError naming what there is."""
    if kind not in backends:
        raise ValueError(f"unknown {what} {kind!r} (this program has {', '.join(backends)})")
    module, name = backends[kind].split(":")
    return getattr(import_module(module), name)
