"""Late-chunked sentence vectors (CAREER_SEARCH_SENTENCE_VECTORS=late): a passage's pass of the model gives its own
vector, the same as embedding it, and its sentences'; a build made so searches, and rebuilds from its cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.analysis.text import sentence_units
from indexer.builds.build import build_index
from indexer.builds.layout import SENTENCE_MIN_WORDS
from indexer.builds.snapshot import open_snapshot
from indexer.embed import get_embedder
from indexer.embed.late import late_vectors
from indexer.ingest.corpus import read_corpus
from indexer.ingest.passages import passages_of, sentence_spans
from indexer.search.searcher import Searcher
from indexer.settings import Settings
from tests.helpers import MINI_CORPUS, ROOT

PASSAGE = (
    "Registered Nurse › Shifts: Nurses work twelve-hour shifts. Night shifts pay a differential of 10 to 15 percent. "
    "Most hospitals rotate new nurses through nights in their first year."
)


@pytest.mark.parametrize("backend", ["onnx", pytest.param("torch", marks=pytest.mark.slow)])
def test_a_passage_pass_gives_its_vector_and_each_sentences(backend):
    embedder = get_embedder(Settings(embedder=backend))
    second = PASSAGE.index("Night")
    spans = [[(second, PASSAGE.index(" Most"))], [(PASSAGE.index("Most"), len(PASSAGE))]]
    whole, (parts,) = late_vectors(embedder, [PASSAGE], [spans])
    assert float(whole[0] @ embedder.encode([PASSAGE])[0]) > 0.9999  # the passage's vector, as embedding it gives
    night, first_year = parts
    assert night is not None and first_year is not None
    assert abs(float(np.linalg.norm(night)) - 1) < 1e-5
    # each sentence's vector is nearer a question about that sentence than about the other one
    q = embedder.encode(["night shift pay differential", "nurse first year rotation"])
    assert q[0] @ night > q[0] @ first_year and q[1] @ first_year > q[1] @ night


def test_a_sentence_past_the_models_window_has_no_late_vector(embedder):
    long = "Intro words here. " * 200 + "The last sentence is far past the window."
    _, ((cut,),) = late_vectors(embedder, [long], [[[(long.index("The last"), len(long))]]])
    assert cut is None  # the build embeds such a sentence on its own


def test_each_sentence_span_is_that_sentence_in_its_passages_embed_text():
    """Over the default corpus: every sentence a build embeds is found where its late vector pools."""
    documents = read_corpus(ROOT / "corpus").documents
    checked = 0
    for doc in documents:
        for p in passages_of(doc):
            text = p.embed_text(doc.aliases)
            units = sentence_units(p.text, min_words=SENTENCE_MIN_WORDS)
            spans = sentence_spans(p, doc.aliases, SENTENCE_MIN_WORDS)
            assert [text[s:e] for ((s, e),) in spans] == list(units)
            checked += len(units)
    assert checked > 3000


def test_a_late_build_searches_and_rebuilds_from_its_cache(tmp_path: Path, settings: Settings):
    late = settings.model_copy(update={"sentence_vectors": "late"})
    index = tmp_path / "idx"
    first = build_index(MINI_CORPUS, index, late, progress=False)
    assert first.pooled > 0 and first.embedded < first.pooled  # most sentences cost no pass of their own
    assert first.manifest.recipe["sentence_vectors"] == "late"
    searcher = Searcher(open_snapshot(index), get_embedder(late))
    try:
        hits = searcher.search("do nurses rotate between day and night weeks", k=3)
        assert hits and hits[0].passage.doc_id == "registered-nurse"
    finally:
        searcher.snapshot.close()
    again = build_index(MINI_CORPUS, index, late, progress=False, force=True)
    assert again.embedded == 0 and again.pooled == 0  # every vector from the cache
    separate = build_index(MINI_CORPUS, index, settings, progress=False)
    assert not separate.up_to_date  # switching back is a real rebuild
