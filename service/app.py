"""The FastAPI app: its middleware and error handlers, and the routers (api, operations, page, docs)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from indexer import __version__
from indexer.errors import StoreUnavailable
from service.api import api_router
from service.auth import Gate
from service.context import Context
from service.docs import mount_docs
from service.holder import IndexHolder
from service.metrics import Metrics
from service.middleware import RequestMiddleware, security_headers
from service.operations import operations_router
from service.page import mount_page
from service.querylog import QueryLog
from service.settings import ServiceSettings, get_service_settings

log = logging.getLogger("career_search.api")
STARTUP_WAIT_SECONDS = 120.0  # longer than this, a worker starts answering (503 with the reason) while it loads


def worker_app() -> FastAPI:
    """One worker's app when CAREER_SEARCH_WORKERS > 1 (uvicorn needs an import string for several processes)."""
    from service.logs import setup_logging

    settings = get_service_settings()
    setup_logging(settings.log_level, settings.log_format)
    return create_app(settings.index_dir, settings)


def create_app(index_dir: Path | None = None, settings: ServiceSettings | None = None, watch: bool = True) -> FastAPI:
    """The service over the index in index_dir: its live build (reloaded when CURRENT changes, with `watch`), the API,
    the page and the operations routes."""
    settings = settings or get_service_settings()
    holder = IndexHolder(Path(index_dir or settings.index_dir), settings)
    querylog = QueryLog(Path(settings.query_log), settings.query_log_days) if settings.query_log else None
    app = FastAPI(
        title="career-search",
        description="Semantic search over career documents.",
        version=__version__,
        lifespan=_lifespan(holder, querylog, watch),
        docs_url=None,  # served by service.docs from bundled assets
        redoc_url=None,
    )
    app.state.holder = holder
    metrics = Metrics(holder)
    holder.on_embed = metrics.embedding.observe
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET"], allow_headers=["*"]
        )
    app.add_middleware(RequestMiddleware, gate=Gate(settings), metrics=metrics, headers=security_headers(settings))
    _answer_errors(app, holder)
    ctx = Context(settings, holder, metrics, querylog)
    app.include_router(api_router(ctx))
    app.include_router(operations_router(ctx))
    mount_page(app, ctx)
    mount_docs(app)
    return app


def _lifespan(holder: IndexHolder, querylog: QueryLog | None, watch: bool):
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

    return lifespan


def _answer_errors(app: FastAPI, holder: IndexHolder) -> None:
    """Every error as a JSON `detail` that says what went wrong: 422 names the parameter, 503 the engine that is
    down, 500 points to the log."""

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
