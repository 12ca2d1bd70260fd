"""Where a lone query's time goes over HTTP: client, uvicorn, middleware, routing, search, serialization and back.

Starts the service on the index (one worker, as `career-search serve`) and sends it --requests searches from one
client (httpx, one connection, as `http` sends them), every question new to the server, so each one runs the model.
Twice: first the plain server, for the end-to-end figures (p50 and p99 in ms, from the client); then the same server
with clock readings at each stage (scripts/bench/probes.py: wrappers around the app, nothing in the service changed),
for the median milliseconds of each stage. Client and server read the same monotonic clock, so the stages between
them (the sockets, the event loop waking) are measured too. The probes' own cost shows as the difference between
the two runs' totals. --rounds repeats both runs, alternately, and prints each round.

--peer txtai also serves the build's passages with txtai's API (uvicorn, one process; the same model from the same
folder, by sentence-transformers on torch in float32, txtai's own way) and times the same questions against its
/search (limit 10), end to end, twice: with its text store (content: true) and with vectors only (ids and scores,
txtai at its fastest). An optional peer, installed with `pip install -e '.[peer]'`."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import QUESTIONS, ROOT, free_port, percentiles, wait_ready, warm_up
from indexer.settings import get_settings
from indexer.tuning.evaluation import load_questions

# (label, from mark, to mark); the client's marks start with "c_"; a row without a start is a duration inside the
# search, summed over its calls
STAGES = [
    ("client: build the request", "c_start", "c_request"),
    ("to the server: send, socket, event loop", "c_request", "arrived"),
    ("uvicorn: parse, start the app", "arrived", "app"),
    ("middleware in: request id, access check", "app", "routes"),
    ("routing, query parameters checked", "routes", "endpoint"),
    ("handler, hop to a worker thread", "endpoint", "search"),
    ("search (the answer's took_ms)", "search", "search_done"),
    ("  spelling correction", None, "spelling"),
    ("  candidates: both stores, signals", None, "candidates"),
    ("    of which the query's embedding", None, "embedding"),
    ("  relevance features (no match)", None, "relevance"),
    ("  snippets", None, "snippets"),
    ("  facet counts", None, "facets"),
    ("hop back, metrics, query log", "search_done", "endpoint_done"),
    ("to the serializer", "endpoint_done", "serialize"),
    ("response model to JSON bytes", "serialize", "serialized"),
    ("response object, back to the middleware", "serialized", "inner_start"),
    ("middleware out: headers, metrics, log", "inner_start", "out_body"),
    ("uvicorn writes, socket, client reads head", "out_body", "c_head"),
    ("client: body read", "c_head", "c_end"),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=get_settings().index_dir)
    parser.add_argument("--requests", type=int, default=300, help="searches per run")
    parser.add_argument("--rounds", type=int, default=1, help="plain and probed runs, alternately")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--log", type=Path, help="append the servers' output here (default: a temporary file)")
    parser.add_argument("--peer", choices=["txtai"], help="also time this peer on the same passages and questions")


def run(args: argparse.Namespace) -> int:
    if not (args.index / "CURRENT").exists():
        print(f"error: no index in {args.index}: build one with ./scripts/rebuild_index.sh", file=sys.stderr)
        return 2
    questions = [q.query for q in load_questions(QUESTIONS)]
    variants = [f"{q} {suffix}".strip() for suffix in ("", "please", "now", "today", "exactly") for q in questions]
    queries = variants[: args.requests]
    log = args.log or Path(tempfile.mkstemp(prefix="career-search-latency-", suffix=".log")[1])
    if args.peer and importlib.util.find_spec(args.peer) is None:
        print(f"error: {args.peer} is not installed: pip install -e '.[peer]'", file=sys.stderr)
        return 2
    print(f"index {args.index}: {len(queries)} searches from 1 client, each new to the server; server output: {log}")
    for round_ in range(1, args.rounds + 1):
        plain = measure(args, queries, log, probed=False)
        probed = measure(args, queries, log, probed=True)
        p50, _, p99 = percentiles(plain["total"])
        q50, _, q99 = percentiles(probed["total"])
        print(f"\nround {round_}, {probed['server']}: end to end p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        print(f"with the probes: p50 {q50:.2f} ms, p99 {q99:.2f} ms")
        print(f"{'stage (median ms, probed run)':<44} {'ms':>7}")
        for label, value in stage_medians(probed["records"]):
            print(f"{label:<44} {value:>7.2f}")
        took = statistics.median(probed["took"])
        print(f"{'sum of the stages / end to end':<44} {sum_of_stages(probed['records']):>7.2f} / {q50:.2f}")
        print(f"{'the answer took_ms (median)':<44} {took:>7.2f}")
        print(f"{'end to end minus took_ms (median)':<44} {statistics.median(probed['gap']):>7.2f}")
        lone = [r["lone"] for r in probed["records"] if "lone" in r]
        if lone:
            print(f"queries embedded on more than one thread: {sum(lone):.0f} of {len(lone)}")
        if args.peer:
            for content, kind in ((True, "with its text store"), (False, "vectors only, ids and scores")):
                t50, _, t99 = percentiles(measure_txtai(args, queries, log, content))
                print(f"txtai ({kind}), the same questions: end to end p50 {t50:.2f} ms, p99 {t99:.2f} ms")
    return 0


def stage_medians(records: list[dict[str, float]]) -> list[tuple[str, float]]:
    out = []
    for label, start, end in STAGES:
        if start is None:  # a duration, not a mark
            values = [r.get(end, 0.0) * 1000 for r in records]
        else:
            values = [(r[end] - r[start]) * 1000 for r in records if start in r and end in r]
        out.append((label, statistics.median(values) if values else float("nan")))
    return out


def sum_of_stages(records: list[dict[str, float]]) -> float:
    return sum(v for (label, start, _), (_, v) in zip(STAGES, stage_medians(records), strict=True) if start)


def measure(args: argparse.Namespace, queries: list[str], log: Path, probed: bool) -> dict:
    """One server's run: client totals (ms), each request's marks (probed), took_ms and total minus took_ms."""
    import httpx

    port = args.port or free_port()
    out = Path(tempfile.mkstemp(prefix="career-search-probes-", suffix=".jsonl")[1])
    cmd = [sys.executable, "-m", "bench.probes", "--index", str(args.index.resolve()), "--port", str(port)]
    cmd += ["--out", str(out)] + ([] if probed else ["--plain"])
    # scripts/ first, for bench; the service from PYTHONPATH or the installed package, as given
    path = os.pathsep.join(p for p in (str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")) if p)
    with open(log, "a") as sink:
        proc = subprocess.Popen(
            cmd, cwd=ROOT / "scripts", env={**os.environ, "PYTHONPATH": path}, stdout=sink, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    client_marks: dict[str, dict[str, float]] = {}
    total, took = [], []
    try:
        wait_ready(proc, url, log)
        state: dict[str, float] = {}
        hooks = {
            "request": [lambda request: state.__setitem__("c_request", time.perf_counter())],
            "response": [lambda response: state.__setitem__("c_head", time.perf_counter())],
        }
        with httpx.Client(base_url=url, timeout=60, event_hooks=hooks) as client:
            warm_up(client)
            for i, q in enumerate(queries):
                rid = f"latency-{i}"
                state.clear()
                state["c_start"] = time.perf_counter()
                response = client.get(
                    "/api/search", params={"q": q, "k": 10, "per_doc": 2}, headers={"X-Request-ID": rid}
                )
                state["c_end"] = time.perf_counter()
                response.raise_for_status()
                total.append((state["c_end"] - state["c_start"]) * 1000)
                took.append(response.json()["took_ms"])
                client_marks[rid] = dict(state)
    finally:
        proc.terminate()
        proc.wait(60)
    records, kind = [], "?"
    if probed:
        for line in out.read_text().splitlines():
            server = json.loads(line)
            kind = server.get("server", kind)
            if server["rid"] in client_marks:
                records.append({**client_marks[server["rid"]], **server})
    out.unlink(missing_ok=True)
    gap = [t - k for t, k in zip(total, took, strict=True)]
    return {"server": kind, "total": total, "took": took, "gap": gap, "records": records}


def measure_txtai(args: argparse.Namespace, queries: list[str], log: Path, content: bool = True) -> list[float]:
    """txtai's API on the live build's passages, the same model: end-to-end ms of each question, from one client.
    content=False is txtai at its fastest: the vectors only, answers of ids and scores."""
    import httpx

    from indexer.builds.snapshot import open_snapshot
    from indexer.embed import model_path

    settings = get_settings()
    passages = [{"id": p.passage_id, "text": p.text} for p in open_snapshot(args.index).passages]
    work = Path(tempfile.mkdtemp(prefix="career-search-txtai-"))
    config = {  # JSON is YAML
        "path": str(work / "index"),
        "writable": True,
        "embeddings": {
            "path": str(model_path(settings.model)),
            "method": "sentence-transformers",
            "content": content,
            "vectors": {"model_kwargs": {"dtype": "float32"}},  # the career model's file holds float16 weights
        },
    }
    (work / "config.yml").write_text(json.dumps(config))
    port = free_port()
    env = {**os.environ, "CONFIG": str(work / "config.yml"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "uvicorn", "txtai.api:app", "--port", str(port), "--log-level", "warning"]
    with open(log, "a") as sink:
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    total = []
    try:
        wait_ready(proc, url, log, "/count")
        with httpx.Client(base_url=url, timeout=600) as client:
            for start in range(0, len(passages), 100):
                client.post("/add", json=passages[start : start + 100]).raise_for_status()
            client.get("/index").raise_for_status()
            for i in range(8):
                client.get("/search", params={"query": f"warm up {i}", "limit": 10}).raise_for_status()
            for q in queries:
                started = time.perf_counter()
                client.get("/search", params={"query": q, "limit": 10}).raise_for_status()
                total.append((time.perf_counter() - started) * 1000)
    finally:
        proc.terminate()
        proc.wait(60)
        shutil.rmtree(work, ignore_errors=True)
    return total
