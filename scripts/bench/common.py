"""What the benchmarks share: the checkout's root, timing, percentiles and summary lines, memory, junk, warm-up, and a
server's port and readiness."""

from __future__ import annotations

import random
import socket
import statistics
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # httpx is a test extra: imported only where a server is measured
    import httpx

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "tests" / "eval" / "questions.jsonl"  # the question set the benchmarks ask


def ms_since(started: float) -> float:
    """Milliseconds from a `time.perf_counter()` reading to now."""
    return (time.perf_counter() - started) * 1000


def percentiles(ms: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 (statistics.quantiles' default, exclusive method)."""
    q = statistics.quantiles(ms, n=100)
    return q[49], q[94], q[98]


def summary(label: str, ms: list[float]) -> str:
    """One line: the label, how many, p50, p95 and max."""
    p50, p95, _ = percentiles(ms)
    return f"{label:<22} n={len(ms):<4} p50 {p50:6.1f}  p95 {p95:6.1f}  max {max(ms):6.1f}"


def rss_mib(pid: int | str = "self") -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def junk_query(seed: int = 3) -> str:
    """1,000 characters of random lower-case words: the costliest text a user can send to the speller."""
    rng = random.Random(seed)
    words: list[str] = []
    while len(" ".join(words)) < 1000:
        words.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 11))))
    return " ".join(words)[:1000]


def warm_up(client: httpx.Client) -> None:
    """The first answers load lazy parts of each worker: eight searches before anything is timed."""
    for i in range(8):
        client.get("/api/search", params={"q": f"warm up {i}"})


def free_port() -> int:
    """A TCP port nothing listens on now, for a server of the benchmark's own."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(proc: subprocess.Popen, url: str, log: Path, path: str = "/readyz", seconds: float = 300) -> None:
    """Returns once the server at url answers 200 at path; its log's end if it exits first, TimeoutError if slow."""
    import httpx

    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=10) as client:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                if client.get(path).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server not ready after {seconds:.0f} s")
            time.sleep(0.3)
