"""Vector and lexical stores through their interfaces: every backend the same (Qdrant's in local mode), HNSW's recall
against flat on real vectors, filters applied before ranking, and builds refused by a service configured for another
backend."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from indexer.analysis.analyzer import Analyzer, bm25_idf
from indexer.analysis.fts5 import MARKER, TOKENIZER
from indexer.builds.build import build_index
from indexer.builds.snapshot import open_snapshot
from indexer.errors import IndexUnavailable
from indexer.ranking import Lexical
from indexer.search.searcher import Filters, Searcher
from indexer.settings import Settings
from indexer.stores import qdrant_link
from indexer.stores.lexical import factory as lexical_factory
from indexer.stores.lexical.base import LexicalRow
from indexer.stores.vectors import factory as vector_factory
from service.holder import IndexHolder
from tests.helpers import MINI_CORPUS, QUESTIONS


def collection_params(kind: str, tmp_path: Path, dimension: int = 32) -> dict:
    """What a store needs besides its kind: for Qdrant's (local mode, a tmp folder), a collection of its own."""
    if kind not in ("qdrant", "qdrant-sparse"):
        return {}
    where = qdrant_link.Location(path=str(tmp_path / "qdrant"))
    qdrant_link.create_collection(qdrant_link.client(where), "stores-test", dimension, server=False)
    return {"collection": "stores-test", **where.record(), **({"vector": "passage"} if kind == "qdrant" else {})}


FIELDS = Lexical().fields


def both_stores(tmp_path: Path, rows: list[LexicalRow]):
    """The same rows written to FTS5 and to the BM25 matrix, each opened again."""
    from indexer.stores.lexical.sqlite_fts import SqliteFtsStore

    (tmp_path / "fts").mkdir()
    (tmp_path / "matrix").mkdir()
    fts = SqliteFtsStore.open(
        tmp_path / "fts" / "db", Analyzer(), **SqliteFtsStore.write(tmp_path / "fts" / "db", rows, Analyzer(), FIELDS)
    )
    written = lexical_factory.backend("bm25-matrix").write(tmp_path / "matrix" / "db", rows, Analyzer(), FIELDS)
    return fts, lexical_factory.load(tmp_path / "matrix" / "db", written, Analyzer())


def unit_vectors(n: int, d: int = 32, seed: int = 3) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", sorted(vector_factory.BACKENDS))
def test_every_vector_store_finds_saves_and_filters_alike(kind, tmp_path):
    data = unit_vectors(600)
    store = vector_factory.create(kind, 32, **collection_params(kind, tmp_path))
    store.build(data[:500])
    store.add(data[500:])
    assert store.count == 600
    assert np.array_equal(store.vectors([3, 599]), data[[3, 599]]) and np.array_equal(store.vector(7), data[7])
    if store.holds_rows:
        assert not store.matrix().flags.owndata  # a view of the store's own rows: the vectors are held once

    query = data[42]
    exact = np.argsort(-(data @ query), kind="stable")[:10]
    found = store.search(query, 10)
    assert [r for r, _ in found][0] == 42 and len(set(r for r, _ in found) & set(exact)) >= 9
    assert all(a[1] >= b[1] for a, b in zip(found, found[1:], strict=False))

    allowed = np.arange(100, 600, 7)  # the filter decides which rows are ranked, not which survive afterwards
    within = store.search(query, 10, allowed=allowed)
    assert len(within) == 10 and {r for r, _ in within} <= set(allowed.tolist())
    assert [r for r, _ in within] == [int(r) for r in allowed[np.argsort(-(data[allowed] @ query))[:10]]]
    assert store.search(query, 10, allowed=np.zeros(0, np.int64)) == []

    store.save(tmp_path / "store")
    again = vector_factory.load(tmp_path / "store", store.config())
    assert again.count == 600 and again.search(query, 10) == found
    with pytest.raises(ValueError):
        vector_factory.load(tmp_path / "store", {**store.config(), "kind": "no-such-index"})


@pytest.mark.parametrize("kind", sorted(lexical_factory.BACKENDS))
def test_every_lexical_store_ranks_field_matches_and_filters_before_ranking(kind, tmp_path):
    backend = lexical_factory.backend(kind)
    rows = [
        LexicalRow(0, "Registered Nurse", "RN", "Salary", "Nurses earn more on night shifts."),
        LexicalRow(1, "Electrician", "", "Overview", "An electrician wires buildings; a nurse does not."),
        LexicalRow(2, "Electrician", "", "Salary", "Pay rises with the licence."),
    ]
    config = backend.write(tmp_path / "lexical", rows, Analyzer(), FIELDS, **collection_params(kind, tmp_path))
    store = lexical_factory.load(tmp_path / "lexical", config, Analyzer())
    try:
        assert [r for r, _ in store.search(["nurse"], 10)] == [0, 1]  # the title outweighs the text
        assert store.search(["OR", "NEAR(", "text:*"], 10) == []  # words, never query syntax
        assert [r for r, _ in store.search(["nurse", "salary"], 10, allowed=np.array([1, 2]))] in ([1, 2], [2, 1])
        assert store.search(["nurse"], 10, allowed=np.array([2])) == []
        # rows holding each token, once per row however often ("Nurse", "Nurses"): the relevance model's counts
        counts = store.token_rows()
        assert counts["nurs"] == 2 and counts["electrician"] == 2 and counts["licenc"] == 1
        assert not any(" " in t for t in counts)  # single tokens, no phrases
    finally:
        store.close()


