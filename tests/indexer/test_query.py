"""What a user typed becomes a safe lexical query: question phrasing dropped, no operators."""

import sqlite3

from indexer.analysis.analyzer import terms
from indexer.search.question import clip_words
from indexer.stores.lexical.sqlite_fts import fts_match


def test_question_phrasing_does_not_drown_the_content_words():
    assert terms("What does a principal engineer do?") == ["principal", "engineer"]
    assert terms("What is the salary of a registered nurse in Boston") == ["salary", "registered", "nurse", "boston"]
    assert terms("C++ and C# jobs, $150k") == ["c++", "c#", "jobs", "$150k"]


def test_fts_syntax_in_user_input_is_matched_as_words():
    """Every word is a quoted FTS5 string: operators, quotes, columns and stars in the input are plain text."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    db.executemany("INSERT INTO t VALUES (?)", [("nurses or doctors near the ward",), ("column star",)])

    def matched(typed: str) -> list[str]:
        rows = db.execute("SELECT body FROM t WHERE t MATCH ? ORDER BY rowid", (fts_match(terms(typed)),))
        return [body for (body,) in rows]

    ward, column = "nurses or doctors near the ward", "column star"
    assert matched('"unbalanced nurses') == [ward]
    assert matched("NEAR(ward doctors") == [ward]  # NEAR is a word here, not a proximity group
    assert matched("column:star*") == [column]  # not a column filter nor a prefix query
    assert matched("nurses -column") == [ward, column]  # a minus excludes nothing
    assert matched("b AND NOT c") == []  # no match and no syntax error
    # words that reach FTS5 as typed are still quoted strings, whatever they hold
    raw = fts_match(["NOT", "ward", "AND", "column:", 'st"ar', "c++"])
    assert [b for (b,) in db.execute("SELECT body FROM t WHERE t MATCH ? ORDER BY rowid", (raw,))] == [ward, column]
    assert fts_match(['"', "-", "*"]) == ""  # nothing searchable: no query rather than a syntax error


def test_inputs_longer_than_the_model_sees_are_cut_not_rejected():
    words = [f"w{i}" for i in range(300)]
    assert clip_words(" ".join(words), 200) == " ".join(words[:200])
    assert clip_words("what does a  nurse do", 200) == "what does a  nurse do"  # short input untouched


def test_job_titles_are_told_apart_from_questions():
    from indexer.ranking import load_ranking
    from indexer.search.question import names_a_job

    words = load_ranking().fusion.title_max_words

    def title(text: str) -> bool:
        return names_a_job(text, words)

    assert title("ICT help desk agent") and title("staff MLE pay")
    assert not title("what does a nurse do")
    assert not title("nurse salary boston?")
    assert not title("senior data engineer skills for cloud migration projects")
