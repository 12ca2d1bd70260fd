"""The fast backend: the model's weights exported once to ONNX, run by ONNX Runtime with the fast tokenizer."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from indexer.embed.base import Embedder, model_path
from indexer.embed.export import PROBE_TEXT, ensure_export, export_dir
from indexer.embed.folder import load_tokenizer, read_spec
from indexer.embed.identity import identity_for
from indexer.embed.pooling import pool
from indexer.errors import ModelError

log = logging.getLogger(__name__)

SMALL_CALL = 8  # texts; up to this many run on one thread (see encode)
# Texts per inference call. On 2 CPU cores ONNX Runtime gains nothing from big batches (fp32, texts/s: batch 1 ~24,
# 8 ~22, 32 ~18). int8 runs one text per call: dynamic quantization scales activations per call, so in a batch a
# text's vector would depend on its batch-mates (cosine 0.987 with itself alone), and a cached vector must not.
MAX_BATCH = {False: 8, True: 1}
PROBE_AGREEMENT = {False: 0.999, True: 0.95}  # least cosine with torch's probe vector, fp32 / int8


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class OnnxEmbedder(Embedder):
    def __init__(self, model: str, threads: int, batch_size: int, cache: Path, quantized: bool = False) -> None:
        self.name = model
        self.backend = "onnx-int8" if quantized else "onnx"
        self.identity = identity_for(model, self.backend)
        self.threads = threads
        self.batch_size = min(batch_size, MAX_BATCH[quantized])
        self.spec = read_spec(model_path(model))
        self.dimension = self.spec.dimension
        self.pooling = self.spec.pooling
        self._tokenizer = load_tokenizer(self.spec)
        self._lock = threading.Lock()  # one inference at a time: several at once only thrash 2 cores
        dest = export_dir(cache, model)
        try:
            self._load(dest, quantized)
        except ModelError:
            raise
        except Exception as exc:  # a damaged cache: ONNX Runtime, protobuf and json raise many kinds
            log.warning("cached export in %s is unusable (%s); exporting again", dest, _first_line(exc))
            try:
                self._load(dest, quantized, force=True)
            except ModelError:
                raise
            except Exception as again:
                raise ModelError(f"cannot export {model} to ONNX in {dest} ({_first_line(again)}): "
                                 "set CAREER_SEARCH_EMBEDDER=torch") from again

    def _load(self, dest: Path, quantized: bool, force: bool = False) -> None:
        """Exports if needed, opens the one-thread session and checks it reproduces the probe vector from export."""
        self._path, probe = ensure_export(self.spec, dest, quantized, force)
        self._single = self._session(1)
        self._batch = None  # opened on the first batch: the service never needs it
        self._inputs = [i.name for i in self._single.get_inputs()]
        agreement = float(self.encode([PROBE_TEXT])[0] @ probe)
        if agreement < PROBE_AGREEMENT[self.backend == "onnx-int8"]:
            raise ValueError(f"probe vector off (cosine {agreement:.4f} with torch's)")

    def _session(self, threads: int):  # -> onnxruntime.InferenceSession
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # spinning threads burn the core another process (a rebuild, a request) is waiting for
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        return ort.InferenceSession(str(self._path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        if self.spec.do_lower_case:
            texts = [t.lower() for t in texts]
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
            # One query is no faster on two threads, and when another process (a rebuild) holds the other core,
            # two threads wait on each other. Only batches get every core.
            if len(texts) <= SMALL_CALL or self.threads <= 1:
                session = self._single
            else:
                if self._batch is None:
                    self._batch = self._session(self.threads)
                session = self._batch
            # longest first, padded per batch: little compute is spent on padding
            order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                out[rows] = self._run(session, [encodings[i] for i in rows])
        return out

    def token_vectors(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        if not texts:
            return []
        lowered = [t.lower() for t in texts] if self.spec.do_lower_case else texts
        out: list[tuple[np.ndarray, np.ndarray]] = [None] * len(texts)  # type: ignore[list-item]
        with self._lock:
            encodings = self._tokenizer.encode_batch(lowered)
            session = self._single if len(texts) <= SMALL_CALL or self.threads <= 1 else self._batch_session()
            order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))  # as encode: little padding
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                hidden, _ = self._hidden(session, [encodings[i] for i in rows])
                for j, i in enumerate(rows):
                    n = len(encodings[i].ids)
                    offsets = np.array(encodings[i].offsets, dtype=np.int64).reshape(-1, 2)
                    if len(lowered[i]) != len(texts[i]):  # lower-casing changed its length ("İ"): no span is trusted
                        offsets[:] = 0
                    out[i] = (hidden[j, :n].astype(np.float32), offsets)
        return out

    def _batch_session(self):
        if self._batch is None:
            self._batch = self._session(self.threads)
        return self._batch

    def token_ends(self, text: str) -> list[int]:
        return [end for _, end in self._tokenizer.encode(text, add_special_tokens=False).offsets]

    def _run(self, session, encodings: list) -> np.ndarray:
        hidden, mask = self._hidden(session, encodings)
        return pool(hidden, mask, self.spec.pooling)

    def _hidden(self, session, encodings: list) -> tuple[np.ndarray, np.ndarray]:
        """The batch's token vectors (padded to its longest text) and attention mask."""
        width = max(len(e.ids) for e in encodings)
        feed = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in self._inputs}
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            feed["input_ids"][row, :n] = enc.ids
            feed["attention_mask"][row, :n] = 1
            if "token_type_ids" in feed:
                feed["token_type_ids"][row, :n] = enc.type_ids
        (hidden,) = session.run(["last_hidden_state"], feed)
        return hidden, feed["attention_mask"]
