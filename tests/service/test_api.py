"""End to end: a real uvicorn server over a real index, driven over HTTP."""

import json
import re
import shutil
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from indexer.builds.build import build_index
from indexer.builds.layout import current_build_id, prune
from indexer.embed import model_path
from indexer.settings import BUNDLED_MODEL, CAREER_MODEL
from tests.helpers import (
    BEEKEEPER_QUESTION,
    MINI_CORPUS,
    ROOT,
    kill_build_midway,
    poll,
    rebuild_under_load,
    run_cli,
)
from tests.indexer.test_bad_files import make_bad_corpus

pytestmark = pytest.mark.slow
FIELDS = {"rank", "score", "title", "section", "text", "snippet", "doc_id", "passage_id", "source"}


def test_ready_and_search_results_have_the_contract_fields(mini_server):
    assert mini_server.get("/healthz").json() == {"status": "ok"}
    ready = mini_server.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    r = mini_server.get("/api/search", q="what does a principal engineer do", k=3)
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "what does a principal engineer do" and body["took_ms"] >= 0
    assert 1 <= len(body["results"]) <= 3
    first = body["results"][0]
    assert FIELDS <= set(first)
    assert first["title"] == "Principal Engineer" and first["rank"] == 1
    assert first["source"] == "principal-engineer.md"
    assert "<mark>" in first["snippet"]


def test_snippets_escape_document_text(mini_server):
    r = mini_server.get("/api/search", q="SQL window functions", k=1)
    snippet = r.json()["results"][0]["snippet"]
    assert "<mark>SQL</mark>" in snippet
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_a_hit_without_a_shared_word_still_shows_its_answering_sentence(mini_server):
    """No word of the query is in the passage: the snippet is the sentence closest in meaning, not the lead."""
    first = mini_server.get("/api/search", q="what resuscitation training do ICUs want", k=1).json()["results"][0]
    assert "ACLS" in first["snippet"] and "<mark>" not in first["snippet"]


def test_explain_shows_the_name_score_for_job_title_queries_only(mini_server):
    title = mini_server.get("/api/search", q="ward nurse", k=3, explain="true").json()["results"]
    assert title[0]["title"] == "Registered Nurse"
    assert title[0]["explain"]["name_score"] == max(r["explain"]["name_score"] for r in title) > 0.3
    question = mini_server.get("/api/search", q="what does a ward nurse do", k=3, explain="true").json()["results"]
    assert {r["explain"].get("name_score") for r in question} == {None}  # absent: the API omits empty fields


def test_result_options_per_doc_filters_k_and_explain(mini_server):
    def search(**params):
        r = mini_server.get("/api/search", **params)
        assert r.status_code == 200, r.text
        return r.json()["results"]

    default = search(q="engineer salary", k=100)
    per_doc = Counter(r["doc_id"] for r in default)
    assert max(per_doc.values()) == 2 and len(per_doc) >= 3  # one page covers several careers
    unlimited = search(q="engineer salary", k=100, per_doc=0)
    assert len(unlimited) > len(default) and max(Counter(r["doc_id"] for r in unlimited).values()) > 2
    assert {r["doc_id"] for r in search(q="salary", doc="principal", per_doc=0)} == {"principal-engineer"}
    assert {r["title"] for r in search(q="salary", title="NURSE", per_doc=0)} == {"Registered Nurse"}
    sections = search(q="salary", section="by city", per_doc=0)
    assert sections and all("By City" in r["section"] for r in sections)
    assert search(q="salary", title="no such career") == []

    explained = search(q="principal engineer salary in Seattle", k=5, explain="true")
    assert [r["rank"] for r in explained] == [1, 2, 3, 4, 5]
    assert [r["score"] for r in explained] == sorted((r["score"] for r in explained), reverse=True)
    top = explained[0]["explain"]
    assert top["dense_rank"] >= 1 and top["lexical_rank"] >= 1
    assert top["dense_score"] > 0 and top["lexical_score"] > 0
    assert "explain" not in search(q="principal engineer salary in Seattle", k=1)[0]
    dense_only = search(q="principal engineer salary in Seattle", k=3, mode="dense", explain="true")
    assert all("lexical_rank" not in r["explain"] and r["explain"]["dense_rank"] >= 1 for r in dense_only)


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"q": ""}, "must not be empty"),
        ({"q": "   "}, "must not be empty"),
        ({"q": "x" * 1001}, "limit is 1000"),
        ({"q": "nurse", "k": 0}, "k:"),
        ({"q": "nurse", "k": 101}, "k:"),
        ({"q": "nurse", "k": "ten"}, "k:"),
        ({"q": "nurse", "mode": "magic"}, "mode:"),
    ],
)
def test_bad_queries_get_422_with_a_message(mini_server, params, fragment):
    r = mini_server.get("/api/search", **params)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


