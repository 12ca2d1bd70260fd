"""Snippets: the best-matching sentences, escaped, with the query's words marked."""

from dataclasses import replace

from indexer.analysis.analyzer import Analyzer
from indexer.ranking import Snippets
from indexer.search.snippets import best_sentences, make_snippet, marked_words, utf16_spans

A = Analyzer()
RULES = Snippets()
ONE, TWO = replace(RULES, max_sentences=1), replace(RULES, max_sentences=2)

TEXT = (
    "Nurses work long shifts. The NCLEX-RN exam is required before a first job.\n"
    "• Salaries in Boston average $98,000 a year.\n"
    "Certifications\n"
    "Basic Life Support is renewed every two years."
)


def test_picks_the_sentence_that_matches_the_query():
    assert "Salaries in Boston average $98,000 a year." in best_sentences(A, TEXT, ["salary", "boston"])


def test_semantic_similarity_picks_a_sentence_without_query_words():
    sims = {"Nurses work long shifts.": 0.2, "Basic Life Support is renewed every two years.": 0.7}
    assert "Basic Life Support" in best_sentences(A, TEXT, ["resuscitation"], sims=sims)


def test_sentences_keep_passage_order_and_show_a_gap():
    text = "Alpha one here. Beta two here. Gamma three here. Delta zebra here. Epsilon five here."
    assert best_sentences(A, text, ["zebra", "alpha"], {"zebra": 3.0, "alpha": 2.0}, rules=TWO) == (
        "Alpha one here. … Delta zebra here."
    )


def test_the_third_sentence_carries_on_from_the_best_ones():
    """The answer to "how do I get promoted" is the sentence after the one that names the promotion."""
    text = (
        "Staff is a senior level. Getting from senior to staff is the hardest promotion. "
        "Engineers usually need a sponsor and a visible project. Many companies ask for a promotion packet. "
        "Some switch to management."
    )
    weights = {"promoted": 5.0, "senior": 0.3, "staff": 0.3}
    out = best_sentences(A, text, ["promoted", "senior", "staff"], weights)
    assert out == (
        "Getting from senior to staff is the hardest promotion. Engineers usually need a sponsor and a visible "
        "project. Many companies ask for a promotion packet."
    )


def test_a_single_sentence_between_chosen_ones_is_filled_in():
    """Three parallel answers: "…" in the middle of them would hide one."""
    text = "Prelude here. Some become scientists. Some become engineers. Some become managers. Coda zebra here."
    sims = {"Some become scientists.": 0.9, "Some become managers.": 0.8, "Coda zebra here.": 0.1}
    out = best_sentences(A, text, ["career"], sims=sims)
    assert out == "Some become scientists. Some become engineers. Some become managers."


def test_the_snippet_stays_within_its_length():
    text = " ".join(f"Sentence number {i} talks about the zebra at some length, more than most." for i in range(12))
    assert len(best_sentences(A, text, ["zebra"], rules=replace(RULES, max_chars=200))) <= 200


def test_adjacent_list_items_are_separated():
    text = "Junior analyst (0-2 years): $60,000\nSenior analyst (5+ years): $95,000\nLead analyst: $120,000"
    out = best_sentences(A, text, ["junior", "senior"], {"junior": 2.0, "senior": 2.0}, rules=TWO)
    assert out == "Junior analyst (0-2 years): $60,000 · Senior analyst (5+ years): $95,000"


def test_how_many_questions_prefer_a_sentence_with_a_figure():
    text = "Managers coach their team every week. Each manager has 6 to 9 direct reports."
    assert best_sentences(A, text, ["manager"], wants_number=True, rules=ONE) == (
        "Each manager has 6 to 9 direct reports."
    )


def test_marks_query_words_and_their_forms():
    snippet = make_snippet(A, TEXT, ["salary", "boston"])
    assert "<mark>Salaries</mark> in <mark>Boston</mark>" in snippet


def test_a_heading_line_is_not_glued_on_as_a_second_sentence():
    assert "Certifications" not in best_sentences(A, TEXT, ["boston"])


def test_document_text_is_escaped():
    snippet = make_snippet(A, "Use <script>alert(1)</script> & <b>tags</b> carefully.", ["tags"])
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "&lt;b&gt;<mark>tags</mark>&lt;/b&gt;" in snippet


def test_a_hit_without_query_words_or_similarities_gets_its_lead_sentences():
    assert best_sentences(A, TEXT, ["zebra"]) == (
        "Nurses work long shifts. The NCLEX-RN exam is required before a first job. Salaries in Boston average "
        "$98,000 a year."
    )


def test_snippets_are_safe_from_many_request_threads_at_once():
    """The stemmer keeps state while it works; shared between threads it crashed requests during a rebuild."""
    from concurrent.futures import ThreadPoolExecutor

    words = [f"{w}{i}" for i in range(2000) for w in ("organizational", "responsibilities", "engineering")]
    with ThreadPoolExecutor(8) as pool:
        snippets = list(pool.map(lambda w: make_snippet(A, f"The {w} and {w}s matter.", [w]), words))
    assert all("<mark>" in s for s in snippets)


def test_words_match_as_the_index_tokenizes_them():
    """The index's tokenizer decides: a possessive and a hyphenated word are found by their parts, as the search finds
    them; a word that only starts like a query word is not."""
    text = "The Analyst's week: on-call duties, analysis and analytics."
    marked = [text[a:b] for a, b in marked_words(A, text, ["analyst", "call"])]
    assert marked == ["Analyst's", "on-call"]


def test_mark_offsets_count_as_javascript_does():
    text = "🚀 Nurses earn"
    spans = marked_words(A, text, ["nurse"])
    assert [text[a:b] for a, b in spans] == ["Nurses"] and utf16_spans(text, spans) == [(3, 9)]

