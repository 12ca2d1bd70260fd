"""Exports a model's weights to ONNX once (and quantizes them), into an on-disk cache that survives a kill."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer.embed.folder import ModelSpec, load_tokenizer
from indexer.embed.identity import identity_for
from indexer.embed.pooling import pool
from indexer.errors import ModelError

log = logging.getLogger(__name__)

FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
PROBE_FILE = "probe.json"  # torch's vector of PROBE_TEXT, to tell a good cached file from a damaged one
PROBE_TEXT = "A registered nurse plans patient care, gives medication and talks with families on the ward."
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
STALE_TEMP = 3600.0  # seconds; a temp file this old was left by a killed export


def export_dir(cache: Path, model: str) -> Path:
    """One folder per weights + runtime + export format: int8 and fp32 files of the same weights sit together."""
    key = hashlib.sha256(identity_for(model, "onnx").encode()).hexdigest()[:16]
    return cache / key


def _write_atomically(dest: Path, write: Callable[[Path], None]) -> None:
    """write(tmp) then rename: readers see the old file or the whole new one, never half of one."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_stale_temps(folder: Path) -> None:
    for tmp in folder.glob(".*.tmp"):
        try:
            if time.time() - tmp.stat().st_mtime > STALE_TEMP:
                tmp.unlink()
        except OSError:
            pass


def export_fp32(spec: ModelSpec, dest: Path) -> None:
    """torch.onnx.export of the transformer (last_hidden_state; pooling stays in numpy), plus the probe vector."""
    import inspect

    import torch
    import transformers
    from transformers import AutoModel

    transformers.utils.logging.disable_progress_bar()
    # eager attention: tracing sdpa's code path bakes data-dependent branches into the graph as constants
    # float32 whatever the file holds: the career model ships fp16 weights, and fp16 is slow and lossy on a CPU
    model = AutoModel.from_pretrained(str(spec.transformer_dir), attn_implementation="eager",
                                      dtype=torch.float32).eval()
    inputs = [name for name in INPUTS if name in inspect.signature(model.forward).parameters]

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(inputs, args, strict=True))).last_hidden_state

    # a padded row in the example, so the trace keeps the attention-mask path
    ids = torch.tensor([[1, 5, 6, 2], [1, 5, 2, 0]])
    example = {"input_ids": ids, "attention_mask": (ids != 0).long(), "token_type_ids": torch.zeros_like(ids)}
    args = tuple(example[name] for name in inputs)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*inputs, "last_hidden_state"]}

    def write(tmp: Path) -> None:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer notes
            # eval(): the exporter restores the wrapper's mode afterwards, recursively, and a fresh Module is in
            # training mode, which would leave dropout on for the probe below
            torch.onnx.export(LastHidden().eval(), args, str(tmp), input_names=inputs,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)

    dest.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(dest)
    _write_atomically(dest / FP32_FILE, write)

    enc = load_tokenizer(spec).encode(PROBE_TEXT.lower() if spec.do_lower_case else PROBE_TEXT)
    feed = {"input_ids": torch.tensor([enc.ids]), "attention_mask": torch.tensor([enc.attention_mask]),
            "token_type_ids": torch.tensor([enc.type_ids])}
    with torch.no_grad():
        hidden = model.eval()(**{name: feed[name] for name in inputs}).last_hidden_state.numpy()
    vector = pool(hidden, feed["attention_mask"].numpy(), spec.pooling)[0]
    probe = json.dumps({"text": PROBE_TEXT, "vector": vector.tolist()})
    _write_atomically(dest / PROBE_FILE, lambda tmp: tmp.write_text(probe))


def quantize_int8(dest: Path) -> None:
    """ONNX Runtime dynamic quantization: int8 weights, activations quantized per call."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per channel: one scale per weight row keeps mean cosine with torch at 0.993 on the corpus (one scale per
    # matrix: 0.946). Only MatMul: quantizing the word-embedding Gather saves disk, not time. Signed weights run
    # fastest on CPUs with VNNI (unsigned: ~1.5x slower there); x86 CPUs without it may saturate, which is why the
    # identity names the CPU's int8 kind and the probe check at load refuses a model far off torch's vectors.
    def write(tmp: Path) -> None:
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)  # the quantizer logs a line per tensor on the root logger
        try:
            quantize_dynamic(dest / FP32_FILE, tmp, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        finally:
            logging.disable(previous)

    _write_atomically(dest / INT8_FILE, write)


def ensure_export(spec: ModelSpec, dest: Path, quantized: bool, force: bool = False) -> tuple[Path, np.ndarray]:
    """The model file to run and the probe vector it must reproduce, exporting whatever is missing (or all if force)."""
    try:
        if force or not (dest / FP32_FILE).exists() or not (dest / PROBE_FILE).exists():
            log.info("exporting %s to ONNX in %s (once; takes a few seconds)", spec.transformer_dir, dest)
            export_fp32(spec, dest)
        if quantized and (force or not (dest / INT8_FILE).exists()):
            log.info("quantizing %s to int8", dest / FP32_FILE)
            quantize_int8(dest)
    except OSError as exc:
        raise ModelError(f"cannot write the exported model to {dest}: {exc}; set CAREER_SEARCH_MODEL_CACHE "
                         "to a writable folder") from exc
    probe = json.loads((dest / PROBE_FILE).read_text())["vector"]
    return dest / (INT8_FILE if quantized else FP32_FILE), np.asarray(probe, dtype=np.float32)