def test_query_syntax_characters_are_plain_text(mini_server):
    for q in ['"unbalanced', "nurse OR", "NEAR(a b)", "col:umn*", "a AND -b ^c", "SELECT * FROM passages;--"]:
        r = mini_server.get("/api/search", q=q)
        assert r.status_code == 200, (q, r.text)


def test_a_misspelled_question_is_corrected_and_answered(mini_server):
    body = mini_server.get("/api/search", q="principle enginer salry in seatle", k=1).json()
    assert body["corrected"] == "principal engineer salary in seattle"
    first = body["results"][0]
    assert first["section"] == "Salary Ranges › By City" and "<mark>Seattle</mark>" in first["snippet"]
    assert "corrected" not in mini_server.get("/api/search", q="principal engineer salary", k=1).json()


def test_a_long_question_is_searched_on_its_first_32_words_and_says_so(mini_server):
    """300 words within the 1,000 characters: it is answered as its first 32 words, and the response shows them."""
    q = "which certifications does a registered nurse need" + " ok" * 300
    assert len(q) <= 1000 and len(q.split()) > 200
    r = mini_server.get("/api/search", q=q, k=3)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[0]["title"] == "Registered Nurse"
    assert r.json()["corrected"] == " ".join(q.split()[:32])
    cut = mini_server.get("/api/search", q=" ".join(q.split()[:32]), k=3).json()["results"]
    assert [(x["passage_id"], x["score"]) for x in results] == [(x["passage_id"], x["score"]) for x in cut]


def test_documents_list_detail_and_404(mini_server):
    docs = mini_server.get("/api/documents").json()["documents"]
    titles = {d["title"] for d in docs}
    assert {"Principal Engineer", "Registered Nurse", "Platform Engineer", "Release Manager"} <= titles
    nurse = next(d for d in docs if d["title"] == "Registered Nurse")
    detail = mini_server.get(f"/api/documents/{nurse['doc_id']}").json()
    assert detail["title"] == "Registered Nurse" and detail["source"] == "registered-nurse.md"
    assert "Requirements › Education" in detail["sections"]
    assert len(detail["passages"]) == nurse["passages"] and {"passage_id", "section", "text"} <= set(
        detail["passages"][0]
    )
    assert detail["terms"] == []
    # with the question, the words the page marks in the document: as searched, spell-corrected, no stop words
    asked = mini_server.get(f"/api/documents/{nurse['doc_id']}", q="how much does a registred nurse earn").json()
    assert asked["terms"] == ["registered", "nurse", "earn"]
    marked = {p["text"][a:b].lower() for p in asked["passages"] for a, b in p["marks"]}
    assert marked == {"registered", "nurses", "nurse's", "nursing"}  # the forms the search matched, no other word
    assert all(p["marks"] == [] for p in detail["passages"])
    missing = mini_server.get("/api/documents/no-such-career")
    assert missing.status_code == 404 and "no document" in missing.json()["detail"]


def test_stats_and_openapi(mini_server):
    stats = mini_server.get("/api/stats").json()
    assert stats["model"] == CAREER_MODEL and stats["dimension"] == 384
    assert stats["documents"] == 6 and stats["passages"] > 6 and stats["build_id"]
    assert mini_server.get("/docs").status_code == 200
    assert "/api/search" in mini_server.get("/openapi.json").json()["paths"]


def test_not_ready_without_an_index_then_ready_once_built(tmp_path, start_server, settings):
    server = start_server(tmp_path / "idx", wait=False)
    r = server.json_when("/readyz", lambda r: "no index" in r.json().get("reason", ""))
    assert r.status_code == 503 and "rebuild_index.sh" in r.json()["reason"]
    s = server.get("/api/search", q="nurse")
    assert s.status_code == 503 and "not ready" in s.json()["detail"]
    build_index(MINI_CORPUS, tmp_path / "idx", settings, progress=False)
    server.wait_ready(30)
    assert server.get("/api/search", q="nurse").json()["results"][0]["title"] == "Registered Nurse"


