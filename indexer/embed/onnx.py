"""The fast backend: the model's weights exported once to ONNX, run by ONNX Runtime with the fast tokenizer."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


def cores_free_besides_caller() -> int:
    """How many of this process's cores no other thread on the machine wants right now: the kernel's count of
    runnable threads (the caller's included) from /proc/loadavg, against the cores; 0 where it cannot be read."""
    try:
        with open("/proc/loadavg", "rb") as f:
            running = int(f.read().split()[3].split(b"/")[0])
        cores = len(os.sched_getaffinity(0))
    except (OSError, ValueError, IndexError, AttributeError):
        return 0
    return max(0, cores - running)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class OnnxEmbedder(Embedder):
    def __init__(
        self, model: str, threads: int, batch_size: int, cache: Path, quantized: bool = False, query_threads: int = 1
    ) -> None:
        self.name = model
        self.backend = "onnx-int8" if quantized else "onnx"
        self.identity = identity_for(model, self.backend)
        self.threads = threads
        self.query_threads = query_threads
        self._searches = 0  # searches running (see searching), the caller's own included
        self._searches_lock = threading.Lock()
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
        self._lone = None  # opened by serve_queries: builds and one-off questions never need it
        self._inputs = [i.name for i in self._single.get_inputs()]
        agreement = float(self.encode([PROBE_TEXT])[0] @ probe)
        if agreement < PROBE_AGREEMENT[self.backend == "onnx-int8"]:
            raise ValueError(f"probe vector off (cosine {agreement:.4f} with torch's)")

    def serve_queries(self) -> None:
        """Opens the lone query's session (query_threads threads; 0.2 s and about 0.1 GB), and keeps it if its
        vectors are the very ones of the one-thread session: a query's vector, and so its answer, must not depend
        on how busy the server was."""
        if self.query_threads <= 1:
            return
        with self._lock:
            if self._lone is not None:
                return
            text = PROBE_TEXT.lower() if self.spec.do_lower_case else PROBE_TEXT
            probe = self._tokenizer.encode_batch([text])
            try:
                lone = self._session(self.query_threads, spin=True)
                same = np.array_equal(self._run(lone, probe), self._run(self._single, probe))
            except Exception as exc:  # an option this ONNX Runtime lacks, memory: queries keep their one thread
                log.warning("no %d-thread session for queries (%s): one thread", self.query_threads, _first_line(exc))
                return
            if same:
                self._lone = lone
            else:
                log.warning("query vectors on %d threads differ from one thread's: one for all", self.query_threads)

    def _session(self, threads: int, spin: bool = False):  # -> onnxruntime.InferenceSession
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Spinning threads burn the core another process (a rebuild, a request) is waiting for; but without it, a
        # lone query on two threads waits for the second to wake at each of the model's steps and gains little
        # (4.0 -> 3.1 ms; spinning: 2.6 ms). The lone query's session spins during its run only.
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        if spin:
            options.add_session_config_entry("session.force_spinning_stop", "1")
        options.log_severity_level = 3
        return ort.InferenceSession(str(self._path), options, providers=["CPUExecutionProvider"])

    @contextmanager
    def searching(self) -> Iterator[None]:
        """Held around each search: while it is the only one running, its query is embedded on query_threads
        threads; while others run too, on one, which leaves them the other cores."""
        with self._searches_lock:
            self._searches += 1
        try:
            yield
        finally:
            with self._searches_lock:
                self._searches -= 1

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        if self.spec.do_lower_case:
            texts = [t.lower() for t in texts]
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
            if len(texts) == 1 and self._lone is not None and self._alone():
                session = self._lone
            elif len(texts) <= SMALL_CALL or self.threads <= 1:
                session = self._single
            else:
                session = self._batch_session()
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

    def _alone(self) -> bool:
        """Whether a query may have the lone session's threads: no other search runs in this process (read under
        the embedding lock, so a search waiting for it counts), and no other process wants the cores its threads
        would take (a rebuild, another worker): a spinning thread that has to wait for a busy core makes the whole
        run wait, 4 ms became 12. Otherwise one thread, which leaves the other cores to the rest of the work."""
        return self._searches <= 1 and cores_free_besides_caller() >= self.query_threads - 1

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
