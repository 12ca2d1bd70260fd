"""The FastAPI app: its middleware and error handlers, and the routers (api, operations, page, docs)."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from indexer import __version__
from indexer.errors import StoreUnavailable
from indexer.settings import Settings
from service.api import api_router
from service.auth import Denied, Gate
from service.context import Context
from service.docs import mount_docs
from service.holder import IndexHolder
from service.logs import log_request, request_id
from service.metrics import Metrics
from service.operations import operations_router
from service.page import mount_page
from service.querylog import QueryLog
from service.settings import ServiceSettings, get_service_settings

log = logging.getLogger("career_search.api")
MAX_ECHO_CHARS = 80  # an unknown id is quoted back at most this long
STARTUP_WAIT_SECONDS = 120.0  # longer than this, a worker starts answering (503 with the reason) while it loads


def _security_headers(settings: Settings) -> dict[str, str]:
    ancestors = " ".join(["'self'", *settings.allowed_origins])
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def worker_app() -> FastAPI:
    """One worker's app when CAREER_SEARCH_WORKERS > 1 (uvicorn needs an import string for several processes)."""
    from service.logs import setup_logging

    settings = get_service_settings()
    setup_logging(settings.log_level, settings.log_format)
    return create_app(settings.index_dir, settings)


def route_of(scope: Scope) -> str:
    """The route's template (/api/documents/{doc_id}), so that labels stay few; "other" for unknown paths."""
    route = scope.get("route")
    return getattr(route, "path", None) or "other"


class RequestMiddleware:
    """Each request's access check (the viewer, for the routes) and request id; each response's security headers,
    X-Request-ID, metrics and log line. A plain ASGI middleware: Starlette's BaseHTTPMiddleware (what
    @app.middleware("http") makes) runs the app in a task of its own and relays the response through a stream:
    0.8 ms a request in and out, against 0.4 (docs/latency.md)."""

    def __init__(self, app: ASGIApp, gate: Gate, metrics: Metrics, headers: dict[str, str]) -> None:
        self.app = app
        self.gate = gate
        self.metrics = metrics
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = Request(scope)
        rid = request_id(request.headers.get("x-request-id"))

        async def respond(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for key, value in self.headers.items():
                    headers.setdefault(key, value)
                headers["X-Request-ID"] = rid
                # counted and logged before the answer goes out, as before: a client that has its answer finds
                # the request in /metrics and the log
                seconds = time.perf_counter() - started
                route = route_of(scope)
                self.metrics.observe_request(scope["method"], route, status, seconds)
                log_request(rid, scope["method"], route, request.url.path, status, seconds)
            await send(message)

        try:
            request.state.viewer = None if self.gate.public(request.url.path) else self.gate.viewer(request)
        except Denied as denied:
            await denied.response()(scope, receive, respond)
            return
        await self.app(scope, receive, respond)


def create_app(index_dir: Path | None = None, settings: ServiceSettings | None = None, watch: bool = True) -> FastAPI:
    settings = settings or get_service_settings()
    gate = Gate(settings)
    holder = IndexHolder(Path(index_dir or settings.index_dir), settings)
    querylog = QueryLog(Path(settings.query_log), settings.query_log_days) if settings.query_log else None

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if watch:
            holder.start()
            # A worker takes connections only once it has tried to load its build: with several workers behind one
            # port, one still loading would otherwise answer 503 while its sibling already serves.
            await asyncio.to_thread(holder.wait_settled, STARTUP_WAIT_SECONDS)
        if querylog:
            querylog.start()
        yield
        if querylog:
            querylog.stop()
        holder.stop()

    app = FastAPI(
        title="career-search",
        description="Semantic search over career documents.",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served by service.docs from bundled assets
        redoc_url=None,
    )
    app.state.holder = holder
    metrics = Metrics(holder)
    ctx = Context(settings, holder, metrics, querylog)
    holder.on_embed = metrics.embedding.observe
    headers = _security_headers(settings)

    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET"], allow_headers=["*"]
        )

    app.add_middleware(RequestMiddleware, gate=gate, metrics=metrics, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", [])[1:]) or "request"
            parts.append(f"{where}: {err.get('msg', 'invalid value')}")
        return JSONResponse({"detail": "; ".join(parts)}, status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def store_down(request: Request, exc: StoreUnavailable) -> JSONResponse:
        holder.store_error = str(exc)  # /readyz says so too, until the poller finds the server back
        return JSONResponse({"detail": f"index not available: {exc}"}, status_code=503)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed: %s", request.url.path)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    app.include_router(api_router(ctx))
    app.include_router(operations_router(ctx))
    mount_page(app, ctx)
    mount_docs(app)
    return app
