"""The benchmark command runs as an admin would run it and prints its figures."""

import re
import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow
SCRIPT = ROOT / "scripts" / "benchmark.py"


def benchmark(*args: str) -> subprocess.CompletedProcess:
    """scripts/benchmark.py run as a user runs it."""
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def test_benchmark_prints_latency_percentiles(mini_index):
    proc = benchmark("query", "--index", str(mini_index), "--limit", "12")
    assert proc.returncode == 0, proc.stderr
    lines = {line.split("  ")[0].strip(): line for line in proc.stdout.splitlines()}
    for label in ("new query (ms)", "repeated query (ms)"):
        assert re.search(r"n=12\s+p50\s+[\d.]+\s+p95\s+[\d.]+\s+max\s+[\d.]+", lines[label]), proc.stdout


def test_benchmark_without_an_index_says_what_to_do(tmp_path):
    proc = benchmark("query", "--index", str(tmp_path / "none"))
    assert proc.returncode == 2
    assert "no index in" in proc.stderr and "rebuild_index.sh" in proc.stderr and "Traceback" not in proc.stderr


def test_latency_benchmark_prints_each_stage_of_a_request(mini_index):
    """The stages of a search over HTTP, from the client's request to its last byte, each with a median, and the
    end-to-end figures of the server with and without the probes."""
    proc = benchmark("latency", "--index", str(mini_index), "--requests", "12")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"end to end p50 [\d.]+ ms, p99 [\d.]+ ms", out), out
    for stage in ("uvicorn: parse, start the app", "search (the answer's took_ms)", "response model to JSON bytes"):
        assert re.search(re.escape(stage) + r"\s+-?[\d.]+$", out, re.MULTILINE), out
    assert "nan" not in out, out  # every stage was reached by every probe


def test_scale_benchmark_prints_a_row_per_size_and_backend_with_recall():
    proc = benchmark("scale", "--sizes", "3000", "--queries", "20")
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("|     3,000 |")]
    assert [r.split("|")[2].strip() for r in rows] == ["flat", "hnsw"], proc.stdout
    assert rows[0].rstrip(" |").endswith("exact") and float(rows[1].split("|")[-2]) >= 0.9


def test_every_subcommand_has_help():
    top = benchmark("--help")
    assert top.returncode == 0, top.stderr
    for command in ("query", "http", "latency", "build", "scale", "scale-corpus", "lexical", "embedders"):
        assert f"    {command}" in top.stdout, top.stdout
        proc = benchmark(command, "--help")
        assert proc.returncode == 0 and f"usage: benchmark.py {command}" in proc.stdout, proc.stderr


def test_the_old_index_spelling_is_the_query_subcommand(tmp_path):
    proc = benchmark("--index", str(tmp_path / "none"))
    assert proc.returncode == 2 and "no index in" in proc.stderr
