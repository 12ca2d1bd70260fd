"""What the routers share: the app's parts (settings, index holder, metrics, query log), the viewer, error docs."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request

from indexer.search.searcher import Filters, Searcher
from service.auth import Viewer
from service.holder import IndexHolder
from service.metrics import Metrics
from service.querylog import QueryLog, search_entry
from service.schemas import ErrorBody, SearchResponse
from service.settings import ServiceSettings


def errors(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI entries for the error statuses a route returns, all with the ErrorBody shape."""
    what = {
        401: "no or unknown credentials",
        403: "credentials valid, access not allowed",
        404: "no such document",
        422: "a parameter is missing or out of range; detail says which",
        503: "no index loaded yet; detail says why",
    }
    return {status: {"model": ErrorBody, "description": what[status]} for status in statuses}


def viewer_of(request: Request) -> Viewer:
    """Who is asking, as the access-control middleware found (anonymous when access control is off)."""
    return request.state.viewer


async def _viewer(request: Request) -> Viewer:
    """viewer_of as a dependency: async, since FastAPI hands a plain function to a worker thread."""
    return viewer_of(request)


VIEWER = Depends(_viewer)


@dataclass
class Context:
    """One app's parts, handed to each router."""

    settings: ServiceSettings
    holder: IndexHolder
    metrics: Metrics
    querylog: QueryLog | None

    def searcher(self) -> Searcher:
        """The live build's searcher, or 503 saying why there is none."""
        current = self.holder.searcher
        if current is None:
            raise HTTPException(503, detail=f"index not ready: {self.holder.reason}")
        return current

    def log_search(
        self, response: SearchResponse, k: int, f: Filters, snippets: bool, started: float, by: Searcher, viewer: Viewer
    ) -> None:
        """Puts a search in the query log, if there is one."""
        if self.querylog is None:
            return
        named = (("doc", f.doc), ("title", f.title), ("section", f.section), ("section_path", f.section_path))
        filters = {key: value for key, value in named if value}
        if f.careers:
            filters["career"] = ",".join(f.careers)
        user = viewer.user if self.settings.query_log_users else None
        ms = (time.perf_counter() - started) * 1000
        self.querylog.record(search_entry(response, k, filters, snippets, ms, by.snapshot.build_id, user))
