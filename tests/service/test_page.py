"""The search page at / in a real browser: Debian's Chromium driven by Playwright, against real servers."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlparse

import httpx
import pytest

from indexer.builds.build import build_index
from tests.helpers import CHROMIUM, ROOT, Server, free_port, require_browser

playwright_api = require_browser()
expect = playwright_api.expect

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
QUESTION = "what does a principal engineer do"

HOSTILE = """---
title: "Script Kiddie <script>alert(1)</script>"
aliases: ["<img src=x onerror=alert(1)>"]
category: "<b>Security</b>"
---
# Script Kiddie

## Overview `<img src=x onerror=alert(1)>`

A script kiddie pastes `<script>alert(1)</script>` into every form they find and hopes that the page runs it.
They also try &lt;img src=x onerror=alert(1)&gt; in profile fields, comments and search boxes, which is why every
page that shows stored text must escape it before it reaches the browser. Security engineers call this cross-site
scripting and test for it on every release.
"""


class PortalPage(BaseHTTPRequestHandler):
    """Another site's page that frames ours: /?src=URL. It keeps the heights that the framed page reports."""

    def do_GET(self) -> None:
        src = parse_qs(urlparse(self.path).query).get("src", [""])[0]
        body = (
            "<!doctype html><title>Portal</title><script>window.heights = [];"
            'addEventListener("message", e => { if (e.data && e.data.type === "career-search:height") '
            "window.heights.push([e.origin, e.data.height]); });</script>"
            f'<iframe id="cs" title="Career search" src="{html.escape(src)}" width="700" height="500"></iframe>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def portal() -> Iterator[str]:
    """The origin of a local page on another port that frames the search page (loopback, like the servers)."""
    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), PortalPage)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session", autouse=True)
def hostile_server(tmp_path_factory: pytest.TempPathFactory, portal: str) -> Iterator[tuple[Server, Path]]:
    """A second server, for a corpus of hostile text, that lets the portal frame it. It starts first, so that it
    loads its model while the small index is built and its server starts; the test that uses it builds its index
    (the server picks the build up)."""
    index = tmp_path_factory.mktemp("hostile-index")
    server = Server(index, env={"CAREER_SEARCH_ALLOWED_ORIGINS": json.dumps([portal])})
    try:
        yield server, index
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """Script errors and CSP violations seen by the page; a test that provokes some on purpose clears them."""
    return []


