"""What each vector store costs as the index grows, on synthetic vectors: build, disk, memory, latency, recall.

Synthetic unit vectors (seeded, clustered like sentence embeddings), for each size and backend: build time, size on
disk, memory, search p50/p95/p99 and recall@10 against exact search. Also the memory an index build's snapshot takes
with its vectors held once against the copies it used to keep (--index)."""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from bench.common import ROOT, ms_since, percentiles, rss_mib
from indexer.stores.vectors import factory

DIMENSION = 384  # all-MiniLM-L6-v2
FAST_ENOUGH_MS = 5.0  # flat's p50 above this: time for the approximate index


def clustered(n: int, seed: int, d: int = DIMENSION, clusters: int = 2000) -> np.ndarray:
    """Unit vectors around random centres (cosine ~0.6 to their centre), made in chunks to bound memory."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, d)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, d), np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        v = centres[rng.integers(0, clusters, m)] + 0.045 * rng.standard_normal((m, d)).astype(np.float32)
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def queries_near(data: np.ndarray, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q = data[rng.integers(0, len(data), count)] + 0.03 * rng.standard_normal((count, data.shape[1])).astype(np.float32)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def exact_top(data: np.ndarray, queries: np.ndarray, k: int = 10) -> list[set[int]]:
    """Each query's k nearest rows by brute force (numpy, 20 queries at a time): the truth recall is measured by when
    no flat store was timed beside the approximate one."""
    out: list[set[int]] = []
    for start in range(0, len(queries), 20):
        sims = data @ queries[start : start + 20].T
        out += [set(np.argpartition(-sims[:, j], k)[:k].tolist()) for j in range(sims.shape[1])]
    return out


def measure(kind: str, data: np.ndarray, queries: np.ndarray, folder: Path, truth: list[set[int]] | None) -> dict:
    params = {}
    started = time.perf_counter()
    store = factory.create(kind, data.shape[1], **params)
    store.build(data)
    build_s = time.perf_counter() - started
    path = folder / f"{kind}.index"
    store.save(path)
    config = store.config()
    del store
    gc.collect()
    loaded = load_rss(path, config)
    store = factory.load(path, config)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # one query, one thread: as a busy 2-core server runs them (OpenMP only contends)
    store.search(queries[0], 10)  # warm up
    ms, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = store.search(q, 10)
        ms.append(ms_since(t))
        found.append({r for r, _ in hits})
    faiss.omp_set_num_threads(threads)
    recall = None if truth is None else float(np.mean([len(f & t) / 10 for f, t in zip(found, truth, strict=True)]))
    p50, p95, p99 = percentiles(ms)
    out = {
        "kind": kind,
        "n": len(data),
        "build_s": build_s,
        "disk_mb": path.stat().st_size / 2**20,
        "rss_mb": loaded,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "recall": recall,
        "found": found,
    }
    del store
    path.unlink()
    gc.collect()
    return out


def load_rss(path: Path, config: dict) -> float:
    """How much a fresh process grows when it loads the store (measured apart: freed memory is reused in this one)."""
    code = (
        "import json,sys; from indexer.stores.vectors import factory; "
        "from pathlib import Path; import faiss, numpy; "
        "rss=lambda: int([l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1]) / 1024; "
        "b=rss(); s=factory.load(Path(sys.argv[1]), json.loads(sys.argv[2])); print(rss()-b)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path), json.dumps(config)], capture_output=True, cwd=ROOT)
    return float(out.stdout or 0)


def row(r: dict) -> str:
    recall = "  exact" if r["recall"] is None else f"{r['recall']:7.3f}"
    return (
        f"| {r['n']:>9,} | {r['kind']:<5} | {r['build_s']:8.1f} | {r['disk_mb']:8.0f} | {r['rss_mb']:7.0f} | "
        f"{r['p50']:6.2f} | {r['p95']:6.2f} | {r['p99']:6.2f} | {recall} |"
    )


def snapshot_memory(index: Path) -> None:
    """RSS of a loaded build with its vectors held once, and with the copies the snapshot used to keep beside them."""
    from indexer.builds.snapshot import open_snapshot  # here, as before: the RSS printed first is without it

    gc.collect()
    before = rss_mib()[0]
    snap = open_snapshot(index)
    loaded = rss_mib()[0]
    copies = [snap.passage_store.index.reconstruct_n(0, snap.passage_store.count)]
    copies.append(snap.sentence_store.index.reconstruct_n(0, snap.sentence_store.count))
    with_copies = rss_mib()[0]
    n = snap.passage_store.count + snap.sentence_store.count
    print(f"index {index}: {snap.passage_store.count} passage + {snap.sentence_store.count} sentence vectors")
    print(
        f"  RSS before loading {before:.0f} MB; loaded (vectors held once) {loaded:.0f} MB "
        f"(+{loaded - before:.0f}); with the old reconstruct_n copies {with_copies:.0f} MB "
        f"(+{with_copies - loaded:.1f} MB for {n} vectors)"
    )
    del copies
    snap.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--kinds", default="flat,hnsw")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sweep", default="", help="sizes at which to time flat search alone (the auto threshold)")
    parser.add_argument("--index", type=Path, help="also print a built index's memory, vectors held once vs copied")


def run(args: argparse.Namespace) -> int:
    print(
        f"{os.cpu_count()} cores; FAISS {faiss.__version__}; dimension {DIMENSION}; "
        f"{args.queries} queries near the data, k=10; RSS = growth of the process when the store is loaded"
    )
    if args.index:
        snapshot_memory(args.index)
    folder = Path(tempfile.mkdtemp(prefix="scale-benchmark-"))
    try:
        if args.sweep:
            print(f"flat p50 by size (fast enough: <= {FAST_ENOUGH_MS} ms)")
            for n in (int(x) for x in args.sweep.split(",")):
                data = clustered(n, seed=1)
                r = measure("flat", data, queries_near(data, args.queries, seed=2), folder, None)
                print(f"  {n:>9,}: p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms")
                del data
        print("| vectors | index | build s | disk MB | RSS MB | p50 ms | p95 ms | p99 ms | recall@10 |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for n in (int(x) for x in args.sizes.split(",")):
            data = clustered(n, seed=1)
            queries = queries_near(data, args.queries, seed=2)
            truth = None
            for kind in args.kinds.split(","):
                if kind != "flat" and truth is None:
                    truth = exact_top(data, queries)
                r = measure(kind, data, queries, folder, truth if kind != "flat" else None)
                if kind == "flat":
                    truth = r["found"]
                print(row(r), flush=True)
            del data
            gc.collect()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0
