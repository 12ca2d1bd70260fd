"""Typo tolerance: misspelled query words become the index's own words; everything else is left as typed."""

from indexer.spelling import Speller

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
