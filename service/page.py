"""The intranet search page at / (and /embed, its compact form for framing in other pages) and its static files.

When the URL already holds a question (/?q=...), the search runs here and its JSON answer travels inside the page
in <script type="application/json"> data blocks, which the CSP allows because they never run: app.js renders them at
once, so a shared link shows its results without a second round trip. The same goes for an open document (&doc=).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from indexer.search import Filters, Searcher
from service.answers import answer, document_detail
from service.auth import Viewer
from service.holder import IndexHolder
from service.schemas import SearchResponse

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("career_search.page")

MAX_QUERY_CHARS = 1000
MAX_FILTER_CHARS = 200
PAGE_K, FACET_K = 10, 50
# The URL's keys: the question, the filters (title, section, from = one document) and the open document and passage.
LIMITS = {
    "q": MAX_QUERY_CHARS,
    "title": MAX_FILTER_CHARS,
    "section": MAX_FILTER_CHARS,
    "from": MAX_FILTER_CHARS,
    "doc": MAX_FILTER_CHARS,
    "p": MAX_FILTER_CHARS,
}
TRUE = {"1", "true", "yes", "on"}
# told of each search the page runs itself: (response, k, filters, snippets, perf_counter at start, searcher, viewer)
SearchLog = Callable[[SearchResponse, int, Filters, bool, float, Searcher, Viewer], None]
Recorder = Callable[[SearchResponse, int, Filters, float, Searcher], None]


def page_params(request: Request) -> dict[str, str]:
    """The page's state from the query string, cut to the lengths the API accepts (app.js reads it the same way)."""
    qp = request.query_params
    return {key: (qp.get(key) or "").strip()[:limit] for key, limit in LIMITS.items()}


def data_block(block_id: str, data: object) -> str:
    """JSON inside a non-executing script element; every "<" (and ">", "&") is escaped so nothing can close it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{block_id}">{text}</script>'


def search_params(params: dict[str, str], viewer: frozenset[str] | None) -> tuple[int, int, Filters]:
    """The same k, per_doc and filters that app.js asks the API for, so the embedded answer is the one it wants."""
    k, per_doc = (20, 10) if params["from"] or params["title"] else (PAGE_K, 2)
    return k, per_doc, Filters(params["from"], params["title"], params["section"], viewer)


def initial_search(
    searcher: Searcher, params: dict[str, str], viewer: frozenset[str] | None, record: Recorder | None = None
) -> tuple[dict, dict]:
    k, per_doc, filters = search_params(params, viewer)
    started = time.perf_counter()
    main = answer(searcher, params["q"], k, "hybrid", per_doc, filters)
    if record:  # a shared link or a reload searches here, not through /api/search: the query log keeps it too
        record(main, k, filters, started, searcher)
    wide = answer(searcher, params["q"], FACET_K, "hybrid", 0, filters, snippets=False)
    facets = {"results": [{"title": r.title, "section": r.section, "doc_id": r.doc_id} for r in wide.results]}
    return main.model_dump(mode="json", exclude_none=True), facets


def document_json(searcher: Searcher, doc_id: str, query: str, viewer: frozenset[str] | None) -> dict | None:
    detail = document_detail(searcher, doc_id, query, viewer)
    return detail.model_dump(mode="json") if detail else None


_versions: dict[str, tuple[int, str]] = {}


def asset_version(name: str) -> str:
    """A short hash of a static file, put in its URL so a new release is never mixed with a cached old file."""
    path = STATIC / name
    mtime = path.stat().st_mtime_ns
    cached = _versions.get(name)
    if cached is None or cached[0] != mtime:
        cached = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:10])
        _versions[name] = cached
    return cached[1]


def render_page(
    holder: IndexHolder, params: dict[str, str], embed: bool, viewer: frozenset[str], record: Recorder | None = None
) -> str:
    template = (STATIC / "index.html").read_text(encoding="utf-8")
    searcher = holder.searcher
    config: dict = {
        "embed": embed,
        "ready": searcher is not None,
        "reason": "" if searcher is not None else holder.reason,
        "initial": {k: params[k] for k in ("q", "title", "section", "from")},
    }
    if embed:
        config["allowed_origins"] = list(holder.settings.allowed_origins)
    blocks = []
    if searcher is not None and params["q"]:
        try:
            results, facets = initial_search(searcher, params, viewer, record)
            blocks += [data_block("initial-results", results), data_block("initial-facets", facets)]
        except Exception:  # the page still works: app.js asks the API, which reports the error properly
            log.exception("server-side search for the page failed")
    if searcher is not None and params["doc"]:
        detail = document_json(searcher, params["doc"], params["q"], viewer)
        if detail is not None:
            blocks.append(data_block("initial-document", detail))
    blocks.insert(0, data_block("page-config", config))

    q = params["q"]
    out = template.replace("<!--initial-data-->", "\n".join(blocks))
    if q:
        out = out.replace("<title>Career search</title>", f"<title>{html.escape(q)} – Career search</title>", 1)
        out = out.replace('<input id="q" name="q"', f'<input id="q" name="q" value="{html.escape(q)}"', 1)
    if embed:
        out = out.replace("<body>", '<body class="embed">', 1)
        out = out.replace('action="/"', 'action="/embed"', 1)
    for name in ("app.js", "style.css"):
        out = out.replace(f'"/static/{name}"', f'"/static/{name}?v={asset_version(name)}"', 1)
    return out


def mount_page(
    app: FastAPI, holder: IndexHolder, viewer_of: Callable[[Request], Viewer], log_search: SearchLog | None = None
) -> None:
    def respond(request: Request, embed: bool) -> HTMLResponse:
        viewer = viewer_of(request)

        def record(response: SearchResponse, k: int, filters: Filters, started: float, searcher: Searcher) -> None:
            if log_search:
                log_search(response, k, filters, True, started, searcher, viewer)

        page = render_page(holder, page_params(request), embed, viewer.names(), record)
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        return respond(request, (request.query_params.get("embed") or "").lower() in TRUE)

    @app.api_route("/embed", methods=["GET", "HEAD"], include_in_schema=False)
    def embedded(request: Request) -> HTMLResponse:
        return respond(request, True)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