def test_the_bm25_matrix_ranks_as_fts5_does(corpus_index, tmp_path):
    """The same rows written to both stores: every question of the tune split gets the same scores (to float32's
    precision) and the same rows, but for rows tied at the 30th score, which either may cut."""
    from indexer.analysis.analyzer import terms
    from indexer.tuning.evaluation import load_questions

    snap = open_snapshot(corpus_index)
    aliases = {d.doc_id: " ".join(d.aliases) for d in snap.documents.values()}
    rows = [LexicalRow(p.row, p.title, aliases[p.doc_id], p.section, p.text, p.doc_id) for p in snap.passages]
    fts, matrix = both_stores(tmp_path, rows)
    try:
        for q in load_questions(QUESTIONS, split="tune"):
            a, b = fts.search(terms(q.query), 30), matrix.search(terms(q.query), 30)
            assert np.allclose([s for _, s in a], [s for _, s in b], rtol=1e-5), q.query
            above = a[-1][1] * (1 + 1e-5) if a else 0.0
            assert {r for r, s in a if s > above} == {r for r, s in b if s > above}, q.query
    finally:
        fts.close(), matrix.close(), snap.close()


def test_the_bm25_matrix_counts_across_batches_empty_fields_and_field_edges(tmp_path, monkeypatch):
    """Rows counted a batch at a time (two rows here) score as FTS5 scores them: an empty row or field, a word in
    several fields, and two words that only meet across a field's edge, which is no phrase."""
    from indexer.stores.lexical import row_terms

    monkeypatch.setattr(row_terms, "BATCH", 2)
    rows = [
        LexicalRow(0, "Registered Nurse", "RN", "Salary", "Night shift nurses earn more; nurse pay, nurse hours."),
        LexicalRow(1, "", "", "", ""),
        LexicalRow(2, "Electrician", "", "Night Shift", "Electricians rarely work a night shift."),
        LexicalRow(3, "Nurse Educator", "", "", "Teaches nurses."),
        LexicalRow(4, "Electrician", "sparky", "Overview", "Wires buildings, and salary rises with the licence."),
    ]
    fts, matrix = both_stores(tmp_path, rows)
    try:
        for words in (["nurse"], ["night-shift"], ["rn-salary"], ["nurse-rn"], ["salary", "nurse"], ["sparky"]):
            a, b = fts.search(words, 10), matrix.search(words, 10)
            assert [r for r, _ in a] == [r for r, _ in b], words
            assert np.allclose([s for _, s in a], [s for _, s in b], rtol=1e-5), words
        assert matrix.search(["rn-salary"], 10) == []  # "RN" ends one field, "Salary" starts the next
    finally:
        fts.close(), matrix.close()


def test_sparse_lexical_terms_are_fts5s_own():
    """FTS5's Porter leaves words under 3 letters alone and stems "-logy" to "-log"; a hyphenated or possessive word
    is a two-token phrase; a longer one stands for its rarest pair; a word in most rows weighs next to nothing."""
    analyzer = Analyzer()
    assert analyzer.tokenize(["Technology is key", "a marketer's on-call week", "Résumé"]) == [
        ["technolog", "is", "kei"],
        ["a", "market", "s", "on", "call", "week"],
        ["resum"],
    ]
    rows = {"ci cd": 5, "cd gitop": 1}
    assert analyzer.phrases(["ci/cd/gitops", "on-call", "nurse", "--"], lambda t: rows.get(t, 0)) == [
        "cd gitop",
        "on call",
        "nurs",
    ]
    assert bm25_idf(10, 9) == 1e-6 and bm25_idf(10, 1) > 1


def test_remembered_tokens_are_fts5s_row_by_row(corpus_index):
    """Words are tokenized once and remembered; a text's tokens are still exactly what FTS5 makes of it as a row,
    whatever the script, combining marks, punctuation or the marker word that joins a batch."""
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{TOKENIZER}')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    snap = open_snapshot(corpus_index)
    texts = [p.text for p in snap.passages[:300]]
    snap.close()
    rng = random.Random(3)
    pieces = [MARKER, MARKER.upper(), "é", "e\u0301", "ß", "İ", "ﬁ", "’", "—", "\u00a0", "\ue000", "\u19b0", "_", "."]
    texts += ["".join(rng.choice(pieces) + rng.choice("ab 1") for _ in range(rng.randint(0, 12))) for _ in range(500)]
    anything = ("".join(chr(rng.randint(0x20, 0x2FFFF)) for _ in range(8)) for _ in range(500))
    texts += [t.encode("utf-8", "replace").decode() for t in anything]  # lone surrogates become "?"
    con.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", enumerate(texts, 1))
    expected: list[list[str]] = [[] for _ in texts]
    for term, doc in con.execute("SELECT term, doc FROM v ORDER BY doc, offset"):
        expected[doc - 1].append(term)
    analyzer = Analyzer()
    assert analyzer.tokenize(texts) == expected
    assert analyzer.tokenize(texts) == expected  # again, from what was remembered