def test_rebuild_switches_answers_without_failing_a_request(tmp_path, start_server, settings, mini_corpus_copy):
    index = tmp_path / "idx"
    settings = settings.model_copy(update={"embed_cache": tmp_path / "cache.sqlite"})  # counts of this test's own
    first = build_index(mini_corpus_copy, index, settings, progress=False)
    server = start_server(index)
    assert server.get("/api/search", q=BEEKEEPER_QUESTION).json()["results"][0]["title"] != "Beekeeper"
    rebuilt, statuses = rebuild_under_load(
        server.url, mini_corpus_copy, lambda: build_index(mini_corpus_copy, index, settings, progress=False)
    )
    assert server.get("/readyz").json()["build_id"] == rebuilt.manifest.build_id
    assert server.get("/api/search", q=BEEKEEPER_QUESTION).json()["results"][0]["title"] == "Beekeeper"
    assert len(statuses) > 5 and set(statuses) == {200}
    # only the new page's texts were embedded (its passage, sentences and name); the rest came from the cache
    assert rebuilt.cached == first.embedded and 0 < rebuilt.embedded <= 6


def test_a_build_from_another_model_is_refused_and_the_old_one_keeps_serving(tmp_path, start_server, settings):
    index = tmp_path / "idx"
    live = build_index(MINI_CORPUS, index, settings, progress=False).manifest.build_id
    server = start_server(index)
    foreign = "20990101T000000Z-foreign"
    shutil.copytree(index / "builds" / live, index / "builds" / foreign)
    manifest_path = index / "builds" / foreign / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "build_id": foreign, "model": "another-model"}))
    (index / "CURRENT").write_text(foreign + "\n")
    poll(lambda: "another-model" in server.log.read_text(), timeout=10, what="the refusal in the log")
    assert "refused" in server.log.read_text() and "another-model" in server.log.read_text()
    assert server.get("/readyz").json()["build_id"] == live
    assert server.get("/api/search", q="nurse").status_code == 200
    assert current_build_id(index) == foreign
    assert metric_samples(server)[("career_search_refused_builds_total", frozenset())] == 1
    # a later cleanup keeping one build would have deleted the build being served: it is spared
    prune(index, keep=1)
    assert (index / "builds" / live).is_dir() and (index / "builds" / foreign).is_dir()
    assert server.get("/api/search", q="nurse").status_code == 200


def test_health_reports_a_model_that_cannot_be_loaded_and_recovers_when_it_appears(tmp_path, start_server):
    model = tmp_path / "model"
    server = start_server(tmp_path / "idx", wait=False, env={"CAREER_SEARCH_MODEL": str(model)})
    health = server.json_when("/healthz", lambda r: r.status_code != 200)  # alive (200) while it starts, then not
    assert health.status_code == 503 and health.json()["status"] == "unhealthy"
    assert str(model) in health.json()["reason"] and "CAREER_SEARCH_MODEL" in health.json()["reason"]
    assert "cannot be loaded" in server.get("/readyz").json()["reason"]
    model.symlink_to(model_path(BUNDLED_MODEL))  # the model's volume is mounted late: the service picks it up
    server.json_when("/healthz", lambda r: r.status_code == 200)
    assert server.get("/healthz").json() == {"status": "ok"}
    assert "no index" in server.get("/readyz").json()["reason"]


def test_a_build_killed_half_way_leaves_the_old_index_serving(tmp_path, start_server, settings):
    index = tmp_path / "idx"
    live = build_index(MINI_CORPUS, index, settings, progress=False).manifest.build_id
    server = start_server(index)
    kill_build_midway(ROOT / "corpus", index)
    time.sleep(1)  # not a wait for something to happen: several reload polls in which nothing may change
    assert server.get("/readyz").json()["build_id"] == live
    assert server.get("/api/search", q="what does a principal engineer do").json()["results"][0]["title"] == (
        "Principal Engineer"
    )


