"""Log setup: plain text lines by default, or one JSON object per line (CAREER_SEARCH_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

# fields passed with extra={...} that a JSON line carries as its own keys
FIELDS = ("event", "request_id", "method", "route", "path", "status", "latency_ms", "build_id", "passages", "reason")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
access = logging.getLogger("career_search.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def setup_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's own lines in the same format
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("faiss").setLevel(logging.WARNING)


def request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID if it is a sane token (a proxy's), else a new one."""
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def log_request(rid: str, method: str, route: str, path: str, status: int, seconds: float) -> None:
    ms = round(seconds * 1000, 2)
    access.info(
        "%s %s %d %.1f ms [%s]",
        method,
        path[:200],
        status,
        ms,
        rid,
        extra={
            "event": "request",
            "request_id": rid,
            "method": method,
            "route": route,
            "path": path[:200],
            "status": status,
            "latency_ms": ms,
        },
    )
