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


def route_of(request: Request) -> str:
    """The route's template (/api/documents/{doc_id}), so that labels stay few; "other" for unknown paths."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "other"


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

    @app.middleware("http")
    async def add_headers(request: Request, call_next):
        started = time.perf_counter()
        rid = request_id(request.headers.get("x-request-id"))
        try:
            request.state.viewer = None if gate.public(request.url.path) else gate.viewer(request)
            response = await call_next(request)
        except Denied as denied:
            response = denied.response()
        for key, value in headers.items():
            response.headers.setdefault(key, value)
        response.headers["X-Request-ID"] = rid
        seconds = time.perf_counter() - started
        route = route_of(request)
        metrics.observe_request(request.method, route, response.status_code, seconds)
        log_request(rid, request.method, route, request.url.path, response.status_code, seconds)
        return response

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
