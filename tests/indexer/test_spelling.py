"""Typo tolerance: misspelled query words become the index's own words; everything else is left as typed."""

from indexer.search.spelling import Speller

TEXTS = [
    "A principal engineer in Seattle earns a base salary with equity on top.",
    "A registered nurse renews Basic Life Support and holds certifications such as ACLS.",
    "Principal engineers set direction; a principal engineer reviews designs; the principal engineer mentors staff.",
]


def test_misspelled_words_are_corrected_to_the_nearest_indexed_word():
    speller = Speller(TEXTS)
    assert speller.correct("principle enginer salry in seatle") == "principal engineer salary in seattle"
    assert speller.correct("registred nurse certificatons") == "registered nurse certifications"


def test_known_short_and_far_words_are_left_as_typed():
    speller = Speller(TEXTS)
    assert speller.correct("Principal Engineer ACLS") == "Principal Engineer ACLS"  # known: case kept
    assert speller.correct("teh RN") == "teh RN"  # three letters or fewer: too short to guess
    assert speller.correct("zzqxvw nurse") == "zzqxvw nurse"  # nothing within two edits
    assert speller.correct("a nurse's pay?") == "a nurse's pay?"  # punctuation and stop words untouched


def test_a_question_in_another_language_is_searched_as_typed():
    """Its words are not typos of English ones: "ingeniero de datos salario" must not become "... dates salary"."""
    speller = Speller([*TEXTS, "A data engineer builds pipelines; the salary of dates and data."])
    assert speller.correct("ingeniero de datos salario") == "ingeniero de datos salario"
    assert speller.correct("enfermera registrada sueldo") == "enfermera registrada sueldo"
    assert speller.correct("salario") == "salary"  # one word alone is still corrected
    assert speller.correct("registred nurse salry") == "registered nurse salary"  # typos are one edit away


def test_the_neighbouring_words_choose_between_equally_close_corrections():
    """A word one letter from both "register" and "registered" becomes the one that goes with its neighbour."""
    speller = Speller([*TEXTS, "Patients register at the front desk before the visit."])
    assert speller.correct("registerd nurse salary") == "registered nurse salary"
    assert speller.correct("patients registerd") == "patients register"  # the other neighbour, the other word


def test_real_words_the_corpus_does_not_use_are_kept_unless_the_context_says_typo():
    speller = Speller([*TEXTS, "A product manager in San Francisco owns the roadmap.", "A coding boot camp."] * 3)
    assert speller.correct("span of control") == "span of control"  # not "san of control"
    assert speller.correct("salary boost") == "salary boost"  # not "boot": no neighbour suggests a typo
    assert speller.correct("product manger roadmap") == "product manager roadmap"  # "product manager" is known
    assert speller.correct("principle engineer") == "principal engineer"
    assert speller.correct("engineering principle") == "engineering principle"  # no known pair: left as typed
    once = Speller([*TEXTS, "A product manager owns the roadmap."])
    assert once.correct("product manger") == "product manger"  # a pair seen once is too little to overrule a word


def test_abbreviations_of_indexed_words_are_kept():
    speller = Speller(["Total compensation includes equity.", "The company offers a com-style domain."])
    assert speller.correct("total comp") == "total comp"  # begins "compensation": an abbreviation, not "com"


# Corrections of questions in tests/eval/questions*.jsonl as the vocabulary scan made them before the symmetric-delete
# index replaced it: all 466 questions of both files are corrected identically by the two.
KNOWN = {
    "registerd nurse night shift differantial pay": "registered nurse night shift differential pay",
    "principle data enginer how much hands on coding": "principal data engineer how much hands on coding",
    "principle enginer total comp big tech": "principal engineer total comp big tech",
    "enginering manger book recomendations": "engineering manager book recommendations",
    "devopps certifcation for azure": "devops certification for azure",
    "tech recruter how many open reqs": "tech recruiter how many open reps",
    "hih school teachr starting salery": "hih school teacher starting salary",
    "digitial marketing specalist career progression": "digital marketing specialist career progression",
    "fronted engineer end to end testing tools playwrite": "frontend engineer end to end testing tools playwrite",
    "span of control for an engineering manager": "span of control for an engineering manager",
    "what does a principal engineer do": "what does a principal engineer do",
}


def test_questions_are_corrected_against_the_corpus_as_before(corpus_index):
    from indexer.builds.snapshot import open_snapshot
    from indexer.search.searcher import Searcher

    searcher = Searcher(open_snapshot(corpus_index), embedder=None)
    assert {q: searcher.correct(q) for q in KNOWN} == KNOWN
    junk = " ".join(f"qzx{i}vbnw kjhgfdsa" for i in range(60))[:1000]  # nothing near: every word left as typed
    assert searcher.correct(junk) == " ".join(junk.split()[:32])  # and searched on its first 32 words


def test_counts_hold_across_chunks_of_texts(monkeypatch):
    """Texts are counted a few at a time: how often a word occurs, and which content words stand together, come
    out the same whatever the chunk size, and two texts never make a pair across their boundary."""
    from indexer.search import spelling

    texts = [*TEXTS, "engineer", "salary of the principal", "nurse nurse nurse"]
    whole = Speller(texts)
    monkeypatch.setattr(spelling, "CHUNK", 2)
    chunked = Speller(texts)
    assert chunked.counts == whole.counts and chunked.counts["nurse"] == 4
    assert chunked._pair("principal", "engineer") == whole._pair("principal", "engineer") == 3
    assert chunked._pair("salary", "principal") == 1  # "of the" between them are stop words
    assert chunked._pair("engineer", "salary") == 0  # the end of one text and the start of the next
