"""The search API: /api/search (results and facets), /api/documents, /api/documents/{doc_id} and /api/stats."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Literal

from fastapi import APIRouter, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from indexer.search.searcher import Filters
from service.answers import answer, document_detail
from service.auth import Viewer
from service.context import VIEWER, Context, errors
from service.rules import (
    DEFAULT_K,
    DEFAULT_PER_DOC,
    MAX_CAREERS,
    MAX_FILTER_CHARS,
    MAX_K,
    MAX_PER_DOC,
    MAX_QUERY_CHARS,
    QUERY_PATTERN,
)
from service.schemas import DocumentDetail, DocumentList, DocumentSummary, SearchResponse, Stats

MAX_ECHO_CHARS = 80  # an unknown id is quoted back at most this long


def no_careers() -> list[str]:
    """career='s default. Not `list` itself: pydantic reads a default factory's signature on every request, and a
    builtin's costs about 0.1 ms (parsed from its text signature); a Python function's, 0.01 ms."""
    return []


CAREERS = Query(
    default_factory=no_careers,
    max_length=MAX_CAREERS,
    description="only these careers: exact document ids (repeatable; any of them)",
)


def api_router(ctx: Context) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/api/search",
        response_model=SearchResponse,
        response_model_exclude_none=True,
        responses=errors(401, 403, 422, 503),
    )
    async def search(  # async, the search alone in a worker thread: one thread hop a request instead of three
        q: str = Query(
            ...,
            description=f"the question, 1-{MAX_QUERY_CHARS} characters after trimming",
            # documented only: the handler checks it and says which limit was hit
            json_schema_extra={"pattern": QUERY_PATTERN},
        ),
        k: int = Query(DEFAULT_K, ge=1, le=MAX_K, description="number of results"),
        mode: Literal["hybrid", "dense", "lexical"] = Query("hybrid", description="hybrid, dense or lexical"),
        per_doc: int = Query(
            DEFAULT_PER_DOC, ge=0, le=MAX_PER_DOC, description="most passages per document (0 = no limit)"
        ),
        doc: str = Query("", max_length=MAX_FILTER_CHARS, description="only documents whose id contains this"),
        title: str = Query("", max_length=MAX_FILTER_CHARS, description="only careers whose title contains this"),
        section: str = Query(
            "", max_length=MAX_FILTER_CHARS, description="only sections whose heading path contains this"
        ),
        career: list[str] = CAREERS,
        section_path: str = Query(
            "",
            max_length=MAX_FILTER_CHARS,
            description="only this section: an exact heading path, or any section under it",
        ),
        explain: bool = Query(False, description="add each side's rank and score"),
        snippets: bool = Query(True, description="false: empty snippets, a cheaper answer"),
        viewer: Viewer = VIEWER,
    ) -> SearchResponse:
        started = time.perf_counter()
        query = q.strip()
        if not query:
            raise HTTPException(422, detail=f"q: the question must not be empty (1-{MAX_QUERY_CHARS} characters)")
        if len(query) > MAX_QUERY_CHARS:
            raise HTTPException(
                422, detail=f"q: the question is {len(query)} characters; the limit is {MAX_QUERY_CHARS}"
            )
        current = ctx.searcher()
        wanted = Filters(doc=doc, title=title, section=section, careers=tuple(career), section_path=section_path)
        seen = replace(wanted, viewer=viewer.names())
        response = await run_in_threadpool(answer, current, query, k, mode, per_doc, seen, explain, snippets)
        ctx.metrics.observe_search(mode, len(response.results), response.no_match)
        ctx.log_search(response, k, wanted, snippets, started, current, viewer)
        return response

    @router.get("/api/documents", response_model=DocumentList, responses=errors(401, 403, 503))
    def documents(viewer: Viewer = VIEWER) -> DocumentList:
        snap = ctx.searcher().snapshot
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

    @router.get("/api/documents/{doc_id}", response_model=DocumentDetail, responses=errors(401, 403, 404, 422, 503))
    def document(
        doc_id: str,
        q: str = Query("", max_length=MAX_QUERY_CHARS, description="a question whose words to list in terms"),
        viewer: Viewer = VIEWER,
    ) -> DocumentDetail:
        detail = document_detail(ctx.searcher(), doc_id, q, viewer.names())
        if detail is None:
            shown = doc_id if len(doc_id) <= MAX_ECHO_CHARS else doc_id[:MAX_ECHO_CHARS] + "…"
            raise HTTPException(404, detail=f"no document with id {shown!r}; GET /api/documents lists them")
        return detail

    @router.get("/api/stats", response_model=Stats, responses=errors(401, 403, 503))
    def stats() -> Stats:
        m = ctx.searcher().snapshot.manifest
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

    return router