def test_hnsw_finds_what_flat_finds_on_real_vectors(corpus_index):
    """Recall@10 of HNSW at the shipped parameters against exact search, on the corpus's sentence vectors (~3,500),
    queried with its passage vectors."""
    snap = open_snapshot(corpus_index)
    try:
        data = snap.sentence_store.matrix()
        queries = snap.passage_store.matrix()[::3]
        flat, hnsw = vector_factory.create("flat", data.shape[1]), vector_factory.create("hnsw", data.shape[1])
        assert len(data) > 3000
        flat.build(data)
        hnsw.build(data)
        recall = np.mean(
            [len({r for r, _ in hnsw.search(q, 10)} & {r for r, _ in flat.search(q, 10)}) / 10 for q in queries]
        )
    finally:
        snap.close()
    assert recall >= 0.98, recall


def test_filters_are_exact_and_rank_only_the_rows_they_allow(mini_index, embedder):
    searcher = Searcher(open_snapshot(mini_index), embedder)
    snap = searcher.snapshot
    for f in (Filters(title="NURSE"), Filters(section="salary"), Filters(doc="engineer", section="by city")):
        allowed = f.allowed_rows(snap)
        assert allowed.tolist() == [p.row for p in snap.passages if f.accepts(p)]
        # a question about something else still gets the allowed passages, best first, and only those
        hits = searcher.search("what does an electrician do", k=3, per_doc=0, filters=f)
        assert len(hits) == min(3, len(allowed)) and all(f.accepts(h.passage) for h in hits)
    assert Filters().allowed_rows(snap) is None
    assert searcher.search("salary", filters=Filters(title="no such career")) == []
    nurse_rows = Filters(title="nurse").allowed_rows(snap)
    # a caller's own restriction (e.g. access rights) composes with the filters
    assert searcher.search("salary", per_doc=0, filters=Filters(section="salary"), allowed=nurse_rows[:0]) == []


def test_a_build_with_another_vector_backend_is_refused_by_name(tmp_path, embedder):
    index = tmp_path / "index"
    hnsw = Settings(vector_index="hnsw", reload_interval=0.3)
    result = build_index(MINI_CORPUS, index, hnsw, progress=False)
    assert {"kind": "hnsw", "m": 32, "ef_search": 256}.items() <= result.manifest.stores["passages"].items()
    hits = Searcher(open_snapshot(index, vector_index="hnsw"), embedder).search("ward nurse", k=1)
    assert hits[0].passage.title == "Registered Nurse"
    assert open_snapshot(index, vector_index="auto").manifest.stores["passages"]["kind"] == "hnsw"
    # auto: exact search while it is fast enough, HNSW from the measured threshold on
    small, large = vector_factory.AUTO_HNSW_FROM - 1, vector_factory.AUTO_HNSW_FROM
    assert (vector_factory.choose("auto", small), vector_factory.choose("auto", large)) == ("flat", "hnsw")

    holder = IndexHolder(index, Settings(vector_index="flat"))
    holder.embedder = embedder
    assert not holder.refresh() and holder.searcher is None
    assert holder.reason.startswith(f"index build {result.manifest.build_id} uses vector index 'hnsw' but the service")
    assert "CAREER_SEARCH_VECTOR_INDEX" in holder.reason and "\n" not in holder.reason
    with pytest.raises(IndexUnavailable, match="lexical index 'bm25-matrix'.*'sqlite-fts5'.*LEXICAL_INDEX"):
        open_snapshot(index, lexical_index="sqlite-fts5")
    assert open_snapshot(index, lexical_index="auto").manifest.stores["lexical"]["kind"] == "bm25-matrix"


def test_a_build_from_before_stores_were_recorded_still_serves(tmp_path, embedder):
    """Such builds have FTS5 and a flat store, which is what a manifest without the record is read as."""
    import json

    index = tmp_path / "index"
    build_index(MINI_CORPUS, index, Settings(lexical_index="sqlite-fts5"), progress=False)
    manifest_path = next((index / "builds").glob("*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    del manifest["stores"]
    manifest_path.write_text(json.dumps(manifest))
    snap = open_snapshot(index, vector_index="flat")
    assert Searcher(snap, embedder).search("ward nurse", k=1)[0].passage.title == "Registered Nurse"