def test_a_corpus_with_every_kind_of_bad_file_builds_and_serves_the_good_ones(tmp_path, start_server):
    corpus = make_bad_corpus(tmp_path)
    out = run_cli("indexer", "build", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--quiet")
    assert out.returncode == 0, out.stderr
    for name in ("bad/empty.md", "bad/truncated.pdf", "bad/locked.pdf", "bad/corrupt.docx", "bad/salaries.xlsx"):
        assert name in out.stdout
    server = start_server(tmp_path / "idx")
    titles = {d["title"] for d in server.get("/api/documents").json()["documents"]}
    assert "Pâtissier" in titles
    top = server.get("/api/search", q="pâtissier crème brûlée").json()["results"][0]
    assert top["title"] == "Pâtissier"


def metric_samples(server) -> dict[tuple[str, frozenset], float]:
    r = server.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def test_metrics_count_requests_searches_and_describe_the_live_build(mini_server):
    before = metric_samples(mini_server)
    assert mini_server.get("/api/search", q="what certifications does a registered nurse need").json()["results"]
    assert mini_server.get("/api/search", q="salary", title="no such career").json()["results"] == []
    mini_server.get("/api/documents/no-such-career")
    after = metric_samples(mini_server)

    def delta(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0) - before.get(key, 0)

    ok = {"method": "GET", "route": "/api/search", "status": "200"}
    assert delta("career_search_requests_total", **ok) == 2
    assert delta("career_search_request_duration_seconds_count", **ok) == 2
    assert delta("career_search_requests_total", method="GET", route="/api/documents/{doc_id}", status="404") == 1
    assert delta("career_search_searches_total", mode="hybrid") == 2
    assert delta("career_search_zero_result_searches_total") == 1
    assert delta("career_search_no_match_total") == 1  # nothing at all is no match too; the nurse question is answered
    assert delta("career_search_query_embedding_seconds_count") >= 1  # a new question (a repeated one is cached)
    build = mini_server.get("/api/stats").json()
    info = {dict(labels)["build_id"] for (name, labels) in after if name == "career_search_index_info"}
    assert info == {build["build_id"]}
    assert after[("career_search_index_documents", frozenset())] == build["documents"]
    assert after[("career_search_index_passages", frozenset())] == build["passages"]
    assert 0 <= after[("career_search_index_age_seconds", frozenset())] < 3600
    assert after[("career_search_reloads_total", frozenset())] == 1
    assert after[("career_search_refused_builds_total", frozenset())] == 0


def test_facet_requests_can_skip_snippets(mini_server):
    with_snippets = mini_server.get("/api/search", q="engineer salary", k=50, per_doc=0).json()["results"]
    cheap = mini_server.get("/api/search", q="engineer salary", k=50, per_doc=0, snippets="false").json()["results"]
    assert [(r["passage_id"], r["score"]) for r in cheap] == [(r["passage_id"], r["score"]) for r in with_snippets]
    assert {r["snippet"] for r in cheap} == {""} and all(r["snippet"] for r in with_snippets)


def test_several_workers_serve_follow_a_rebuild_and_add_up_their_metrics(
    tmp_path, start_server, settings, mini_corpus_copy
):
    index = tmp_path / "idx"
    build_index(mini_corpus_copy, index, settings, progress=False)
    server = start_server(index, env={"CAREER_SEARCH_WORKERS": "2"})

    def fresh(q: str) -> dict:  # a new connection each time, so that either worker may answer
        with httpx.Client(base_url=server.url, timeout=30) as client:
            return client.get("/api/search", params={"q": q}).json()

    (mini_corpus_copy / "beekeeper.md").write_text(
        "# Beekeeper\n\n## Overview\n\nA beekeeper looks after colonies of honey bees, inspects hives every week in "
        "summer, treats them for varroa mites and harvests honey and wax for sale at markets and to shops.\n"
    )
    build_index(mini_corpus_copy, index, settings, progress=False)
    query = "who looks after beehives and harvests honey"
    deadline, streak = time.monotonic() + 60, 0
    while streak < 20 and time.monotonic() < deadline:  # one worker left on the old build would break any streak
        streak = streak + 1 if fresh(query)["results"][0]["title"] == "Beekeeper" else 0
    assert streak == 20
    counted = sum(
        v
        for (name, labels), v in metric_samples(server).items()
        if name == "career_search_requests_total" and dict(labels)["route"] == "/api/search"
    )
    assert counted >= 20


def test_search_says_when_no_page_answers_well(mini_server):
    junk = mini_server.get("/api/search", q="qwxz plorbt vrenk").json()
    assert junk["no_match"] is True and junk["results"], "closest matches are still listed"
    assert all(0 <= r["relevance"] <= 1 for r in junk["results"])
    good = mini_server.get("/api/search", q="what does a principal engineer do", explain="true").json()
    assert good["no_match"] is False and good["results"][0]["title"] == "Principal Engineer"
    assert good["results"][0]["relevance"] > junk["results"][0]["relevance"]
    # explain shows what each relevance was computed from and the configuration the build serves
    assert set(good["ranking"]["relevance"]["features"]) <= set(good["results"][0]["explain"]["features"])
    assert good["ranking"]["fusion"]["candidates"] >= 10
    lexical = mini_server.get("/api/search", q="principal engineer", mode="lexical").json()
    assert lexical["no_match"] is False and "relevance" not in lexical["results"][0]


def test_facets_count_the_whole_matching_set_and_exact_filters_keep_exactly_their_value(mini_server):
    def search(**params) -> dict:
        r = mini_server.get("/api/search", **params)
        assert r.status_code == 200, r.text
        return r.json()

    body = search(q="engineer salary")
    careers = {c["doc_id"]: c for c in body["facets"]["careers"]}
    sections = {s["section"]: s["count"] for s in body["facets"]["sections"]}
    # counted over every passage the search matched, not the 10 it returned (at most 2 per career)
    assert sum(c["count"] for c in careers.values()) > len(body["results"])
    assert careers["principal-engineer"]["title"] == "Principal Engineer"
    assert "Salary Ranges" in sections and not any(" › " in s for s in sections)  # top-level sections
    counts = [c["count"] for c in body["facets"]["careers"]]
    assert counts == sorted(counts, reverse=True)

    # a career's count is what a search filtered to that career finds (the small corpus: every passage matches)
    for doc_id, facet in careers.items():
        only = search(q="engineer salary", career=doc_id, k=100, per_doc=0)
        assert {r["doc_id"] for r in only["results"]} == {doc_id}
        assert len(only["results"]) == facet["count"]
        assert [c["doc_id"] for c in only["facets"]["careers"]] == [doc_id]

    # exact filters against the substring ones: doc= matches longer ids, career= only that id
    loose = {r["doc_id"] for r in search(q="engineer", doc="careers-page", k=100, per_doc=0)["results"]}
    exact = {r["doc_id"] for r in search(q="engineer", career="careers-page", k=100, per_doc=0)["results"]}
    assert exact == {"careers-page"} and len(loose) > 1
    both = search(q="engineer", career=["careers-page", "principal-engineer"], k=100, per_doc=0)["results"]
    assert {r["doc_id"] for r in both} == {"careers-page", "principal-engineer"}
    assert search(q="engineer", career="careers")["results"] == []  # no prefix or substring match

    # section_path= is a heading path and the sections under it, exactly; section= any heading containing it
    under = search(q="salary", section_path="Salary Ranges", k=100, per_doc=0)["results"]
    assert "Salary Ranges › By City" in {r["section"] for r in under}
    assert all(r["section"] == "Salary Ranges" or r["section"].startswith("Salary Ranges › ") for r in under)
    assert len(under) == sections["Salary Ranges"]
    assert search(q="salary", section_path="salary ranges")["results"] == []
    assert search(q="salary", section_path="Salary")["results"] == []
    assert search(q="salary", section="salary", k=100, per_doc=0)["results"]
    deep = search(q="salary", section_path="Salary Ranges › By City", k=100, per_doc=0)
    assert {r["section"] for r in deep["results"]} == {"Salary Ranges › By City"}
    assert deep["facets"]["sections"] == [{"section": "Salary Ranges", "count": len(deep["results"])}]


def test_answers_are_the_same_alone_and_under_load_to_the_byte(mini_server, mini_index, start_server):
    """A lone search may embed its query on more threads than one among several: the answer must not show it.
    The same questions, each new to its server, asked one at a time of a server that always uses one thread and
    eight at a time of one that uses more when alone: the same bodies, but for took_ms."""
    one_thread = start_server(mini_index, env={"CAREER_SEARCH_QUERY_THREADS": "1"})
    took = re.compile(rb'"took_ms":[0-9.e+-]+')
    lines = (ROOT / "tests" / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:24]
    variants = [{}, {"mode": "dense", "k": 3}, {"explain": "true"}, {"snippets": "false", "per_doc": 0}]
    params = [{"q": f"{json.loads(line)['query']} today", **variants[i % 4]} for i, line in enumerate(lines)]

    def body(server, p: dict) -> bytes:
        r = httpx.get(server.url + "/api/search", params=p, timeout=60)
        assert r.status_code == 200, r.text
        return took.sub(b'"took_ms":0', r.content)

    alone = {i: body(mini_server, p) for i, p in enumerate(params)}  # one at a time (two threads on a quiet machine)
    with ThreadPoolExecutor(8) as pool:
        busy = dict(enumerate(pool.map(lambda p: body(mini_server, {**p, "q": p["q"] + " now"}), params)))
    for i, p in enumerate(params):
        assert body(one_thread, p) == alone[i], p
        assert body(one_thread, {**p, "q": p["q"] + " now"}) == busy[i], p
