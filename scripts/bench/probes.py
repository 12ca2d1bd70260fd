"""The server `benchmark.py latency` starts: the service as `career-search serve` runs it (one worker, uvicorn's
defaults, the log at its configured level), with clock readings taken at each stage of a request.

Run as `python -m bench.probes --index DIR --port P --out FILE [--plain]`, with scripts/ on the path. Each reading is
time.perf_counter(), which on Linux is CLOCK_MONOTONIC, the same clock in every process, so the client's readings
and these line up. The probes wrap the app from outside (pure ASGI wrappers, the endpoint's function, the search
function the API calls, the holder's embedding hook, uvicorn's protocol); the service's code is not changed. On exit
each request's readings are written to --out, one JSON object a line, keyed by the X-Request-ID the client sent.
With --plain nothing is wrapped: the same server, to measure what the probes themselves cost. One client at a time:
the time the request's bytes arrived is read from the last data uvicorn received."""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib
import json
import signal
import sys
import time
from pathlib import Path

now = time.perf_counter
RECORDS: dict[str, dict[str, float]] = {}
ARRIVED = [0.0]  # when uvicorn last received bytes (one client: the current request's)
SERVER = {"loop": "?", "http": "?"}  # the event loop and HTTP protocol uvicorn chose


def current(scope) -> dict[str, float]:
    return scope.setdefault("state", {}).setdefault("probe", {})


