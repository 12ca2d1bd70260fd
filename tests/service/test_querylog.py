"""The opt-in query log through HTTP: what a search leaves in it, who it names, retention, a folder it cannot write;
and scripts/query_report.py over a log."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.helpers import ROOT, Server, poll

pytestmark = pytest.mark.slow
REPORT = ROOT / "scripts" / "query_report.py"
PROXY = {"CAREER_SEARCH_TRUSTED_USER_HEADER": "X-Forwarded-User"}


def today_file(folder: Path) -> Path:
    return folder / f"queries-{datetime.now(UTC).date().isoformat()}.jsonl"


def raw_lines(folder: Path, enough: Callable[[list[bytes]], bool]) -> list[bytes]:
    """Today's log lines once `enough` says so (a background thread writes them)."""

    def lines() -> list[bytes] | None:
        path = today_file(folder)
        found = path.read_bytes().splitlines() if path.exists() else []
        return found if enough(found) else None

    return poll(lines, timeout=30, every=0.1, what=f"the lines expected in {folder}")


def logged(folder: Path, count: int) -> list[dict]:
    return [json.loads(line) for line in raw_lines(folder, lambda lines: len(lines) >= count)]


def search(server: Server, user: str, **params) -> httpx.Response:
    r = httpx.get(server.url + "/api/search", params=params, headers={"X-Forwarded-User": user}, timeout=30)
    assert r.status_code == 200, r.text
    return r


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, mini_index: Path):
    """Three servers started together: the log with its defaults (and two old files in its folder, one past
    retention), the log with users recorded, and a log folder that cannot be made (its parent is a file)."""
    root = tmp_path_factory.mktemp("querylog")
    plain, users = root / "plain", root / "users"
    plain.mkdir()
    old = date.today() - timedelta(days=40)
    (plain / f"queries-{old.isoformat()}.jsonl").write_text('{"query":"old"}\n')
    recent = datetime.now(UTC).date() - timedelta(days=3)
    (plain / f"queries-{recent.isoformat()}.jsonl").write_text('{"query":"recent"}\n')
    (plain / "notes.txt").write_text("not a log file\n")
    (root / "a-file").write_text("")
    envs = {
        "plain": {"CAREER_SEARCH_QUERY_LOG": str(plain), "CAREER_SEARCH_QUERY_LOG_DAYS": "30", **PROXY},
        "users": {"CAREER_SEARCH_QUERY_LOG": str(users), "CAREER_SEARCH_QUERY_LOG_USERS": "true", **PROXY},
        "broken": {"CAREER_SEARCH_QUERY_LOG": str(root / "a-file" / "logs"), **PROXY},
    }
    started = {name: Server(mini_index, env) for name, env in envs.items()}
    try:
        for server in started.values():
            server.wait_ready()
        yield {**started, "plain_dir": plain, "users_dir": users, "old": old, "recent": recent}
    finally:
        for server in started.values():
            server.stop()


def test_a_search_is_logged_with_what_was_asked_and_found_but_no_user(servers):
    """Also a search the page runs itself (a shared link), which does not go through /api/search."""
    server, folder = servers["plain"], servers["plain_dir"]
    found = search(server, "alice", q="registerd nurse salary", k=3).json()
    search(server, "alice", q="nurse shifts", k=5, mode="dense", title="zzz-no-such-career")
    page = httpx.get(server.url + "/", params={"q": "staff engineer promotion"}, headers={"X-Forwarded-User": "alice"})
    assert page.status_code == 200
    first, empty, shared_link = logged(folder, 3)[:3]
    assert first["query"] == "registerd nurse salary" and first["corrected"] == found["corrected"]
    assert first["mode"] == "hybrid" and first["k"] == 3 and first["results"] == len(found["results"])
    assert first["top_doc_id"] == found["results"][0]["doc_id"] and first["top_score"] == found["results"][0]["score"]
    assert first["latency_ms"] > 0 and first["build_id"] == server.get("/readyz").json()["build_id"]
    assert datetime.fromisoformat(first["ts"]).tzinfo is not None
    assert empty["filters"] == {"title": "zzz-no-such-career"} and empty["results"] == 0 and empty["mode"] == "dense"
    assert "top_doc_id" not in empty and "corrected" not in empty
    assert shared_link["query"] == "staff engineer promotion" and shared_link["results"] > 0  # the page's own search
    assert "alice" not in today_file(folder).read_text() and "user" not in first


