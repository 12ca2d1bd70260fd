"""Snippets: the best-matching sentences, escaped, with the query's words marked."""

from service.snippets import best_sentences, make_snippet

TEXT = (
    "Nurses work long shifts. The NCLEX-RN exam is required before a first job.\n"
    "• Salaries in Boston average $98,000 a year.\n"
    "Certifications\n"
    "Basic Life Support is renewed every two years."
)


def test_picks_the_sentence_that_matches_the_query():
    assert best_sentences(TEXT, ["salary", "boston"]).startswith("Salaries in Boston average $98,000 a year.")


def test_marks_query_words_and_their_forms():
    snippet = make_snippet(TEXT, ["salary", "boston"])
    assert "<mark>Salaries</mark> in <mark>Boston</mark>" in snippet


def test_a_heading_line_is_not_glued_on_as_a_second_sentence():
    assert "Certifications" not in best_sentences(TEXT, ["boston"])


def test_document_text_is_escaped():
    snippet = make_snippet("Use <script>alert(1)</script> & <b>tags</b> carefully.", ["tags"])
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "&lt;b&gt;<mark>tags</mark>&lt;/b&gt;" in snippet


def test_a_semantic_only_hit_still_gets_its_lead_sentences():
    assert (
        best_sentences(TEXT, ["zebra"]) == "Nurses work long shifts. The NCLEX-RN exam is required before a first job."
    )


def test_snippets_are_safe_from_many_request_threads_at_once():
    """The stemmer keeps state while it works; shared between threads it crashed requests during a rebuild."""
    from concurrent.futures import ThreadPoolExecutor

    words = [f"{w}{i}" for i in range(2000) for w in ("organizational", "responsibilities", "engineering")]
    with ThreadPoolExecutor(8) as pool:
        snippets = list(pool.map(lambda w: make_snippet(f"The {w} and {w}s matter.", [w]), words))
    assert all("<mark>" in s for s in snippets)