@pytest.fixture
def page(browser, browser_errors: list[str]) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.on("pageerror", lambda exc: browser_errors.append(f"page error: {exc}"))
    pg.on(
        "console",
        lambda msg: browser_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield pg
    context.close()
    assert browser_errors == [], browser_errors


def results(pg) -> list[dict]:
    return pg.eval_on_selector_all(
        "#results li.result",
        """items => items.map(li => ({
            title: li.querySelector('a.open').textContent,
            section: li.querySelector('.section').textContent,
            doc: li.dataset.doc,
            passage: li.dataset.passage,
            marks: li.querySelectorAll('.snippet mark').length,
        }))""",
    )


def until(pg, script: str, arg: object = None, timeout: float = 20) -> object:
    """Polls a JS expression from the test side: wait_for_function would eval() in the page, which the CSP forbids."""
    deadline = time.monotonic() + timeout
    while True:
        value = pg.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {script}")
        pg.wait_for_timeout(25)


def until_seen(pg, check, timeout: float = 20) -> None:
    """Polls a test-side condition on what the page reported (frames, console), letting the page's events in."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s")
        pg.wait_for_timeout(25)


def wait_for_results(pg, q: str) -> None:
    """Until the page shows results for exactly this question."""
    expect(pg.locator("#status")).to_contain_text(f"for “{q}”")
    expect(pg.locator("#results li.result").first).to_be_visible()


def test_page_headers_and_server_side_escaping(mini_server) -> None:
    r = httpx.get(mini_server.url + "/", params={"q": "<script>alert(1)</script>"}, timeout=30)
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    body = r.text
    assert "<script>alert" not in body  # the query is in the title, the input and the data blocks, escaped
    assert '<script type="application/json" id="initial-results">' in body
    assert "\\u003cscript\\u003ealert(1)" in body
    # No inline script or style: every <script> is a data block or the page's main module, and no style attributes.
    scripts = [tag for tag in re.findall(r"<script[^>]*>", body) if 'type="application/json"' not in tag]
    assert len(scripts) == 1 and 'type="module"' in scripts[0], scripts
    assert not re.search(r"\sstyle\s*=", body)
    # Self-contained: nothing on the page or in its files points at another host.
    static = ROOT / "service" / "static"
    for path in [static / "index.html", static / "style.css", *(static / "js").glob("*.js")]:
        text = path.read_text()
        assert not re.search(r"https?://", text), path.name
        assert "@import" not in text and "@font-face" not in text, path.name
    # Every file of the page is under one release's URL: the main module's relative imports carry the version too.
    main = re.search(r'src="(/assets/(\w+)/js/main\.js)"', scripts[0])
    assert main and f'href="/assets/{main[2]}/style.css"' in body
    for url in (main[1], f"/assets/{main[2]}/js/state.js"):
        r = httpx.get(mini_server.url + url, timeout=10)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"]
        assert "immutable" in r.headers["cache-control"]
    assert "immutable" not in httpx.get(mini_server.url + "/assets/old/js/main.js").headers["cache-control"]
    for outside in ("%2E%2E/page.py", "index.html"):  # only the page's scripts and style sheet
        assert httpx.get(mini_server.url + f"/assets/{main[2]}/{outside}").status_code == 404


def test_typing_shows_highlighted_results_with_one_request(page, mini_server) -> None:
    asked: list[str] = []
    page.on("request", lambda req: asked.append(req.url) if "/api/search" in req.url else None)
    page.goto(mini_server.url + "/")
    expect(page.locator("#q")).to_be_focused()
    page.evaluate(
        """q => {
            window.__t = {};
            document.getElementById('q').addEventListener('input', () => { window.__t.key = performance.now(); });
            document.addEventListener('careersearch:results', e => {
                if (e.detail.q === q && window.__t.shown === undefined)
                    requestAnimationFrame(() => { window.__t.shown = performance.now(); });
            });
        }""",
        QUESTION,
    )
    page.keyboard.type(QUESTION, delay=20)
    wait_for_results(page, QUESTION)
    until(page, "window.__t.shown !== undefined")
    latency = page.evaluate("window.__t.shown - window.__t.key")

    found = results(page)
    assert found[0]["title"] == "Principal Engineer"
    assert page.locator("#results .snippet mark").count() >= 2
    assert page.locator("#results li.result").first.locator("mark").first.inner_text().lower() == "principal"
    assert "q=what+does+a+principal+engineer+do" in page.url
    expect(page.locator("#status")).to_have_attribute("aria-live", "polite")
    expect(page.locator("#facet-body .facet").first).to_be_visible()
    page.wait_for_timeout(300)  # a second request, if there were one, would have gone by now
    # answer and facet counts in one request after the pause in typing (a loaded machine may pause mid-word too: each
    # such pause costs one request of its own, never two)
    questions = [parse_qs(urlparse(u).query)["q"][0] for u in asked]
    assert questions[-1] == QUESTION and questions.count(QUESTION) == 1, asked
    assert len(set(questions)) == len(questions), asked

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)
    (ARTIFACTS / "page-latency.json").write_text(json.dumps({"query": QUESTION, "keystroke_to_results_ms": latency}))
    print(f"\nlast keystroke to results shown: {latency:.0f} ms")
    assert latency < 5000


def test_deep_link_renders_without_a_search_request(page, mini_server) -> None:
    asked: list[str] = []
    page.on("request", lambda req: asked.append(req.url))
    q = "registered nurse salary"
    page.goto(mini_server.url + "/?" + urlencode({"q": q}))
    wait_for_results(page, q)
    expect(page.locator("#q")).to_have_value(q)
    assert results(page)[0]["title"] == "Registered Nurse"
    expect(page.locator("#facet-body .facet").first).to_be_visible()  # facets came with the page too
    assert page.title().startswith(q)
    assert [u for u in asked if "/api/" in u] == []


def test_a_corrected_question_says_what_was_searched(page, mini_server) -> None:
    q = "registerd nurse certificatons"
    page.goto(mini_server.url + "/?" + urlencode({"q": q}))
    wait_for_results(page, q)
    expect(page.locator("#status")).to_contain_text("(searched as “registered nurse certifications”)")
    assert results(page)[0]["title"] == "Registered Nurse"
    page.fill("#q", "registered nurse certifications")
    wait_for_results(page, "registered nurse certifications")
    expect(page.locator("#status")).not_to_contain_text("searched as")


def test_stale_answers_are_dropped_and_spinner_shows_only_when_slow(page, mini_server) -> None:
    # Answers for "nurse" come 1.5 s late; a newer question must win, and its results must stay.
    page.add_init_script(
        """(() => {
            const real = window.fetch.bind(window);
            window.fetch = (url, opts) => {
                const slow = String(url).includes('/api/search?q=nurse&');
                return new Promise((ok, fail) => setTimeout(() => real(url, opts).then(ok, fail), slow ? 1500 : 0));
            };
        })()"""
    )
    page.goto(mini_server.url + "/")
    page.fill("#q", "nurse")
    expect(page.locator("#spinner")).to_be_visible()  # only after 300 ms without an answer
    page.fill("#q", "principal engineer")
    wait_for_results(page, "principal engineer")
    expect(page.locator("#spinner")).to_be_hidden()
    page.wait_for_timeout(1700)  # long after the slow answer would have come
    expect(page.locator("#status")).to_contain_text("for “principal engineer”")
    assert results(page)[0]["title"] == "Principal Engineer"


def test_opening_a_document_scrolls_to_and_highlights_the_passage(page, mini_server) -> None:
    page.set_viewport_size({"width": 1000, "height": 480})
    q = "principal engineer salary in Seattle"
    page.goto(mini_server.url + "/?" + urlencode({"q": q}))
    wait_for_results(page, q)
    hit = page.locator('#results li[data-passage="principal-engineer.p2"]')
    hit.locator(".snippet").click()  # anywhere on the card opens it

    expect(page.locator("#doc-view")).to_be_visible()
    expect(page.locator("#doc-title")).to_have_text("Principal Engineer")
    assert "doc=principal-engineer" in page.url and "p=principal-engineer.p2" in page.url
    passages = page.locator("#doc-body .passage")
    assert passages.count() == 3  # every passage of the document is shown
    marked = page.locator("#doc-body .passage.hit")
    expect(marked).to_have_count(1)
    expect(marked).to_have_attribute("data-passage", "principal-engineer.p2")
    expect(marked).to_be_in_viewport()
    expect(marked).to_be_focused()
    assert page.evaluate("window.scrollY") > 0
    expect(page.locator("#doc-view")).to_contain_text("Salary Ranges › By City")
    marks = {m.lower() for m in page.locator("#doc-body mark").all_inner_texts()}
    assert {"seattle", "salary"} <= marks and "in" not in marks  # the question's words, not its stop words

    page.click("#back")
    wait_for_results(page, q)
    assert "doc=" not in page.url
    page.go_forward()
    expect(page.locator("#doc-body .passage.hit")).to_be_in_viewport()
    page.go_back()
    wait_for_results(page, q)
    expect(page.locator("#doc-view")).to_be_hidden()

    # A shared link to the document view opens straight on the passage, from data in the page itself.
    page.goto(mini_server.url + "/?" + urlencode({"q": q, "doc": "principal-engineer", "p": "principal-engineer.p2"}))
    expect(page.locator("#doc-body .passage.hit")).to_be_in_viewport()
    page.click("#back")
    wait_for_results(page, q)


def facet_counts(pg, key: str) -> dict[str, int]:
    return dict(
        pg.eval_on_selector_all(
            f'#facet-body .facet[data-facet="{key}"]',
            "bs => bs.map(b => [b.dataset.value, Number(b.querySelector('.count').textContent)])",
        )
    )


def test_filters_narrow_the_results(page, mini_server) -> None:
    q = "engineer salary"
    page.goto(mini_server.url + "/?" + urlencode({"q": q}))
    wait_for_results(page, q)
    before = results(page)
    assert len({r["title"] for r in before}) > 1
    api = mini_server.get("/api/search", q=q).json()["facets"]
    assert facet_counts(page, "from") == {c["doc_id"]: c["count"] for c in api["careers"]}
    assert facet_counts(page, "section") == {s["section"]: s["count"] for s in api["sections"]}

    facet = page.locator('#facet-body .facet[data-facet="from"][data-value="principal-engineer"]')
    count = int(facet.locator(".count").inner_text())
    assert count >= 1
    facet.click()
    expect(page.locator("#chips")).to_contain_text("Career: Principal Engineer")
    only = "[...document.querySelectorAll('#results li.result')].every(li => li.dataset.doc === 'principal-engineer')"
    until(page, only)
    after = results(page)
    assert len(after) == count  # every passage the count promised, and only that career's
    assert "from=principal-engineer" in page.url
    expect(facet).to_have_attribute("aria-pressed", "true")

    page.locator('#facet-body .facet[data-facet="section"][data-value="Salary Ranges"]').click()
    until(
        page,
        "[...document.querySelectorAll('#results .section')].every(s => s.textContent.startsWith('Salary Ranges'))",
    )
    assert all(r["section"].startswith("Salary Ranges") for r in results(page))
    assert "section=Salary+Ranges" in page.url

    page.locator("#chips .chip", has_text="Clear all filters").click()
    expect(page.locator("#chips")).to_be_empty()
    until(page, "document.querySelectorAll('#results li.result').length > 2")

    # "More from this career" keeps exactly that document (the API's doc= substring would also match longer ids).
    page.locator('#results li[data-doc="careers-page"] a.more').first.click()
    assert "from=careers-page" in page.url
    expect(page.locator("#chips")).to_contain_text("Career: Site Reliability Engineer")
    until(
        page,
        "[...document.querySelectorAll('#results li.result')].every(li => li.dataset.doc === 'careers-page')",
    )
    page.go_back()
    expect(page.locator("#chips")).to_be_empty()


def test_keyboard_navigation(page, mini_server) -> None:
    q = "engineer"
    page.goto(mini_server.url + "/?" + urlencode({"q": q}))
    wait_for_results(page, q)
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()

    focused = (
        "document.activeElement.closest('li.result') ? [...document.querySelectorAll('#results li.result')]"
        ".indexOf(document.activeElement.closest('li.result')) : -1"
    )
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == 0
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(focused) == 2
    page.keyboard.press("ArrowUp")
    assert page.evaluate(focused) == 1
    second = results(page)[1]
    page.keyboard.press("Enter")
    expect(page.locator("#doc-view")).to_be_visible()
    expect(page.locator("#doc-body .passage.hit")).to_have_attribute("data-passage", second["passage"])

    page.keyboard.press("Escape")  # back to the results, on the result that was opened
    wait_for_results(page, q)
    assert page.evaluate(focused) == 1
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#q")).to_be_focused()


def test_empty_state_offers_examples_and_careers(page, mini_server) -> None:
    page.goto(mini_server.url + "/")
    examples = page.locator("#examples button")
    expect(examples).to_have_text(
        [
            "what does a principal engineer do",
            "registered nurse salary in Chicago",
            "how to become a data scientist",
            "SRE on-call",
        ]
    )
    page.click("#browse-toggle")
    expect(page.locator("#browse-list li")).to_have_count(6)
    expect(page.locator("#browse-list")).to_contain_text("Registered Nurse")

    page.locator("#examples button", has_text="SRE on-call").click()
    wait_for_results(page, "SRE on-call")
    assert results(page)[0]["title"] == "Site Reliability Engineer"
    page.go_back()
    expect(page.locator("#empty-view")).to_be_visible()
    expect(page.locator("#q")).to_have_value("")


def test_not_ready_errors_and_no_results(page, mini_server) -> None:
    index = {"ready": False}

    def readyz(route) -> None:
        if index["ready"]:
            route.continue_()
        else:
            body = {"status": "not ready", "reason": "building the test index"}
            route.fulfill(status=503, content_type="application/json", body=json.dumps(body))

    def search(route) -> None:
        if index["ready"]:
            route.continue_()
        else:
            body = {"detail": "index not ready: building the test index"}
            route.fulfill(status=503, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(r"/readyz$"), readyz)
    page.route(re.compile(r"/api/search\?"), search)
    page.goto(mini_server.url + "/")
    page.fill("#q", "registered nurse")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("not ready yet: building the test index")
    expect(notice).to_contain_text("every few seconds")
    index["ready"] = True
    wait_for_results(page, "registered nurse")  # retried by itself
    expect(notice).to_be_hidden()
    page.unroute_all()

    page.route(
        re.compile(r"/api/search\?"),
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"detail": "internal error; the server log has the details"}',
        ),
    )
    page.fill("#q", "nurse shifts")
    expect(notice).to_contain_text("HTTP 500")
    expect(notice).to_contain_text("Try again in a moment")
    page.unroute_all()
    page.click("#notice button")
    wait_for_results(page, "nurse shifts")

    page.route(re.compile(r"/api/search\?"), lambda route: route.abort())
    page.fill("#q", "nurse night shifts")
    expect(notice).to_contain_text("Cannot reach the search service")
    page.unroute_all()

    # Filters that exclude everything: say so, suggest what to do and list the careers.
    page.goto(mini_server.url + "/?" + urlencode({"q": "nurse", "title": "Astronaut"}))
    expect(page.locator("#no-results")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("No results")
    expect(page.locator("#tips")).to_contain_text("Check the spelling")
    expect(page.locator("#no-results-careers li")).to_have_count(6)
    page.locator("#tips button", has_text="Remove the filters").click()
    wait_for_results(page, "nurse")


def test_phone_width_and_embed_mode(page, mini_server) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(mini_server.url + "/?" + urlencode({"q": QUESTION}))
    wait_for_results(page, QUESTION)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.locator("#facet-body")).to_be_hidden()  # folded under "Filters" on a phone
    page.click("#facet-details summary")
    expect(page.locator("#facet-body .facet").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results-phone.png"), full_page=True)

    page.goto(mini_server.url + "/embed?" + urlencode({"q": "nurse"}))
    wait_for_results(page, "nurse")
    expect(page.locator("body")).to_have_class("embed")
    expect(page.locator("h1.brand")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    href = page.locator("#results a.open").first.get_attribute("href")
    assert href.startswith("/embed?")


def test_framing_is_refused_for_origins_not_allowed(page, mini_server, portal, browser_errors) -> None:
    page.goto(portal + "/?" + urlencode({"src": mini_server.url + "/embed?q=nurse"}))
    until(page, "document.getElementById('cs').contentWindow !== null")
    until_seen(page, lambda: [f.url for f in page.frames if f != page.main_frame] == ["chrome-error://chromewebdata/"])
    until_seen(page, lambda: any("frame-ancestors 'self'" in e for e in browser_errors))
    browser_errors.clear()


def test_hostile_documents_show_as_text_and_embedding_works(
    browser, hostile_server: tuple[Server, Path], portal: str, tmp_path: Path, settings, embedder
) -> None:
    server, index = hostile_server
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    build_index(corpus, index, settings, progress=False)
    server.wait_ready()  # it notices the new build within its reload interval

    context = browser.new_context(viewport={"width": 1100, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    dialogs: list[str] = []
    errors: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        title = "Script Kiddie <script>alert(1)</script>"
        payload = "<img src=x onerror=alert(1)>"
        # A deep link (results rendered from data in the page) whose question is itself hostile.
        q = f"{payload} script kiddie"
        pg.goto(server.url + "/?q=" + quote(q))
        wait_for_results(pg, q)
        first = pg.locator("#results li.result").first
        expect(first.locator("a.open")).to_have_text(title)
        expect(first.locator(".section")).to_contain_text(f"Overview {payload}")
        expect(first.locator(".snippet")).to_contain_text(payload)
        expect(pg.locator("#q")).to_have_value(q)

        # Typed (results fetched by the page), then the document view and the careers list.
        typed = "<script>alert(1)</script> forms"
        pg.fill("#q", typed)
        wait_for_results(pg, typed)
        expect(pg.locator("#status")).to_contain_text(typed)
        pg.locator("#results a.open").first.click()
        expect(pg.locator("#doc-title")).to_have_text(title)
        expect(pg.locator("#doc-meta")).to_contain_text("<b>Security</b>")
        expect(pg.locator("#doc-meta")).to_contain_text(payload)
        expect(pg.locator("#doc-body")).to_contain_text(f"try {payload} in profile fields")
        pg.goto(server.url + "/")
        pg.click("#browse-toggle")
        expect(pg.locator("#browse-list")).to_contain_text(title)

        for where in ("/?q=" + quote(q), "/?" + urlencode({"q": "forms", "doc": "hostile", "p": "hostile.p0"})):
            pg.goto(server.url + where)
            expect(pg.locator("#results li.result, #doc-body .passage").first).to_be_visible()
            assert pg.locator("main img, main script, main b").count() == 0
        pg.wait_for_timeout(300)
        assert dialogs == [] and errors == []

        # An allowed origin frames the compact page, which tells it how tall it is.
        pg.goto(portal + "/?" + urlencode({"src": server.url + "/embed?q=forms"}))
        expect(pg.frame_locator("#cs").locator("#results li.result").first).to_be_visible()
        origin, height = until(pg, "window.heights.at(-1)")
        assert origin == server.url and height > 100
        assert dialogs == [] and errors == []
    finally:
        context.close()


def offline(pg) -> list[str]:
    """Blocks every request that does not go to this machine, as on an intranet without internet access."""
    blocked: list[str] = []

    def route(r) -> None:
        host = urlparse(r.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    return blocked


def test_api_docs_render_offline_under_the_csp(page, mini_server) -> None:
    blocked = offline(page)
    response = page.goto(mini_server.url + "/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".opblock-summary-path", has_text="/api/search")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/documents/{doc_id}")).to_be_visible()
    assert blocked == []
    # ReDoc cannot run under style-src 'self' (its styled-components need inline styles): /redoc leads here
    page.goto(mini_server.url + "/redoc")
    assert page.url == mini_server.url + "/docs"


def test_a_question_nothing_answers_shows_closest_matches_not_answers(page, mini_server) -> None:
    q = "qwxz plorbt vrenk"
    page.goto(mini_server.url + "/")
    page.fill("#q", q)
    expect(page.locator("#status")).to_have_text(re.compile(rf"^No good match; \d+ closest matches for “{q}”$"))
    notice = page.locator("#no-match")
    expect(notice).to_be_visible()
    expect(notice.locator("h2")).to_have_text("No page answers this well")
    expect(page.locator("#results")).to_have_attribute("aria-label", "Closest matches")
    expect(page.locator("#results li.result").first).to_be_visible()  # the closest matches are still there to open
    expect(page.locator("#no-results")).to_be_hidden()
    # a question the pages answer: no notice, the results are answers again
    page.fill("#q", "what does a principal engineer do")
    wait_for_results(page, "what does a principal engineer do")
    expect(notice).to_be_hidden()
    expect(page.locator("#results")).to_have_attribute("aria-label", "Results")
    assert results(page)[0]["title"] == "Principal Engineer"
