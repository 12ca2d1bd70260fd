"""Builds and serves real scale corpora (scripts/make_scale_corpus.py) and prints what each size costs.

For each size (passages): writes the corpus under --work (kept: an unchanged one is not written again), builds it in
a new index with `python -m indexer build --force` (wall seconds, CPU seconds, peak RSS, texts embedded and cached),
measures the build folder on disk, then in-process the API's answer path for new queries (an empty query-vector
cache each time: p50/p95/p99), 1,000-character junk queries (median of 21), and recall@10 of the passages' vector
store against exact search where it is approximate (HNSW); then starts `python -m service serve` (one worker) and
measures its RSS once loaded and after the queries, p50/p95/p99 over HTTP from one client, and junk queries over HTTP
(median and slowest of 21). The embedding cache (--cache) is kept across runs: the first run of a size is the cold
build, later ones embed nothing new. A benchmark, not a test."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT, free_port, junk_query, ms_since, percentiles, rss_mib, wait_ready, warm_up
from indexer.search.searcher import open_searcher
from indexer.settings import get_settings
from service.answers import answer

CITIES = ["Berlin", "Chicago", "London", "Austin", "Madrid", "Seattle"]
TEMPLATES = [
    "what does a {t} do",
    "{t} salary in {c}",
    "how do I become a {t}",
    "skills needed for a {t}",
    "career path of a {t}",
    "{t} education requirements",
    "is there demand for {t}s",
    "challenges of working as a {t}",
]


def make_corpus(size: int, folder: Path, esco: Path | None) -> None:
    cmd = [sys.executable, str(ROOT / "scripts" / "make_scale_corpus.py"), str(size), str(folder), "--passages"]
    subprocess.run(cmd + (["--esco", str(esco)] if esco else []), check=True, stdout=sys.stderr)


def build(corpus: Path, index: Path, env: dict[str, str]) -> dict:
    """A whole build process: wall and CPU seconds, peak RSS (MiB) and its summary line."""
    log = index.parent / f"{index.name}.build.log"
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "indexer", "build", "--corpus", str(corpus), "--index", str(index), "--force"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"build failed: {log.read_text()[-800:]}")
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,
        "summary": lines[0] if lines else "",
    }


def disk_mib(index: Path) -> float:
    build = index / "builds" / (index / "CURRENT").read_text().strip()
    return sum(p.stat().st_size for p in build.rglob("*") if p.is_file()) / 1048576


def queries_for(corpus: Path, n: int, seed: int = 7) -> list[str]:
    titles = []
    for path in sorted(corpus.glob("unit-01/*.md")):
        for line in path.read_text(encoding="utf-8").splitlines()[:3]:
            if line.startswith("title: "):
                titles.append(line[7:].strip('"').lower())
    rng = random.Random(seed)
    out: set[str] = set()
    for _ in range(n * 100):  # a small corpus has fewer distinct questions than asked for
        if len(out) == n:
            break
        out.add(rng.choice(TEMPLATES).format(t=rng.choice(titles), c=rng.choice(CITIES)))
    return sorted(out, key=lambda q: rng.random())


def in_process(index: Path, queries: list[str]) -> dict:
    searcher = open_searcher(index, get_settings())
    answer(searcher, "warm up the model", k=10)
    times = []
    for q in queries:
        searcher.vectors.clear()
        started = time.perf_counter()
        answer(searcher, q, k=10)
        times.append(ms_since(started))
    junk = []
    for i in range(21):  # a median of 5 moved by 10 ms between runs on this shared machine
        searcher.vectors.clear()
        text = junk_query(i)  # made before the clock starts
        started = time.perf_counter()
        answer(searcher, text, k=10)
        junk.append(ms_since(started))
    store = searcher.snapshot.passage_store
    recall = None
    if store.kind != "flat":
        vectors = searcher.embedder.encode(queries)
        matrix = store.matrix()
        hits = 0
        for v in vectors:
            exact = set(np.argsort(-(matrix @ v))[:10].tolist())
            hits += len(exact & {row for row, _ in store.search(v, 10)})
        recall = hits / (10 * len(vectors))
    result = {"kind": store.kind, "p": percentiles(times), "junk_ms": statistics.median(junk), "recall": recall}
    result["sentences"] = searcher.snapshot.sentence_store.count
    searcher.snapshot.close()
    return result


def served(index: Path, queries: list[str]) -> dict:
    import httpx

    port = free_port()
    log = open(index.parent / f"{index.name}.server.log", "w")  # noqa: SIM115 - closed with the server below
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--index", str(index), "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "CAREER_SEARCH_WORKERS": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, url, index.parent / f"{index.name}.server.log", seconds=600)
        with httpx.Client(base_url=url, timeout=120) as client:
            warm_up(client)
            loaded, _ = rss_mib(proc.pid)
            times = []
            for q in queries:
                started = time.perf_counter()
                client.get("/api/search", params={"q": q, "k": 10}).raise_for_status()
                times.append(ms_since(started))
            junk = []
            for i in range(21):
                text = junk_query(100 + i)
                started = time.perf_counter()
                client.get("/api/search", params={"q": text, "k": 10}).raise_for_status()
                junk.append(ms_since(started))
            after, peak = rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    junk_ms = {"junk_ms": statistics.median(junk), "junk_max": max(junk)}
    return {"rss_loaded": loaded, "rss_after": after, "rss_peak": peak, "p": percentiles(times), **junk_ms}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default="10000,100000", help="passages, comma-separated")
    parser.add_argument("--work", type=Path, default=Path("/tmp/career-search-scale"), help="corpora and indexes")
    parser.add_argument("--cache", type=Path, help="embedding cache file (default: WORK/embeddings.sqlite)")
    parser.add_argument("--queries", type=int, default=300, help="new queries per measurement")
    parser.add_argument("--esco", type=Path, help="ESCO occupations CSV (make_scale_corpus.py's default otherwise)")


def run(args: argparse.Namespace) -> int:
    args.work.mkdir(parents=True, exist_ok=True)
    env = {"CAREER_SEARCH_EMBED_CACHE": str(args.cache or args.work / "embeddings.sqlite")}
    os.environ.update(env)  # the in-process searcher and the server read the same settings
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        corpus, index = args.work / f"corpus-{size}", args.work / f"index-{size}"
        make_corpus(size, corpus, args.esco)
        print(f"building {corpus} …", file=sys.stderr, flush=True)
        b = build(corpus, index, env)
        print(f"  {b['summary']}", file=sys.stderr)
        queries = queries_for(corpus, args.queries)
        local = in_process(index, queries)
        http = served(index, queries)
        rows.append((size, b, disk_mib(index), local, http))
        print(f"  done: build {b['seconds']:.0f} s, query p50 {local['p'][0]:.1f} ms", file=sys.stderr, flush=True)
    print(f"{args.queries} new queries per row (k=10, hybrid, snippets); one HTTP client; times in ms")
    head = ("passages", "index", "build s", "CPU s", "build MiB", "disk MiB", "svc RSS MiB", "p50", "p95", "p99")
    head += ("HTTP p50", "p95", "p99", "junk", "HTTP junk (slowest)", "recall@10")
    print(" | ".join(head))
    for size, b, disk, local, http in rows:
        recall = "exact" if local["recall"] is None else f"{local['recall']:.3f}"
        cells = [f"{size:,}", local["kind"], f"{b['seconds']:.0f}", f"{b['cpu']:.0f}", f"{b['peak_mib']:.0f}"]
        cells += [f"{disk:.0f}", f"{http['rss_loaded']:.0f}→{http['rss_after']:.0f}"]
        cells += [f"{x:.1f}" for x in (*local["p"], *http["p"], local["junk_ms"])]
        cells += [f"{http['junk_ms']:.1f} ({http['junk_max']:.1f})", recall]
        print(" | ".join(cells))
    for size, b, *_ in rows:
        print(f"{size:,}: {b['summary']}")
    return 0