def outer(app):
    """Outermost: uvicorn hands the parsed request to the app; the response's head and body go out."""

    async def probe(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        marks = current(scope)
        marks["arrived"] = ARRIVED[0]
        SERVER["loop"] = type(asyncio.get_running_loop()).__module__.split(".")[0]
        marks["app"] = now()
        rid = dict(scope["headers"]).get(b"x-request-id", b"").decode()

        async def timed_send(message):
            if message["type"] == "http.response.start":
                marks["out_start"] = now()
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                marks["out_body"] = now()
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                marks["written"] = now()

        await app(scope, receive, timed_send)
        marks["app_done"] = now()
        if rid:
            RECORDS[rid] = marks

    return probe


def inner(app):
    """Inside the app's own middleware (between it and the router): when the request reaches the routes, when the
    route's response (serialized) starts to go back out through the middleware."""

    async def probe(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        marks = current(scope)
        marks["routes"] = now()

        async def timed_send(message):
            if message["type"] == "http.response.start":
                marks["inner_start"] = now()
            await send(message)

        await app(scope, receive, timed_send)

    return probe


_marks = None  # a ContextVar holding the request's marks, set by the innermost probe


def mark(name: str, fn, after: bool = False):
    """fn, noting the time when it is called (or when it returns) in the request's marks, the first time only."""

    def marked(*args, **kwargs):
        marks = _marks.get(None)
        if marks is not None and not after:
            marks.setdefault(name, now())
        try:
            return fn(*args, **kwargs)
        finally:
            if marks is not None and after:
                marks.setdefault(name, now())

    return functools.wraps(fn)(marked)


def wrap_handler() -> None:
    """The handler's first call (the live searcher, after the question's checks) and its last (the query log);
    FastAPI's response serialization."""
    import fastapi.routing as routing

    from service.context import Context

    Context.searcher = mark("endpoint", Context.searcher)
    Context.log_search = mark("endpoint_done", Context.log_search, after=True)
    serialize = routing.serialize_response

    async def serialize_response(*args, **kwargs):
        marks = _marks.get(None)
        if marks is not None:
            marks["serialize"] = now()
        try:
            return await serialize(*args, **kwargs)
        finally:
            if marks is not None:
                marks["serialized"] = now()

    routing.serialize_response = serialize_response


def spent(name: str, fn):
    """fn, adding the seconds each call takes to the request's marks under name (a duration, not a time)."""

    def timed(*args, **kwargs):
        marks = _marks.get(None)
        started = now()
        try:
            return fn(*args, **kwargs)
        finally:
            if marks is not None:
                marks[name] = marks.get(name, 0.0) + now() - started

    return functools.wraps(fn)(timed)


def wrap_search() -> None:
    """The search's parts: spelling, candidates from both stores with their signals (the embedding included),
    the relevance features, snippets and facet counts."""
    import service.answers as answers
    from indexer.analysis.analyzer import Analyzer
    from indexer.search.searcher import Searcher

    Searcher.correct = spent("spelling", Searcher.correct)
    Searcher.candidates = spent("candidates", Searcher.candidates)
    Searcher.judge = spent("relevance", Searcher.judge)
    answers.snippet_for = spent("snippets", answers.snippet_for)
    Analyzer.learn = spent("snippets", Analyzer.learn)
    answers.count_facets = spent("facets", answers.count_facets)
    from indexer.embed.onnx import OnnxEmbedder

    alone = getattr(OnnxEmbedder, "_alone", None)  # code that embeds every query on one thread has none
    if alone is not None:

        def decided(self) -> bool:
            lone = alone(self)
            marks = _marks.get(None)
            if marks is not None:
                marks["lone"] = float(lone)
            return lone

        OnnxEmbedder._alone = decided


def install(app, holder) -> object:
    """Wraps the app in place; returns the ASGI callable to serve."""
    import contextvars

    import service.api as api

    global _marks
    _marks = contextvars.ContextVar("probe_marks")
    search = api.answer

    def answer(*args, **kwargs):  # runs in the worker thread; the ContextVar is copied there by run_in_threadpool
        marks = _marks.get()
        marks["search"] = now()
        try:
            return search(*args, **kwargs)
        finally:
            marks["search_done"] = now()

    api.answer = answer
    metrics_hook = holder.on_embed

    def on_embed(seconds: float) -> None:
        marks = _marks.get(None)
        if marks is not None:
            marks["embedding"] = marks.get("embedding", 0.0) + seconds
        if metrics_hook is not None:
            metrics_hook(seconds)

    holder.on_embed = on_embed
    wrap_handler()
    wrap_search()

    router = app.router.middleware_stack

    async def routes(scope, receive, send):
        if scope["type"] == "http":
            _marks.set(current(scope))
        await router(scope, receive, send)

    app.router.middleware_stack = inner(routes)
    return outer(app)


def watch_uvicorn() -> None:
    """Notes when each HTTP protocol uvicorn may use receives bytes."""
    for module, name in (
        ("uvicorn.protocols.http.h11_impl", "H11Protocol"),
        ("uvicorn.protocols.http.httptools_impl", "HttpToolsProtocol"),
    ):
        try:
            cls = getattr(importlib.import_module(module), name)
        except ImportError:  # httptools not installed
            continue
        received = cls.data_received

        def data_received(self, data, _received=received, _name=name):
            ARRIVED[0] = now()
            SERVER["http"] = _name
            return _received(self, data)

        cls.data_received = data_received


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plain", action="store_true")
    args = parser.parse_args()

    import uvicorn

    from service.app import create_app
    from service.logs import setup_logging
    from service.settings import get_service_settings

    settings = get_service_settings()
    setup_logging(settings.log_level, settings.log_format)
    app = create_app(args.index, settings)
    served = app
    if not args.plain:
        watch_uvicorn()
        served = install(app, app.state.holder)
    # what `career-search serve` passes with one worker
    options = {"host": "127.0.0.1", "port": args.port, "log_level": settings.log_level.lower(), "log_config": None}
    # uvicorn ends on SIGTERM and raises it again once shut down: an exit, so that the readings are written
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run(served, access_log=False, **options)
    finally:
        with open(args.out, "w") as out:
            out.write(json.dumps({"rid": "", "server": f"{SERVER['loop']} loop, {SERVER['http']} parser"}) + "\n")
            for rid, marks in RECORDS.items():
                out.write(json.dumps({"rid": rid, **marks}) + "\n")


if __name__ == "__main__":
    main()
