"""Operations routes: /healthz (the model loads), /readyz (a build is served) and /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from service.context import Context
from service.schemas import Health, Ready


def operations_router(ctx: Context) -> APIRouter:
    router = APIRouter()
    holder = ctx.holder

    @router.get(
        "/healthz",
        response_model=Health,
        response_model_exclude_none=True,
        responses={503: {"model": Health, "description": "the embedding model cannot be loaded (retried)"}},
    )
    def healthz() -> JSONResponse:
        if holder.model_error:
            return JSONResponse({"status": "unhealthy", "reason": holder.model_error}, status_code=503)
        return JSONResponse({"status": "ok"})

    @router.get(
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

    @router.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus"}},
    )
    def prometheus() -> Response:
        body, content_type = ctx.metrics.exposition()
        return Response(body, media_type=content_type)

    return router
