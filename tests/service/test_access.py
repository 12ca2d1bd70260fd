"""Access control and JSON logs, through HTTP: one server with API tokens, an SSO proxy's user header, JSON logs,
and a corpus holding one document restricted to an audience."""

import json
import shutil
from collections.abc import Iterator

import httpx
import pytest

from indexer.builds.build import build_index
from tests.helpers import MINI_CORPUS, Server

pytestmark = pytest.mark.slow

TOKEN = "tok-7f3a9c"
RESTRICTED = """---
title: Executive Pay Bands
audience: [hr, carol]
---
# Executive Pay Bands

## Vice President Bands

The confidential pay band for a vice president of engineering runs from 310,000 to 420,000 dollars in base salary,
with a retention bonus paid over four years and an equity refresh reviewed every spring by the compensation committee.
"""
SECRET_QUERY = "vice president of engineering confidential pay band retention bonus"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, settings, embedder) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("secured")
    corpus = root / "corpus"
    shutil.copytree(MINI_CORPUS, corpus)
    (corpus / "executive-pay-bands.md").write_text(RESTRICTED)
    build_index(corpus, root / "index", settings, progress=False)
    server = Server(
        root / "index",
        env={
            "CAREER_SEARCH_API_TOKENS": json.dumps([f"reporting-bot:{TOKEN}"]),
            "CAREER_SEARCH_TRUSTED_USER_HEADER": "X-Forwarded-User",
            "CAREER_SEARCH_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups",
            "CAREER_SEARCH_LOG_FORMAT": "json",
        },
    )
    try:
        server.wait_ready()  # /readyz is public by default (load balancers)
        yield server
    finally:
        server.stop()


def get(server: Server, path: str, headers: dict | None = None, **params) -> httpx.Response:
    return httpx.get(server.url + path, params=params, headers=headers or {}, timeout=30)


def as_user(user: str, groups: str = "") -> dict:
    return {"X-Forwarded-User": user, "X-Forwarded-Groups": groups}


def test_without_credentials_the_api_and_page_answer_401_and_say_how_to_sign_in(secured):
    for path in ("/api/search?q=nurse", "/api/documents", "/", "/metrics"):
        r = get(secured, path)
        assert r.status_code == 401, path
        assert "Bearer" in r.json()["detail"] and "X-Forwarded-User" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"
        # a refusal carries the security headers and a request id, like any answer
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-request-id"]
    assert get(secured, "/healthz").status_code == 200 and get(secured, "/readyz").status_code == 200


def test_a_token_or_the_proxy_header_lets_the_request_in(secured):
    assert get(secured, "/api/search", {"Authorization": f"Bearer {TOKEN}"}, q="nurse").status_code == 200
    wrong = get(secured, "/api/search", {"Authorization": "Bearer guessed"}, q="nurse")
    assert wrong.status_code == 401 and "unknown API token" in wrong.json()["detail"]
    assert get(secured, "/api/search", as_user("bob"), q="nurse").status_code == 200
    assert get(secured, "/metrics", {"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_a_restricted_document_is_seen_only_by_its_audience(secured):
    def sees(headers: dict) -> dict[str, bool]:
        hits = get(secured, "/api/search", headers, q=SECRET_QUERY, k=20, per_doc=0).json()["results"]
        listed = get(secured, "/api/documents", headers).json()["documents"]
        detail = get(secured, "/api/documents/executive-pay-bands", headers)
        page = get(secured, "/", headers, q=SECRET_QUERY)
        return {
            "search": any(h["doc_id"] == "executive-pay-bands" for h in hits),
            "list": any(d["doc_id"] == "executive-pay-bands" for d in listed),
            "detail": detail.status_code == 200,
            "page": "310,000" in page.text,
        }

    everywhere = {"search": True, "list": True, "detail": True, "page": True}
    nowhere = {"search": False, "list": False, "detail": False, "page": False}
    assert sees(as_user("alice", "eng, hr")) == everywhere  # by group
    assert sees(as_user("carol")) == everywhere  # by name
    assert sees(as_user("bob", "eng")) == nowhere
    assert sees({"Authorization": f"Bearer {TOKEN}"}) == nowhere  # a machine client is not in the audience
    # bob still gets answers, from what he may see
    assert get(secured, "/api/search", as_user("bob"), q=SECRET_QUERY).json()["results"]


def test_json_logs_have_one_line_per_request_with_its_id_and_the_reload(secured):
    r = get(secured, "/api/search", {**as_user("bob"), "X-Request-ID": "trace-42"}, q="registered nurse")
    assert r.headers["x-request-id"] == "trace-42"
    new_id = get(secured, "/api/documents", as_user("bob")).headers["x-request-id"]
    lines = [json.loads(line) for line in secured.log.read_text().splitlines() if line.startswith("{")]
    requests = {line["request_id"]: line for line in lines if line.get("event") == "request"}
    line = requests["trace-42"]
    assert line["route"] == "/api/search" and line["status"] == 200 and line["latency_ms"] > 0
    assert requests[new_id]["route"] == "/api/documents"
    reloads = [line for line in lines if line.get("event") == "reload"]
    assert reloads and reloads[0]["build_id"] == get(secured, "/readyz").json()["build_id"]
