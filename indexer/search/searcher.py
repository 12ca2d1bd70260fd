"""Search over one index snapshot: dense (its vector store), lexical (its lexical store) and their fusion."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.analysis.fts5 import TokenSets
from indexer.builds.snapshot import IndexSnapshot, StoredPassage, open_snapshot
from indexer.documents import PATH_SEP
from indexer.embed import Embedder, get_embedder
from indexer.ranking import RankingConfig, load_ranking
from indexer.search.aliases import AliasTitles, Career
from indexer.search.fusion import Signals, dense_scores, fuse
from indexer.search.query import STOPWORDS, clip_words, names_a_job, terms
from indexer.search.relevance import QueryEvidence, features, no_match, probability, word_evidence
from indexer.search.spelling import Speller
from indexer.settings import Settings

MODES = ("hybrid", "dense", "lexical")
# A query is searched on its first 32 words, as web search engines do: no question in our sets has more than 21, and
# the model's time grows with the words it reads (a 1,000-character junk query: ~70 ms of embedding at 200 words).
MAX_QUERY_WORDS = 32
MAX_QUERY_TOKENS = 48  # word pieces the model reads of a query: eval questions take at most 45; 32 junk words ~120


def one_blas_thread() -> None:
    """Process-wide, numpy's BLAS runs on one thread: a query's products (names x query, a candidate's sentences) are
    too small to split, and OpenBLAS's idle threads spin. At 100k passages a query took 42 ms of CPU for 21 ms of
    wall time; with one thread, 20 ms for 20 ms: the other core is left to the next request."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@dataclass
class Hit:
    passage: StoredPassage
    score: float
    rank: int = 0
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None
    lexical_score: float | None = None
    name_score: float | None = None
    relevance: float | None = None  # the fitted probability that this result's page answers (not in lexical mode)
    features: dict[str, float] | None = None  # what that probability was computed from


@dataclass
class Filters:
    """Case-insensitive substring filters on the document id, the career's title and the heading path, and exact ones:
    careers (document ids, any of them) and section_path (a heading path, or any path under it)."""

    doc: str = ""
    title: str = ""
    section: str = ""
    # who is asking (user and groups): documents with an audience are seen only by its members; None = no check
    viewer: frozenset[str] | None = None
    careers: tuple[str, ...] = ()
    section_path: str = ""

    def may_see(self, audience: list[str]) -> bool:
        return self.viewer is None or not audience or not self.viewer.isdisjoint(audience)

    def accepts(self, p: StoredPassage) -> bool:
        return (
            (not self.doc or self.doc.lower() in p.doc_id.lower())
            and (not self.title or self.title.lower() in p.title.lower())
            and (not self.section or self.section.lower() in p.section.lower())
            and (not self.careers or p.doc_id in self.careers)
            and (not self.section_path or under_path(p.section, self.section_path))
        )

    def active(self) -> bool:
        return bool(self.doc or self.title or self.section or self.careers or self.section_path)

    def allowed_rows(self, snapshot: IndexSnapshot) -> np.ndarray | None:
        """The sorted passage rows these filters and the viewer's audiences let through (None: no restriction), from
        the documents and section labels, which are far fewer than the passages; the stores then rank only these."""
        hidden = self.viewer is not None and snapshot.restricted  # some documents are not for everyone
        if not self.active() and not hidden:
            return None
        rows: np.ndarray | None = None
        if self.doc or self.title or self.careers or hidden:
            doc, title, careers = self.doc.lower(), self.title.lower(), set(self.careers)
            rows = _rows(
                d.passage_rows
                for d in snapshot.documents.values()
                if doc in d.doc_id.lower()
                and title in d.title.lower()
                and (not careers or d.doc_id in careers)
                and self.may_see(d.audience)
            )
        if self.section or self.section_path:
            section = self.section.lower()
            by_section = _rows(
                r
                for label, r in snapshot.section_rows.items()
                if section in label.lower() and (not self.section_path or under_path(label, self.section_path))
            )
            rows = by_section if rows is None else np.intersect1d(rows, by_section, assume_unique=True)
        return rows


def under_path(label: str, path: str) -> bool:
    """Whether a heading path is `path` itself or a section under it ("Salary Ranges › By City" is under "Salary
    Ranges"); exact, case included."""
    return label == path or label.startswith(path + PATH_SEP)


def _rows(groups) -> np.ndarray:
    parts = [np.asarray(g, dtype=np.int64) for g in groups]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def restrict(allowed: np.ndarray | None, also: np.ndarray | None) -> np.ndarray | None:
    """Rows allowed by both restrictions (None allows every row)."""
    if allowed is None or also is None:
        return also if allowed is None else allowed
    return np.intersect1d(allowed, also)


class Searcher:
    def __init__(self, snapshot: IndexSnapshot, embedder: Embedder, config: RankingConfig | None = None) -> None:
        one_blas_thread()
        self.snapshot = snapshot
        self.embedder = embedder
        # the configuration the build recorded; builds made before it was recorded use the indexer's file
        recorded = snapshot.manifest.recipe.get("ranking")
        self.config = config or (RankingConfig.from_dict(recorded) if recorded else load_ranking())
        self.weights = self.config.fusion
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        docs = snapshot.documents.values()
        # headings are searched too: a word that only a heading holds ("progression") is no typo
        self.speller = Speller(
            [p.text for p in snapshot.passages]
            + [d.title + " " + " ".join(d.aliases) for d in docs]
            + sorted({p.section for p in snapshot.passages})
        )
        self._name_words = {d.doc_id: set(terms(d.title + " " + " ".join(d.aliases))) for d in docs}
        self._named_by: dict[str, set[str]] = {}  # a name word -> the documents whose title or aliases hold it
        for doc_id, words in self._name_words.items():
            for word in words:
                self._named_by.setdefault(word, set()).add(doc_id)
        self._name_ends = {t[-1] for d in docs for t in map(terms, [d.title, *d.aliases]) if t}
        self.alias_titles = AliasTitles(Career(d.title, d.aliases) for d in docs)
        # the lexical tokenizer's document frequencies: how known and how rare a query word is, for relevance
        self.token_df = snapshot.token_rows()
        self._tokens = TokenSets(stop=STOPWORDS)

    def _searchable(self, p: StoredPassage) -> str:
        """All the words a passage is found by: its career's title and aliases, its heading path, its text."""
        return " ".join([p.title, *self.snapshot.documents[p.doc_id].aliases, p.section, p.text])

    def term_weights(self, words: list[str], doc_id: str = "") -> dict[str, float]:
        """How telling each query word is: rare words weigh more (IDF over passages); words of the career's own
        title and aliases weigh little within that career, where every sentence is about it."""
        n = len(self.snapshot.passages)
        names = self._name_words.get(doc_id, set())
        own = self.weights.name_word_factor
        return {
            w: math.log((n + 1) / (self.speller.passage_freq.get(w, 0) + 1)) * (own if w in names else 1.0) + 0.1
            for w in words
        }

    def correct(self, query: str) -> str:
        """The query as it is searched: its first MAX_QUERY_WORDS words, with words the index has never seen
        replaced by the nearest indexed word."""
        return self.speller.correct(clip_words(query, MAX_QUERY_WORDS))

    def named_careers(self, words: list[str]) -> set[str]:
        """Documents whose title or aliases contain every content word of the query: "what does a X do", "X"."""
        if not words:
            return set()
        found = set(self._named_by.get(words[0], ()))
        for word in words[1:]:
            found &= self._named_by.get(word, set())
        return found

    def ends_like_a_name(self, words: list[str]) -> bool:
        """Whether the last word is one that ends a career's title or alias ("… agent", "… nurse"): a title's head
        noun, where "DORA metrics" or "MEDDICC deal qualification" are topics."""
        return bool(words) and words[-1] in self._name_ends

    def forget_queries(self) -> None:
        """Empties the query-vector cache (the benchmark times new queries)."""
        with self._cache_lock:
            self._vectors.clear()

    def embed_query(self, query: str) -> np.ndarray:
        """The query's vector, its aliases followed by their career's title; the last few are kept, since the page
        asks for results and facet counts at once."""
        expanded = self.alias_titles.expand(clip_words(query, MAX_QUERY_WORDS))
        with self._cache_lock:
            vector = self._vectors.get(expanded)
        if vector is None:  # clipped only now: finding where to cut runs the model's tokenizer
            vector = self.embedder.encode([self.embedder.clip(expanded, MAX_QUERY_TOKENS)])[0]
            with self._cache_lock:
                self._vectors[expanded] = vector
                if len(self._vectors) > 256:
                    self._vectors.popitem(last=False)
        return vector

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        per_doc: int = 2,
        filters: Filters | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best passages; `filters` and `allowed` (sorted passage rows the caller may see, None = all) restrict
        the rows both stores rank, before ranking."""
        return self.find(query, k, mode, per_doc, filters, allowed).hits

    def find(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        per_doc: int = 2,
        filters: Filters | None = None,
        allowed: np.ndarray | None = None,
    ) -> Found:
        """search's k best passages, with the rows of every candidate the search ranked (its matching set)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        snap = self.snapshot
        w = self.weights
        allowed = restrict((filters or Filters()).allowed_rows(snap), allowed)
        if allowed is not None and not len(allowed):
            return Found([], np.zeros(0, np.int64))
        n = max(w.candidates, k * max(per_doc, 1) * 3)

        query = self.correct(query)
        c = self.candidates(query, n, mode, allowed)
        s = c.signals
        dense = dense_scores(s, w)
        if mode == "lexical":  # BM25 as the store gives it
            scores = np.array([c.lexical[row][1] for row in s.rows.tolist()])
        else:
            scores = dense if mode == "dense" else fuse(s, w)
        hits: list[Hit] = []
        for i, row in enumerate(s.rows.tolist()):
            d, lx = c.dense.get(row), c.lexical.get(row)
            hits.append(
                Hit(
                    snap.passages[row],
                    float(scores[i]),
                    0,
                    d[0] if d else None,
                    lx[0] if lx else None,
                    float(dense[i]) if mode != "lexical" else None,
                    lx[1] if lx else None,
                    float(s.name[i]) if s.title_like and c.names is not None else None,
                )
            )
        hits.sort(key=lambda h: (-h.score, h.passage.row))
        out: list[Hit] = []
        per: dict[str, int] = {}
        for h in hits:
            if per_doc and per.get(h.passage.doc_id, 0) >= per_doc:
                continue
            per[h.passage.doc_id] = per.get(h.passage.doc_id, 0) + 1
            h.rank = len(out) + 1
            out.append(h)
            if len(out) >= k:
                break
        if mode != "lexical":
            self._judge(out, hits, c.words, c.names)
        return Found(out, s.rows)

    def candidates(self, query: str, n: int, mode: str = "hybrid", allowed: np.ndarray | None = None) -> Candidates:
        """The passages either side ranks among its n best (and the lead passages of careers the query names), with
        their signals; `query` is searched as given (already corrected)."""
        snap = self.snapshot
        dense: dict[int, tuple[int, float]] = {}
        lexical: dict[int, tuple[int, float]] = {}
        qvec = None
        words = terms(query)
        if mode in ("hybrid", "dense"):
            qvec = self.embed_query(query)
            dense = {row: (r, s) for r, (row, s) in enumerate(snap.dense(qvec, n, allowed), 1)}
        if mode in ("hybrid", "lexical"):
            lexical = {row: (r, s) for r, (row, s) in enumerate(snap.lexical(words, n, allowed), 1)}
        hybrid = mode == "hybrid"
        named = self.named_careers(words) if hybrid else set()
        title_like = hybrid and names_a_job(query) and self.ends_like_a_name(words)
        leads = {snap.documents[d].passage_rows[0] for d in named if snap.documents[d].passage_rows}
        if allowed is not None:
            leads = {row for row in leads if _contains(allowed, row)}
        rows = sorted(dense.keys() | lexical.keys() | leads)
        passages = [snap.passages[row] for row in rows]
        names = None
        if qvec is not None and snap.name_vectors is not None:
            # the name cosines of the candidates' documents only: all documents' cost 1 ms at 100k passages
            docs = sorted({snap.doc_number[p.doc_id] for p in passages})
            names = dict(zip(docs, map(float, snap.name_vectors[docs] @ qvec), strict=True))
        passage = np.zeros(len(rows))
        sentence = np.zeros(len(rows))
        if qvec is not None:
            # only the candidates' own sentences are scored: the cost follows the candidates, not the index
            best = snap.sentence_best(qvec, rows)
            others = [row for row in rows if row not in dense]
            sims = dict(zip(others, map(float, snap.passage_similarities(others, qvec)), strict=True))
            passage = np.array([dense[row][1] if row in dense else sims[row] for row in rows], dtype=float)
            # a passage is as close as its closest sentence, too: long passages dilute a precise answer
            sentence = np.array([best.get(row, p) for row, p in zip(rows, passage, strict=True)], dtype=float)
        top_lex = max((s for _, s in lexical.values()), default=0.0) or 1.0
        signals = Signals(
            rows=np.array(rows, dtype=np.int64),
            passage=passage,
            sentence=sentence,
            lexical=np.array([lexical[row][1] / top_lex if row in lexical else 0.0 for row in rows]),
            lead=np.array([float(p.ordinal == 0 and p.doc_id in named) for p in passages]),
            name=np.array(
                [names[snap.doc_number[p.doc_id]] if title_like and names is not None else 0.0 for p in passages]
            ),
            title_like=title_like,
        )
        return Candidates(signals, dense, lexical, words, names)

    def _judge(self, out: list[Hit], candidates: list[Hit], words: list[str], names: dict[int, float] | None) -> None:
        """Sets each returned hit's features and fitted relevance, from the query's words and its candidates."""
        snap = self.snapshot
        dense = [h.dense_score for h in candidates if h.dense_score is not None]
        texts = len(snap.passages)
        docs = [snap.documents[h.passage.doc_id] for h in out]
        name_keys, name_texts = [("name", d.doc_id) for d in docs], [" ".join([d.title, *d.aliases]) for d in docs]
        hit_keys, hit_texts = [h.passage.row for h in out], [self._searchable(h.passage) for h in out]
        query_key, query_text = ("query", tuple(words)), " ".join(words)
        self._tokens.warm([*words, *name_keys, *hit_keys, query_key], [*words, *name_texts, *hit_texts, query_text])
        word_tokens = [sorted(t) for t in self._tokens.get(words, words)]
        name_tokens = self._tokens.get(name_keys, name_texts)
        hit_tokens, hit_pairs = self._tokens.get(hit_keys, hit_texts), self._tokens.pairs(hit_keys, hit_texts)
        idf, known = word_evidence(word_tokens, self.token_df, texts)
        q = QueryEvidence(
            words=word_tokens,
            idf=idf,
            known=known,
            dense_mean=float(np.mean(dense)) if dense else 0.0,
            best_name=max(names.values()) if names else 0.0,
            max_idf=math.log(texts + 1) or 1.0,
            pairs=self._tokens.pairs([query_key], [query_text])[0],
        )
        for h, name_toks, hit_toks, pairs in zip(out, name_tokens, hit_tokens, hit_pairs, strict=True):
            p = h.passage
            name = names[snap.doc_number[p.doc_id]] if names is not None else 0.0
            ranks = (h.dense_rank, h.lexical_rank)
            h.features = features(q, h.dense_score or 0.0, hit_toks | pairs, name_toks, name, ranks, p.ordinal == 0)
            h.relevance = probability(self.config.relevance, h.features)

    def no_match(self, hits: list[Hit]) -> bool:
        """Whether no returned hit answers well enough: none at all, or the best relevance under the threshold."""
        best = max((h.relevance for h in hits if h.relevance is not None), default=None)
        return no_match(self.config.relevance, best, bool(hits))


@dataclass
class Found:
    """A search's answer: the ranked hits, and the sorted rows of every candidate it ranked, which passed the filters:
    the dense side's n nearest, the lexical side's n best and the lead passages of careers the query names."""

    hits: list[Hit]
    pool: np.ndarray


@dataclass
class Candidates:
    """One query's candidate passages: their signals, each side's (rank, score) by row, the query's content words and
    its cosine with each candidate document's name vector, by document number (None without a query vector or name
    vectors)."""

    signals: Signals
    dense: dict[int, tuple[int, float]]
    lexical: dict[int, tuple[int, float]]
    words: list[str]
    names: dict[int, float] | None


def _contains(sorted_rows: np.ndarray, row: int) -> bool:
    i = int(np.searchsorted(sorted_rows, row))
    return i < len(sorted_rows) and int(sorted_rows[i]) == row


def open_searcher(index_dir: Path, settings: Settings) -> Searcher:
    """A searcher over an index's live build with the configured model; IndexUnavailable or ModelError say why not."""
    snapshot = open_snapshot(
        index_dir,
        expect_model=settings.model,
        vector_index=settings.vector_index,
        lexical_index=settings.lexical_index,
        backend=settings.backend,
    )
    return Searcher(snapshot, get_embedder(settings))
