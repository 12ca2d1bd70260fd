"""The "no good match" decision and each result's relevance: on the default corpus, from the fitted ranking.json."""

from __future__ import annotations

import threading

import pytest

from indexer.analysis.analyzer import Analyzer
from indexer.builds.snapshot import open_snapshot
from indexer.ranking import RankingConfig, Relevance, load_ranking
from indexer.search.relevance import coverage, no_match, word_evidence
from indexer.search.searcher import Searcher


@pytest.fixture(scope="module")
def searcher(corpus_index, embedder) -> Searcher:
    return Searcher(open_snapshot(corpus_index), embedder)


@pytest.mark.parametrize(
    "query",
    [
        "pilot salary",  # a career no page covers; "salary" alone matches every page's salary section
        "asdkjh qwe",
        "ingeniero de datos salario",  # another language, searched as typed
        "how many days of parental leave do I get",  # HR policy, not a career page
    ],
)
def test_questions_no_page_answers_are_flagged_with_closest_matches(searcher, query):
    hits = searcher.search(query, k=5)
    assert hits, "the closest matches are still returned"
    assert searcher.no_match(hits)
    assert 0 <= hits[0].relevance < searcher.config.relevance.threshold


@pytest.mark.parametrize(
    "query, title",
    [
        ("what does a principal engineer do", "Principal Engineer"),
        ("skills needed for site reliability engineer", "Site Reliability Engineer"),
        ("how much does a registered nurse make", "Registered Nurse"),
    ],
)
def test_answerable_questions_are_not_flagged(searcher, query, title):
    hits = searcher.search(query, k=5)
    assert not searcher.no_match(hits)
    assert hits[0].passage.title == title
    assert hits[0].relevance >= searcher.config.relevance.threshold


def test_the_spanish_question_is_searched_as_typed(searcher):
    assert searcher.correct("ingeniero de datos salario") == "ingeniero de datos salario"


def test_the_shipped_configuration_is_fitted_and_says_on_what():
    relevance = load_ranking().relevance
    assert relevance.features and 0 < relevance.threshold < 1
    assert "tune" in relevance.fitted and "out of fold" in relevance.fitted


def test_an_unfitted_model_flags_only_an_empty_answer():
    unfitted = RankingConfig().relevance
    assert not no_match(unfitted, None, any_results=True)
    assert no_match(unfitted, None, any_results=False)
    with pytest.raises(ValueError, match="same length"):
        Relevance(features=("dense",), weights=())


def test_coverage_weighs_rare_words_more():
    idf, known = word_evidence([["pilot"], ["zzqx"]], {"pilot": 3}, texts=100)
    assert known == [True, False] and idf[1] > idf[0]
    assert coverage(idf, known) < 0.5 and coverage([], []) == 0.0


def test_a_phrase_counts_where_its_words_stand_together_not_apart():
    """"chief technology officer" in a page that says "Chief Operating Officer" and "technology" elsewhere: every word
    is there, no pair of them is; "head of engineering" is the pair "head engineering" across a stop word."""
    from indexer.search.relevance import QueryEvidence, features

    analyzer = Analyzer()
    texts = ["Chief Operating Officer, then technology", "the chief technology officer and the head of engineering"]
    apart, together = (toks | pairs for toks, pairs in analyzer.token_sets([0, 1], texts))
    asked = ["chief", "technology", "officer"]
    words = [sorted(toks) for toks, _ in analyzer.token_sets(asked, asked)]
    pairs = analyzer.token_sets(["q"], ["chief technology officer"])[0][1]
    q = QueryEvidence(words, [1.0] * 3, [True] * 3, 0.3, 0.5, 5.0, pairs)
    values = [features(q, 0.5, toks, set(), 0.4, (1, 1), False) for toks in (apart, together)]
    assert [v["hit_coverage"] for v in values] == [1.0, 1.0]
    assert [v["pair_coverage"] for v in values] == [0.0, 1.0]
    assert "head engin" in together


def test_tokens_are_the_same_from_concurrent_threads():
    texts = [f"engineering managers prioritising {i} deployments" for i in range(300)]
    analyzer = Analyzer(limit=100)  # small: threads evict one another's tokens while they read
    expected = [Analyzer().tokenize([t])[0] for t in texts]
    got: list[list[list[str]]] = []

    def work() -> None:
        got.append([analyzer.tokenize([t])[0] for t in texts])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [expected] * 8
