"""A career's other names, spelled out for the model: "SRE" is embedded with "Site Reliability Engineer" beside it."""

from indexer.analysis.analyzer import Analyzer
from indexer.builds.snapshot import open_snapshot
from indexer.search.aliases import AliasTitles, Career
from indexer.search.searcher import Searcher

CAREERS = [
    Career("Site Reliability Engineer", ["SRE", "Senior SRE", "Production Engineer"]),
    Career("Account Executive", ["AE", "Sales Rep"]),
    Career("Analytics Engineer", ["AE", "BI Engineer"]),
]


def test_an_alias_gets_its_careers_title_beside_it():
    titles = AliasTitles(CAREERS, Analyzer())
    assert titles.expand("what does an SRE do") == "what does an SRE (Site Reliability Engineer) do"
    assert titles.expand("sres on call") == "sres (Site Reliability Engineer) on call"
    assert titles.expand("Senior SRE salary") == "Senior SRE (Site Reliability Engineer) salary"
    assert titles.expand("sales rep vs bi engineer") == (
        "sales rep (Account Executive) vs bi engineer (Analytics Engineer)"
    )


def test_queries_that_already_name_the_career_or_use_a_shared_alias_are_left_alone():
    titles = AliasTitles(CAREERS, Analyzer())
    for query in ["site reliability engineer vs SRE", "AE salary", "presre tooling", "what does a nurse do"]:
        assert titles.expand(query) == query
    assert AliasTitles([], Analyzer()).expand("what does an SRE do") == "what does an SRE do"


def test_a_query_by_alias_lands_closer_to_the_career(mini_index, embedder):
    searcher = Searcher(open_snapshot(mini_index), embedder)
    lead = searcher.snapshot.documents["registered-nurse"].passage_rows[0]
    vector = searcher.snapshot.passage_store.vector(lead)
    with_titles = float(vector @ searcher.embed(searcher.question("what does an RN do")))
    searcher.alias_titles = AliasTitles([], searcher.analyzer)
    without = float(vector @ searcher.embed(searcher.question("what does an RN do")))
    assert with_titles > without + 0.05
