"""The intranet search page at / (and /embed, its compact form for framing in other pages) and its static files.

When the URL already holds a question (/?q=...), the search runs here and its JSON answer travels inside the page
in <script type="application/json"> data blocks, which the CSP allows because they never run: the page's modules
(static/js/) render them at once, so a shared link shows its results without a second round trip. The same goes for
an open document (&doc=). The page-config block carries the rules the page follows (service/rules.py).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from indexer.search.searcher import Filters, Searcher
from service.answers import answer, document_detail
from service.context import Context, viewer_of
from service.holder import IndexHolder
from service.rules import (
    DEFAULT_K,
    DEFAULT_PER_DOC,
    ONE_CAREER_K,
    ONE_CAREER_PER_DOC,
    ONE_CAREER_WHEN,
    URL_KEYS,
    page_rules,
)
from service.schemas import SearchResponse

STATIC = Path(__file__).parent / "static"
ASSETS = re.compile(r"\.(js|css)$")  # the page's own files, served under /assets/<release>/
log = logging.getLogger("career_search.page")

TRUE = {"1", "true", "yes", "on"}
Recorder = Callable[[SearchResponse, int, Filters, float, Searcher], None]


def page_params(request: Request) -> dict[str, str]:
    """The page's state from the query string, cut to the API's lengths (as the page's state.js reads it)."""
    qp = request.query_params
    return {key: (qp.get(key) or "").strip()[:limit] for key, limit in URL_KEYS.items()}


def data_block(block_id: str, data: object) -> str:
    """JSON inside a non-executing script element; every "<" (and ">", "&") is escaped so nothing can close it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f'<script type="application/json" id="{block_id}">{text}</script>'


def search_params(params: dict[str, str], viewer: frozenset[str] | None) -> tuple[int, int, Filters]:
    """The k, per_doc and filters that the page's rules (service.rules, which the page reads) ask the API for."""
    one_career = any(params[key] for key in ONE_CAREER_WHEN)
    k, per_doc = (ONE_CAREER_K, ONE_CAREER_PER_DOC) if one_career else (DEFAULT_K, DEFAULT_PER_DOC)
    careers = (params["from"],) if params["from"] else ()
    return k, per_doc, Filters(title=params["title"], viewer=viewer, careers=careers, section_path=params["section"])


def initial_search(
    searcher: Searcher, params: dict[str, str], viewer: frozenset[str] | None, record: Recorder | None = None
) -> dict:
    """The answer, facets included, that the page would ask /api/search for: one search, as the page makes."""
    k, per_doc, filters = search_params(params, viewer)
    started = time.perf_counter()
    main = answer(searcher, params["q"], k, "hybrid", per_doc, filters)
    if record:  # a shared link or a reload searches here, not through /api/search: the query log keeps it too
        record(main, k, filters, started, searcher)
    return main.model_dump(mode="json", exclude_none=True)


def document_json(searcher: Searcher, doc_id: str, query: str, viewer: frozenset[str] | None) -> dict | None:
    detail = document_detail(searcher, doc_id, query, viewer)
    return detail.model_dump(mode="json") if detail else None


_release: dict[str, object] = {}


def release() -> str:
    """A short hash of every file the page loads (its modules and style sheet): the version in their URLs
    (/assets/<release>/js/main.js), so a new release is never mixed with cached old files. A module's imports are
    relative, so they carry the same version."""
    files = sorted(p for p in STATIC.rglob("*") if p.is_file() and ASSETS.search(p.name))
    stamp = [(str(p), p.stat().st_mtime_ns) for p in files]
    if _release.get("stamp") != stamp:
        digest = hashlib.sha256()
        for path in files:
            digest.update(str(path.relative_to(STATIC)).encode() + b"\0" + path.read_bytes())
        _release.update(stamp=stamp, version=digest.hexdigest()[:10])
    return str(_release["version"])


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
        "rules": page_rules(),
    }
    if embed:
        config["allowed_origins"] = list(holder.settings.allowed_origins)
    blocks = []
    if searcher is not None and params["q"]:
        try:
            blocks.append(data_block("initial-results", initial_search(searcher, params, viewer, record)))
        except Exception:  # the page still works: it asks the API, which reports the error properly
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
    return out.replace('"/assets/', f'"/assets/{release()}/')


def mount_page(app: FastAPI, ctx: Context) -> None:
    """The page at / and /embed, and its files under /assets/<release>/ (and /static/)."""
    holder = ctx.holder

    def respond(request: Request, embed: bool) -> HTMLResponse:
        viewer = viewer_of(request)

        def record(response: SearchResponse, k: int, filters: Filters, started: float, searcher: Searcher) -> None:
            ctx.log_search(response, k, filters, True, started, searcher, viewer)

        page = render_page(holder, page_params(request), embed, viewer.names(), record)
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        return respond(request, (request.query_params.get("embed") or "").lower() in TRUE)

    @app.api_route("/embed", methods=["GET", "HEAD"], include_in_schema=False)
    def embedded(request: Request) -> HTMLResponse:
        return respond(request, True)

    @app.get("/assets/{version}/{path:path}", include_in_schema=False)
    def asset(version: str, path: str) -> Response:
        """The page's files under a release's URL: cached for good when the release is the current one."""
        file = (STATIC / path).resolve()
        if not file.is_relative_to(STATIC.resolve()) or not file.is_file() or not ASSETS.search(file.name):
            return Response(status_code=404)
        current = version == release()
        cache = "public, max-age=31536000, immutable" if current else "no-cache"
        return FileResponse(file, headers={"Cache-Control": cache})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