def test_a_line_stays_one_short_json_object_however_long_the_question(servers):
    """Under 4 KB, so that lines appended by several workers never interleave: long fields are cut, and say so."""
    search(servers["plain"], "alice", q="護士" * 500, title="護" * 200, section="看" * 200)
    lines = raw_lines(servers["plain_dir"], lambda lines: any("護".encode() in line for line in lines))
    raw = [line for line in lines if "護".encode() in line]
    assert len(raw) == 1 and len(raw[0]) < 4096
    line = json.loads(raw[0])
    assert line["cut"] is True and line["query"].startswith("護士") and line["results"] == 0


def test_with_users_enabled_the_signed_in_user_is_recorded(servers):
    search(servers["users"], "carol.smith", q="data engineer skills")
    assert logged(servers["users_dir"], 1)[0]["user"] == "carol.smith"


def test_files_past_retention_are_deleted_at_start_and_others_kept(servers):
    folder = servers["plain_dir"]
    assert not (folder / f"queries-{servers['old'].isoformat()}.jsonl").exists()
    assert (folder / f"queries-{servers['recent'].isoformat()}.jsonl").exists()
    assert (folder / "notes.txt").exists()


def test_a_log_folder_that_cannot_be_written_does_not_fail_searches_and_is_reported_once(servers):
    server = servers["broken"]
    for question in ("nurse salary", "principal engineer", "data engineer"):
        assert search(server, "bob", q=question).json()["results"]
    assert server.get("/healthz").status_code == 200
    warnings = [line for line in server.log.read_text().splitlines() if "query log:" in line]
    assert len(warnings) == 1 and "a-file" in warnings[0]


def report(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPORT), *args], capture_output=True, text=True, timeout=60)


def write_log(folder: Path) -> None:
    day = datetime.now(UTC).date()
    lines = [
        {"query": "Nurse salary", "mode": "hybrid", "k": 10, "results": 10, "latency_ms": 20.0},
        {"query": "nurse   SALARY ", "mode": "hybrid", "k": 10, "results": 10, "latency_ms": 25.0},
        {"query": "nurse salary", "mode": "hybrid", "k": 50, "results": 10, "latency_ms": 9.0, "snippets": False},
        {"query": "nurse salary", "mode": "hybrid", "k": 10, "results": 10, "latency_ms": 22.0},
        {"query": "underwater welding", "mode": "hybrid", "k": 10, "results": 0, "latency_ms": 30.0},
        {"query": "astronaut pay", "mode": "hybrid", "k": 10, "results": 4, "no_match": True, "latency_ms": 18.0},
        {"query": "principal engineer", "mode": "hybrid", "k": 10, "results": 10, "latency_ms": 480.5},
    ]
    folder.mkdir()
    text = "".join(json.dumps({"ts": f"{day}T10:00:00.000+00:00", **line}) + "\n" for line in lines)
    (folder / f"queries-{day.isoformat()}.jsonl").write_text(text + "not json, a line cut by a full disk\n")


def test_query_report_lists_top_zero_result_no_match_and_slow_queries(tmp_path):
    write_log(tmp_path / "log")
    out = report("--log", str(tmp_path / "log"), "--slow-ms", "200")
    assert out.returncode == 0, out.stderr
    top = out.stdout.split("Most frequent")[1].splitlines()[1]
    assert "nurse salary" in top and "3" in top  # normalised, the facet request not counted
    assert "underwater welding" in out.stdout.split("Zero results")[1].split("\n\n")[0]
    assert "astronaut pay" in out.stdout.split("No match")[1].split("\n\n")[0]
    slow = out.stdout.split("Slowest")[1]
    assert "principal engineer" in slow and "nurse salary" not in slow
    data = json.loads(report("--log", str(tmp_path / "log"), "--json").stdout)
    assert data["top"][0] == {"query": "nurse salary", "count": 3}
    assert data["zero_results"][0]["query"] == "underwater welding"


def test_query_report_without_a_log_says_so_in_one_line(tmp_path):
    for folder in (tmp_path / "missing", tmp_path):
        out = report("--log", str(folder))
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert len((out.stdout + out.stderr).strip().splitlines()) == 1
