"""Prints how long the search page takes from the last keystroke to results on screen, in a real Chromium.

Usage: python scripts/page_latency.py --url http://127.0.0.1:8000 [--limit 20] [--chromium /usr/bin/chromium]
Against a running server: for each question of the evaluation set, types it into the page as a person would (20 ms
a key) and times from the last keystroke's input event to the frame after the results for it are rendered, which
includes the page's 150 ms pause in typing and its one /api/search request. Prints p50, p90 and max in ms, and the
requests to /api/search the page made per question."""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.tuning.evaluation import load_questions  # noqa: E402

# wrapped in an object: evaluate_handle would wait for a promise it is handed back
WATCH = """q => ({ shown: new Promise(done => {
    let key = 0;
    const input = document.getElementById('q');
    input.addEventListener('input', () => { key = performance.now(); });
    document.addEventListener('careersearch:results', e => {
        if (e.detail.q === q) requestAnimationFrame(() => done(performance.now() - key));
    });
}) })"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--limit", type=int, default=20, help="questions to type")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    questions = [q.query for q in load_questions(ROOT / "tests" / "eval" / "questions.jsonl", limit=args.limit)]
    latencies: list[float] = []
    requests: list[int] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if "/api/search" in r.url else None)
        page.goto(args.url.rstrip("/") + "/")
        page.keyboard.type("warm up", delay=20)  # the first answer loads lazy parts of the server
        page.wait_for_timeout(1000)
        for q in questions:
            page.fill("#q", "")
            page.wait_for_timeout(300)
            asked.clear()
            shown = page.evaluate_handle(WATCH, q)
            page.keyboard.type(q, delay=20)
            latencies.append(page.evaluate("w => w.shown", shown))
            requests.append(len(asked))
        browser.close()
    q = statistics.quantiles(latencies, n=10)
    print(f"{args.url}: {len(latencies)} questions typed, last keystroke to results on screen (ms)")
    print(f"p50 {statistics.median(latencies):.0f}  p90 {q[8]:.0f}  max {max(latencies):.0f}")
    print(f"/api/search requests per question: {sorted(set(requests))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
