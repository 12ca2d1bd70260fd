"""Turns search hits into the API's response objects; shared by the HTTP API and the `ask` command."""

from __future__ import annotations

import time

import numpy as np

from indexer.builds.snapshot import StoredPassage
from indexer.search.facets import count_facets
from indexer.search.question import Question
from indexer.search.searcher import Filters, Searcher
from indexer.search.snippets import make_snippet, marked_words, utf16_spans
from service.schemas import (
    CareerCount,
    DocumentDetail,
    Explain,
    Facets,
    PassageOut,
    Result,
    SearchResponse,
    SectionCount,
)


def answer(
    searcher: Searcher,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    per_doc: int = 2,
    filters: Filters | None = None,
    explain: bool = False,
    snippets: bool = True,
) -> SearchResponse:
    # counted while it runs: a search that runs alone gets more threads for its query's embedding
    with searcher.embedder.searching():
        return _answer(searcher, query, k, mode, per_doc, filters, explain, snippets)


def _answer(
    searcher: Searcher,
    query: str,
    k: int,
    mode: str,
    per_doc: int,
    filters: Filters | None,
    explain: bool,
    snippets: bool,
) -> SearchResponse:
    started = time.perf_counter()
    question = searcher.question(query)
    found = searcher.find(question, k=k, mode=mode, per_doc=per_doc, filters=filters)
    hits = found.hits
    vector = searcher.embed(question) if snippets and hits else None  # once for every snippet
    if snippets:
        searcher.analyzer.learn(h.passage.text for h in hits)
    results = [
        Result(
            rank=h.rank,
            score=round(h.score, 5),
            title=h.passage.title,
            section=h.passage.section,
            text=h.passage.text,
            snippet=snippet_for(searcher, h.passage, question, vector) if snippets else "",
            doc_id=h.passage.doc_id,
            passage_id=h.passage.passage_id,
            source=h.passage.source,
            relevance=None if h.relevance is None else round(h.relevance, 4),
            explain=Explain(
                dense_rank=h.dense_rank,
                lexical_rank=h.lexical_rank,
                dense_score=h.dense_score,
                lexical_score=h.lexical_score,
                name_score=h.name_score,
                features=None if h.features is None else {k: round(v, 4) for k, v in h.features.items()},
            )
            if explain
            else None,
        )
        for h in hits
    ]
    counted = count_facets(searcher.snapshot, found.pool)
    facets = Facets(
        careers=[CareerCount(doc_id=d, title=t, count=n) for d, t, n in counted.careers],
        sections=[SectionCount(section=s, count=n) for s, n in counted.sections],
    )
    took = (time.perf_counter() - started) * 1000
    return SearchResponse(
        query=query,
        took_ms=round(took, 2),
        mode=mode,
        corrected=question.corrected,
        no_match=searcher.no_match(hits) if mode != "lexical" else not hits,
        results=results,
        facets=facets,
        ranking=searcher.config.to_dict() if explain else None,
    )


def snippet_for(
    searcher: Searcher, passage: StoredPassage, question: Question, vector: np.ndarray | None = None
) -> str:
    """The passage's snippet for a question: its best sentences, escaped, the question's words marked. `vector` is
    the question's embedding, if the caller has it."""
    if vector is None:
        vector = searcher.embed(question)
    return make_snippet(
        searcher.analyzer,
        passage.text,
        question.terms,
        weights=searcher.term_weights(question.terms, passage.doc_id),
        sims=searcher.snapshot.sentence_similarities(passage.row, vector),
        wants_number=question.wants_number,
        rules=searcher.config.snippets,
    )


def document_detail(
    searcher: Searcher, doc_id: str, query: str = "", viewer: frozenset[str] | None = None
) -> DocumentDetail | None:
    """One document with its section labels and passages, or None for an unknown id; with a query, also the
    query's content words as searched, so the page marks the same words the snippets do."""
    snap = searcher.snapshot
    d = snap.documents.get(doc_id)
    if d is None or not Filters(viewer=viewer).may_see(d.audience):  # a hidden document is "not found"
        return None
    words = list(searcher.question(query).terms) if query.strip() else []
    return DocumentDetail(
        doc_id=d.doc_id,
        title=d.title,
        source=d.source,
        category=d.category,
        aliases=d.aliases,
        sections=d.sections,
        passages=[
            PassageOut(
                passage_id=p.passage_id,
                section=p.section,
                text=p.text,
                marks=utf16_spans(p.text, marked_words(searcher.analyzer, p.text, words)) if words else [],
            )
            for p in (snap.passages[r] for r in d.passage_rows)
        ],
        terms=words,
    )
