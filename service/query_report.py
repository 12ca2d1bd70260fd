"""career-search report: the query log's most frequent queries, those with no result or no good match, the slowest."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DESCRIPTION = """\
Summarises the query log (CAREER_SEARCH_QUERY_LOG): the most frequent queries, those with no result or no good
match, and the slowest — the raw material for new judged questions."""
DETAILS = """\
Queries are counted normalised (lower-case, runs of blanks as one space). The page's facet-count requests (logged
with "snippets": false) repeat the question just searched and are not counted. Lines that are not JSON (a line cut
by a full disk) are skipped and counted.

Examples (scripts/query_report.py takes the same arguments):
  career-search report --log /var/log/career-search/queries
  career-search report --log DIR --days 7 --top 50 --slow-ms 150 --json
"""

FILE_NAME = re.compile(r"queries-(\d{4}-\d{2}-\d{2})\.jsonl")


def normalise(query: str) -> str:
    return " ".join(query.lower().split())


@dataclass
class Log:
    files: list[Path]
    entries: list[dict] = field(default_factory=list)
    unreadable: int = 0


def day_files(folder: Path, days: int | None) -> list[Path]:
    """The log's day files, oldest first; with `days`, only the last that many UTC days (today included)."""
    oldest = datetime.now(UTC).date() - timedelta(days=days - 1) if days else date.min
    found = []
    for path in folder.glob("queries-*.jsonl"):
        match = FILE_NAME.fullmatch(path.name)
        if match and date.fromisoformat(match.group(1)) >= oldest:
            found.append(path)
    return sorted(found)


def read_log(files: list[Path]) -> Log:
    log = Log(files)
    for path in files:
        with path.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    log.unreadable += 1
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("query"), str):
                    log.entries.append(entry)
                else:
                    log.unreadable += 1
    return log


def counted(entries: list[dict], top: int) -> list[dict]:
    counts = Counter(normalise(e["query"]) for e in entries)
    return [{"query": q, "count": n} for q, n in counts.most_common(top)]


def summarise(log: Log, top: int, slow_ms: float) -> dict:
    searches = [e for e in log.entries if e.get("snippets") is not False]
    slow: dict[str, dict] = {}  # each query once, at its slowest
    for e in searches:
        ms = float(e.get("latency_ms") or 0)
        q = normalise(e["query"])
        if ms >= slow_ms and ms > slow.get(q, {}).get("latency_ms", -1):
            slow[q] = {"query": q, "latency_ms": ms, "mode": e.get("mode"), "k": e.get("k"), "ts": e.get("ts")}
    times = sorted(str(e["ts"]) for e in searches if e.get("ts"))
    return {
        "files": [p.name for p in log.files],
        "first": times[0] if times else None,
        "last": times[-1] if times else None,
        "searches": len(searches),
        "distinct": len({normalise(e["query"]) for e in searches}),
        "unreadable_lines": log.unreadable,
        "top": counted(searches, top),
        "zero_results": counted([e for e in searches if e.get("results") == 0], top),
        "no_match": counted([e for e in searches if e.get("no_match")], top),
        "slow": sorted(slow.values(), key=lambda s: -s["latency_ms"])[:top],
    }


def print_text(report: dict, slow_ms: float) -> None:
    days = len(report["files"])
    print(
        f"{report['searches']} searches, {report['distinct']} distinct queries, {days} day file{'s' * (days != 1)}"
        f" ({report['first'] or '-'} to {report['last'] or '-'})"
    )
    if report["unreadable_lines"]:
        print(f"{report['unreadable_lines']} unreadable lines skipped")
    sections = [
        ("Most frequent", report["top"]),
        ("Zero results", report["zero_results"]),
        ("No match (only weak matches)", report["no_match"]),
    ]
    for title, rows in sections:
        print(f"\n{title}:")
        for row in rows:
            print(f"  {row['count']:6d}  {row['query']}")
        if not rows:
            print("  (none)")
    print(f"\nSlowest (at least {slow_ms:g} ms):")
    for row in report["slow"]:
        print(f"  {row['latency_ms']:8.1f} ms  {row['query']}  [{row['mode']}, k={row['k']}, {row['ts']}]")
    if not report["slow"]:
        print("  (none)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log", type=Path, required=True, help="the query log folder (CAREER_SEARCH_QUERY_LOG)")
    parser.add_argument("--days", type=int, default=None, help="only the last N days (default: all kept)")
    parser.add_argument("--top", type=int, default=20, help="rows per list (default 20)")
    parser.add_argument("--slow-ms", type=float, default=200.0, help="slow from this latency on (default 200)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def main(argv: list[str] | None = None, prog: str = "career-search report") -> int:
    from indexer.cli import Parser

    parser = Parser(
        prog=prog, description=DESCRIPTION, epilog=DETAILS, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    return run(check(parser, parser.parse_args(argv)))


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    if args.days is not None and args.days < 1:
        parser.error("--days must be at least 1")
    return args


def run(args: argparse.Namespace) -> int:
    """Prints the report; exit status 1 when the log holds no searches."""
    files = day_files(args.log, args.days) if args.log.is_dir() else []
    log = read_log(files)
    if not log.entries:
        what = "no query log files" if not files else "no searches"
        print(f"error: {what} in {args.log} (is CAREER_SEARCH_QUERY_LOG set on the service?)", file=sys.stderr)
        return 1
    report = summarise(log, args.top, args.slow_ms)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_text(report, args.slow_ms)
    return 0
