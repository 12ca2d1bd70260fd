"""The embedding backends compared on this machine: agreement with torch, batch speed, query latency, load time.

Texts: the first 500 passages of corpus/*.md (split on blank lines, at least 8 words) and the first 200 queries of
tests/eval/questions.jsonl. Agreement is the cosine between each backend's vector and torch's for the same text.
Load times are measured in fresh processes (imports included): "first" exports into an empty model cache, "cached"
reuses it. Run it on a quiet machine; it prints the load average so a busy one shows."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import QUESTIONS, ROOT, ms_since, percentiles
from indexer.embed import BACKENDS, get_embedder
from indexer.settings import Settings
from indexer.tuning.evaluation import load_questions

LOAD_CHILD = """
import time
t = time.perf_counter()
from indexer.embed import get_embedder
from indexer.settings import Settings
get_embedder(Settings(embedder={backend!r}, model_cache={cache!r}, threads={threads})).encode(["warm"])
print(time.perf_counter() - t)
"""


def corpus_passages(corpus: Path, limit: int) -> list[str]:
    texts = []
    for path in sorted(corpus.glob("*.md")):
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            block = " ".join(block.split())
            if len(block.split()) >= 8:
                texts.append(block)
    return texts[:limit]


def load_seconds(backend: str, cache: Path, threads: int) -> float:
    code = LOAD_CHILD.format(backend=backend, cache=str(cache), threads=threads)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.split()[-1])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--passages", type=int, default=500)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--skip-load", action="store_true", help="skip the load-time part (it exports twice)")


def run(args: argparse.Namespace) -> int:
    passages = corpus_passages(args.corpus, args.passages)
    short = [q.query for q in load_questions(QUESTIONS, limit=args.queries)]
    print(
        f"{len(passages)} passages (mean {statistics.mean(len(p.split()) for p in passages):.0f} words), "
        f"{len(short)} queries, {args.threads} threads, load average {os.getloadavg()[0]:.2f}"
    )

    if not args.skip_load:
        print("\nload time, fresh process, imports included (s):")
        with tempfile.TemporaryDirectory() as tmp:
            print(f"  {'torch':<10} {load_seconds('torch', Path(tmp) / 'unused', args.threads):6.2f}")
            for backend in BACKENDS[1:]:
                cache = Path(tmp) / backend  # an empty cache each: "first" includes the export (and quantization)
                first = load_seconds(backend, cache, args.threads)
                cached = load_seconds(backend, cache, args.threads)
                print(f"  {backend:<10} first {first:6.2f}   cached {cached:6.2f}")

    embedders = {b: get_embedder(Settings(embedder=b, threads=args.threads)) for b in BACKENDS}
    vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    print("\nbatch encode of the passages, and single-query latency after warm-up:")
    for backend, embedder in embedders.items():
        embedder.encode(passages[:32])
        start = time.perf_counter()
        batch = embedder.encode(passages)
        seconds = time.perf_counter() - start
        for q in short[:10]:
            embedder.encode([q])
        single, ms = [], []
        for q in short:
            start = time.perf_counter()
            single.append(embedder.encode([q])[0])
            ms.append(ms_since(start))
        vectors[backend] = (batch, np.stack(single))
        p50, p95, _ = percentiles(ms)
        print(
            f"  {backend:<10} {len(passages) / seconds:7.1f} texts/s ({seconds:5.2f} s)   "
            f"query p50 {p50:5.2f} ms  p95 {p95:5.2f} ms"
        )

    print("\ncosine with torch's vectors (mean / min), and each query's 10 nearest passages compared with torch's:")
    reference = top_passages(*vectors["torch"])
    for backend in BACKENDS[1:]:
        line = []
        for label, i in (("passages", 0), ("queries", 1)):
            cos = (vectors[backend][i] * vectors["torch"][i]).sum(axis=1)
            line.append(f"{label} {cos.mean():.5f} / {cos.min():.5f}")
        top = top_passages(*vectors[backend])
        overlap = np.mean([len(set(a) & set(b)) / len(a) for a, b in zip(top, reference, strict=True)])
        same_first = np.mean(top[:, 0] == reference[:, 0])
        line.append(f"top-10 overlap {overlap:.3f}, same first {same_first:.3f}")
        print(f"  {backend:<10} " + "   ".join(line))
    return 0


def top_passages(passages: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    return np.argsort(-(queries @ passages.T), axis=1, kind="stable")[:, :k]
