"""The API's response shapes (also printed by `python -m service ask --json`)."""

from __future__ import annotations

from pydantic import BaseModel


class Explain(BaseModel):
    # absent (not null) for the side a mode does not use: the API omits empty fields
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None
    lexical_score: float | None = None
    name_score: float | None = None  # similarity to the career's names (title and aliases); not in lexical mode
    features: dict[str, float] | None = None  # what `relevance` was computed from (indexer/search/relevance.py)


class Result(BaseModel):
    rank: int
    score: float
    title: str
    section: str
    text: str
    snippet: str
    doc_id: str
    passage_id: str
    source: str
    # the fitted probability that this result's page answers the question (0-1); absent in lexical mode
    relevance: float | None = None
    explain: Explain | None = None


class CareerCount(BaseModel):
    doc_id: str  # the value of the exact filter career=
    title: str
    count: int  # passages of this career in the matching set


class SectionCount(BaseModel):
    section: str  # a top-level heading: the value of the exact filter section_path=
    count: int


class Facets(BaseModel):
    """Counts over the search's whole matching set (every candidate it ranked that passes the filters), not only
    the results returned; most passages first."""

    careers: list[CareerCount]
    sections: list[SectionCount]


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    mode: str
    corrected: str | None = None  # the query as searched, when words were corrected or cut (beyond 32 words)
    # true when no result answers well: the results are then only the closest matches
    no_match: bool = False
    results: list[Result]
    facets: Facets | None = None  # always in /api/search's answer
    ranking: dict | None = None  # with explain=true: the ranking configuration the live build serves


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    source: str
    passages: int
    category: str = ""


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class PassageOut(BaseModel):
    passage_id: str
    section: str
    text: str
    # with ?q=: the words of text to mark, as [start, end) offsets in UTF-16 code units (JavaScript's string indexes),
    # matched as the snippets and the index match them
    marks: list[tuple[int, int]] = []


class DocumentDetail(BaseModel):
    doc_id: str
    title: str
    source: str
    category: str
    aliases: list[str]
    sections: list[str]
    passages: list[PassageOut]
    terms: list[str] = []  # the content words of ?q= as searched (spell-corrected); passages' marks are theirs


class Stats(BaseModel):
    model: str
    dimension: int
    documents: int
    passages: int
    build_id: str
    built_at: str
    corpus_fingerprint: str
    format_version: int


class ErrorBody(BaseModel):
    """Every 4xx and 5xx of the API: one sentence saying what was wrong and what to do."""

    detail: str


class Health(BaseModel):
    status: str  # "ok", or "unhealthy" with the reason (the embedding model cannot be loaded)
    reason: str | None = None


class Ready(BaseModel):
    status: str  # "ready" or "not ready"
    build_id: str | None = None
    reason: str | None = None
