"""The FastAPI app: search API, documents, health and stats, and the search page."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from indexer import __version__
from indexer.search import Filters, Searcher
from indexer.settings import Settings
from indexer.vectors.base import StoreUnavailable
from service.answers import answer, document_detail
from service.auth import Denied, Gate, Viewer
from service.docs import mount_docs
from service.holder import IndexHolder
from service.logs import log_request, request_id
from service.metrics import Metrics
from service.page import mount_page
from service.querylog import QueryLog, search_entry
from service.schemas import (
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    ErrorBody,
    Health,
    Ready,
    SearchResponse,
    Stats,
)
from service.settings import ServiceSettings, get_service_settings

log = logging.getLogger("career_search.api")
MAX_QUERY_CHARS = 1000
QUERY_PATTERN = r"^\s*\S([\s\S]{0,998}\S)?\s*$"  # 1-1000 characters once leading/trailing blanks are cut
MAX_ECHO_CHARS = 80  # an unknown id is quoted back at most this long
STARTUP_WAIT_SECONDS = 120.0  # longer than this, a worker starts answering (503 with the reason) while it loads


def _errors(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI entries for the error statuses a route returns, all with the ErrorBody shape."""
    what = {
        401: "no or unknown credentials",
        403: "credentials valid, access not allowed",
        404: "no such document",
        422: "a parameter is missing or out of range; detail says which",
        503: "no index loaded yet; detail says why",
    }
    return {status: {"model": ErrorBody, "description": what[status]} for status in statuses}


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


def viewer_of(request: Request) -> Viewer:
    """Who is asking, as the access-control middleware found (anonymous when access control is off)."""
    return request.state.viewer


async def _viewer(request: Request) -> Viewer:
    """viewer_of as a dependency: async, since FastAPI hands a plain function to a worker thread."""
    return viewer_of(request)


VIEWER = Depends(_viewer)


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

    def log_search(
        response: SearchResponse, k: int, f: Filters, snippets: bool, started: float, by: Searcher, viewer: Viewer
    ) -> None:
        """Puts a search in the query log, if there is one."""
        if querylog is None:
            return
        filters = {key: value for key, value in (("doc", f.doc), ("title", f.title), ("section", f.section)) if value}
        user = viewer.user if settings.query_log_users else None
        ms = (time.perf_counter() - started) * 1000
        querylog.record(search_entry(response, k, filters, snippets, ms, by.snapshot.build_id, user))

    def searcher() -> Searcher:
        current = holder.searcher
        if current is None:
            raise HTTPException(503, detail=f"index not ready: {holder.reason}")
        return current

    @app.get(
        "/healthz",
        response_model=Health,
        response_model_exclude_none=True,
        responses={503: {"model": Health, "description": "the embedding model cannot be loaded (retried)"}},
    )
    def healthz() -> JSONResponse:
        if holder.model_error:
            return JSONResponse({"status": "unhealthy", "reason": holder.model_error}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get(
        "/readyz",
        response_model=Ready,
        response_model_exclude_none=True,
        responses={503: {"model": Ready, "description": "no index loaded; reason says why"}},
    )
    def readyz() -> JSONResponse:
        current = holder.searcher
        if current is None:
            return JSONResponse({"status": "not ready", "reason": holder.reason}, status_code=503)
        if holder.store_error:
            return JSONResponse({"status": "not ready", "reason": holder.store_error}, status_code=503)
        return JSONResponse({"status": "ready", "build_id": current.snapshot.build_id})

    @app.get(
        "/api/search",
        response_model=SearchResponse,
        response_model_exclude_none=True,
        responses=_errors(401, 403, 422, 503),
    )
    async def search(  # async, the search alone in a worker thread: one thread hop a request instead of three
        q: str = Query(
            ...,
            description="the question, 1-1000 characters after trimming",
            # documented only: the handler checks it and says which limit was hit
            json_schema_extra={"pattern": QUERY_PATTERN},
        ),
        k: int = Query(10, ge=1, le=100, description="number of results"),
        mode: Literal["hybrid", "dense", "lexical"] = Query("hybrid", description="hybrid, dense or lexical"),
        per_doc: int = Query(2, ge=0, le=100, description="most passages per document (0 = no limit)"),
        doc: str = Query("", max_length=200, description="only documents whose id contains this"),
        title: str = Query("", max_length=200, description="only careers whose title contains this"),
        section: str = Query("", max_length=200, description="only sections whose heading path contains this"),
        explain: bool = Query(False, description="add each side's rank and score"),
        snippets: bool = Query(True, description="false: empty snippets, a cheaper answer (the page's facet counts)"),
        viewer: Viewer = VIEWER,
    ) -> SearchResponse:
        started = time.perf_counter()
        query = q.strip()
        if not query:
            raise HTTPException(422, detail="q: the question must not be empty (1-1000 characters)")
        if len(query) > MAX_QUERY_CHARS:
            raise HTTPException(422, detail=f"q: the question is {len(query)} characters; the limit is 1000")
        current = searcher()
        response = await run_in_threadpool(
            answer, current, query, k, mode, per_doc, Filters(doc, title, section, viewer.names()), explain, snippets
        )
        metrics.observe_search(mode, len(response.results), response.no_match)
        log_search(response, k, Filters(doc, title, section), snippets, started, current, viewer)
        return response

    @app.get("/api/documents", response_model=DocumentList, responses=_errors(401, 403, 503))
    def documents(viewer: Viewer = VIEWER) -> DocumentList:
        snap = searcher().snapshot
        names = viewer.names()
        return DocumentList(
            documents=[
                DocumentSummary(
                    doc_id=d.doc_id, title=d.title, source=d.source, passages=len(d.passage_rows), category=d.category
                )
                for d in snap.documents.values()
                if Filters(viewer=names).may_see(d.audience)
            ]
        )

    @app.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=_errors(401, 403, 404, 422, 503))
    def document(
        doc_id: str,
        q: str = Query("", max_length=MAX_QUERY_CHARS, description="a question whose words to list in terms"),
        viewer: Viewer = VIEWER,
    ) -> DocumentDetail:
        detail = document_detail(searcher(), doc_id, q, viewer.names())
        if detail is None:
            shown = doc_id if len(doc_id) <= MAX_ECHO_CHARS else doc_id[:MAX_ECHO_CHARS] + "…"
            raise HTTPException(404, detail=f"no document with id {shown!r}; GET /api/documents lists them")
        return detail

    @app.get("/api/stats", response_model=Stats, responses=_errors(401, 403, 503))
    def stats() -> Stats:
        m = searcher().snapshot.manifest
        return Stats(
            model=m.model,
            dimension=m.dimension,
            documents=m.documents,
            passages=m.passages,
            build_id=m.build_id,
            built_at=m.created,
            corpus_fingerprint=m.corpus_fingerprint,
            format_version=m.format_version,
        )

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus"}},
    )
    def prometheus() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    mount_page(app, holder, viewer_of, log_search)
    mount_docs(app)
    return app
