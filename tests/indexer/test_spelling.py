"""Typo tolerance: misspelled query words become the index's own words; everything else is left as typed."""

from indexer.spelling import Speller

TEXTS = [
    "A principal engineer in Seattle earns a base salary with equity on top.",
    "A registered nurse renews Basic Life Support and holds certifications such as ACLS.",
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
