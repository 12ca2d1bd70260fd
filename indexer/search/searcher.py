"""Search over one index snapshot: a question analysed once, candidates from the dense and lexical stores, their
fusion, one career's passages at most per_doc times, and the relevance of what is returned."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.analysis.analyzer import smooth_idf, terms
from indexer.builds.snapshot import IndexSnapshot, StoredPassage, open_snapshot
from indexer.embed import Embedder, get_embedder
from indexer.ranking import RankingConfig, load_ranking
from indexer.search.aliases import AliasTitles, Career
from indexer.search.filters import Filters, contains, restrict
from indexer.search.fusion import Signals, dense_scores, fuse
from indexer.search.question import MAX_QUERY_WORDS, Question, asks_for_number, clip_words, names_a_job
from indexer.search.relevance import QueryEvidence, features, no_match, probability, word_evidence
from indexer.search.spelling import Speller
from indexer.settings import Settings

MODES = ("hybrid", "dense", "lexical")
MAX_QUERY_TOKENS = 48  # word pieces the model reads of a query: eval questions take at most 45; 32 junk words ~120
REMEMBERED = 256  # query vectors kept: the page asks for results and a document's marks for the same question


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
class Found:
    """A search's answer: the ranked hits, and the sorted rows of every candidate it ranked, which passed the filters:
    the dense side's n nearest, the lexical side's n best and the lead passages of careers the query names."""

    hits: list[Hit]
    pool: np.ndarray


@dataclass
class Candidates:
    """One question's candidate passages: their signals, each side's (rank, score) by row, and the question's cosine
    with each candidate document's name vector, by document number (None without a query vector or name vectors)."""

    question: Question
    signals: Signals
    dense: dict[int, tuple[int, float]]
    lexical: dict[int, tuple[int, float]]
    names: dict[int, float] | None


class QueryVectors:
    """The last few questions' vectors, by the text the model read."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self.size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            return self._kept.get(text)

    def put(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._kept[text] = vector
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class Searcher:
    def __init__(self, snapshot: IndexSnapshot, embedder: Embedder, config: RankingConfig | None = None) -> None:
        one_blas_thread()
        self.snapshot = snapshot
        self.embedder = embedder
        self.analyzer = snapshot.analyzer
        # the configuration the build recorded; builds made before it was recorded use the indexer's file
        recorded = snapshot.manifest.recipe.get("ranking")
        self.config = config or (RankingConfig.from_dict(recorded) if recorded else load_ranking())
        self.weights = self.config.fusion
        self.vectors = QueryVectors()
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
        self.alias_titles = AliasTitles((Career(d.title, d.aliases) for d in docs), self.analyzer)
        # the lexical tokenizer's document frequencies: how known and how rare a query word is
        self.token_df = snapshot.token_rows()

    # the question

    def question(self, typed: str) -> Question:
        """What was typed, analysed once: every later step of a search reads this."""
        text = self.correct(typed)
        words = tuple(terms(text))
        return Question(
            typed=typed,
            text=text,
            terms=words,
            embed_text=self.alias_titles.expand(text),
            title_like=names_a_job(text, self.weights.title_max_words) and self.ends_like_a_name(words),
            wants_number=asks_for_number(text),
        )

    def correct(self, typed: str) -> str:
        """The text as it is searched: its first MAX_QUERY_WORDS words, with words the index has never seen
        replaced by the nearest indexed word."""
        return self.speller.correct(clip_words(typed, MAX_QUERY_WORDS))

    def named_careers(self, words: tuple[str, ...]) -> set[str]:
        """Documents whose title or aliases contain every content word of the query: "what does a X do", "X"."""
        if not words:
            return set()
        found = set(self._named_by.get(words[0], ()))
        for word in words[1:]:
            found &= self._named_by.get(word, set())
        return found

    def ends_like_a_name(self, words: tuple[str, ...]) -> bool:
        """Whether the last word is one that ends a career's title or alias ("… agent", "… nurse"): a title's head
        noun, where "DORA metrics" or "MEDDICC deal qualification" are topics."""
        return bool(words) and words[-1] in self._name_ends

    def embed(self, q: Question) -> np.ndarray:
        """The question's vector (its aliases followed by their career's title), kept for the next few questions."""
        vector = self.vectors.get(q.embed_text)
        if vector is None:  # clipped only now: finding where to cut runs the model's tokenizer
            vector = self.embedder.encode([self.embedder.clip(q.embed_text, MAX_QUERY_TOKENS)])[0]
            self.vectors.put(q.embed_text, vector)
        return vector

    def term_weights(self, words: tuple[str, ...] | list[str], doc_id: str = "") -> dict[str, float]:
        """How telling each query word is, for snippets: rare words weigh more (IDF of its rarest token over
        passages); words of the career's own title and aliases weigh little within that career."""
        rules = self.config.snippets
        rows = len(self.snapshot.passages)
        names = self._name_words.get(doc_id, set())
        tokens = self.analyzer.word_tokens(words)
        return {
            w: smooth_idf(rows, min((self.token_df.get(t, 0) for t in tokens[w]), default=0))
            * (rules.name_word_factor if w in names else 1.0)
            + rules.word_floor
            for w in words
        }

    # the search

    def search(self, question: Question | str, *args: Any, **kwargs: Any) -> list[Hit]:
        """The k best passages: find's hits (same arguments), without the matching set."""
        return self.find(question, *args, **kwargs).hits

    def find(
        self,
        question: Question | str,
        k: int = 10,
        mode: str = "hybrid",
        per_doc: int = 2,
        filters: Filters | None = None,
        allowed: np.ndarray | None = None,
    ) -> Found:
        """The k best passages, at most per_doc of one career, and the rows of every candidate the search ranked (its
        matching set); `filters` and `allowed` (sorted passage rows the caller may see, None = all) restrict the rows
        both stores rank, before ranking."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        q = question if isinstance(question, Question) else self.question(question)
        allowed = restrict((filters or Filters()).allowed_rows(self.snapshot), allowed)
        if allowed is not None and not len(allowed):
            return Found([], np.zeros(0, np.int64))
        c = self.candidates(q, self.pool_size(k, per_doc), mode, allowed)
        ranked = self.rank(c, mode)
        hits = top_per_career(ranked, k, per_doc)
        if mode != "lexical":
            self.judge(hits, ranked, c)
        return Found(hits, c.signals.rows)

    def pool_size(self, k: int, per_doc: int) -> int:
        """How many passages each side hands to the fusion: enough to fill k results of per_doc per career."""
        return max(self.weights.candidates, k * max(per_doc, 1) * self.weights.pool_factor)

    def candidates(
        self, q: Question, n: int, mode: str = "hybrid", allowed: np.ndarray | None = None
    ) -> Candidates:
        """The passages either side ranks among its n best (and the lead passages of careers the question names),
        with their signals."""
        snap = self.snapshot
        qvec = self.embed(q) if mode in ("hybrid", "dense") else None
        dense = self._ranked(snap.dense(qvec, n, allowed)) if qvec is not None else {}
        lexical = self._ranked(snap.lexical(list(q.terms), n, allowed)) if mode in ("hybrid", "lexical") else {}
        hybrid = mode == "hybrid"
        named = self.named_careers(q.terms) if hybrid else set()
        title_like = hybrid and q.title_like
        leads = {snap.documents[d].passage_rows[0] for d in named if snap.documents[d].passage_rows}
        if allowed is not None:
            leads = {row for row in leads if contains(allowed, row)}
        rows = sorted(dense.keys() | lexical.keys() | leads)
        passages = [snap.passages[row] for row in rows]
        names = self._name_cosines(passages, qvec)
        passage, sentence = self._dense_signals(rows, dense, qvec)
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
        return Candidates(q, signals, dense, lexical, names)

    @staticmethod
    def _ranked(found: list[tuple[int, float]]) -> dict[int, tuple[int, float]]:
        """A store's answer as row -> (rank, score)."""
        return {row: (r, s) for r, (row, s) in enumerate(found, 1)}

    def _name_cosines(self, passages: list[StoredPassage], qvec: np.ndarray | None) -> dict[int, float] | None:
        """The question's cosine with the name vectors of the candidates' documents only (all documents' cost 1 ms
        at 100k passages), by document number."""
        snap = self.snapshot
        if qvec is None or snap.name_vectors is None:
            return None
        docs = sorted({snap.doc_number[p.doc_id] for p in passages})
        return dict(zip(docs, map(float, snap.name_vectors[docs] @ qvec), strict=True))

    def _dense_signals(
        self, rows: list[int], dense: dict[int, tuple[int, float]], qvec: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each candidate's passage cosine and best-sentence cosine (its passage's where it has no sentences)."""
        if qvec is None:
            return np.zeros(len(rows)), np.zeros(len(rows))
        # only the candidates' own sentences are scored: the cost follows the candidates, not the index
        best = self.snapshot.sentence_best(qvec, rows)
        others = [row for row in rows if row not in dense]
        sims = dict(zip(others, map(float, self.snapshot.passage_similarities(others, qvec)), strict=True))
        passage = np.array([dense[row][1] if row in dense else sims[row] for row in rows], dtype=float)
        # a passage is as close as its closest sentence, too: long passages dilute a precise answer
        sentence = np.array([best.get(row, p) for row, p in zip(rows, passage, strict=True)], dtype=float)
        return passage, sentence

    def rank(self, c: Candidates, mode: str) -> list[Hit]:
        """Every candidate as a hit, best first: BM25 as the store gives it, the dense score, or their fusion."""
        s, w = c.signals, self.weights
        dense = dense_scores(s, w)
        if mode == "lexical":
            scores = np.array([c.lexical[row][1] for row in s.rows.tolist()])
        else:
            scores = dense if mode == "dense" else fuse(s, w)
        hits = []
        for i, row in enumerate(s.rows.tolist()):
            d, lx = c.dense.get(row), c.lexical.get(row)
            hits.append(
                Hit(
                    passage=self.snapshot.passages[row],
                    score=float(scores[i]),
                    dense_rank=d[0] if d else None,
                    lexical_rank=lx[0] if lx else None,
                    dense_score=float(dense[i]) if mode != "lexical" else None,
                    lexical_score=lx[1] if lx else None,
                    name_score=float(s.name[i]) if s.title_like and c.names is not None else None,
                )
            )
        hits.sort(key=lambda h: (-h.score, h.passage.row))
        return hits

    def judge(self, hits: list[Hit], candidates: list[Hit], c: Candidates) -> None:
        """Sets each returned hit's features and fitted relevance, from the question's words and its candidates."""
        snap, names, words = self.snapshot, c.names, list(c.question.terms)
        dense = [h.dense_score for h in candidates if h.dense_score is not None]
        texts = len(snap.passages)
        docs = [snap.documents[h.passage.doc_id] for h in hits]
        query_key, query_text = ("query", tuple(words)), " ".join(words)
        keys = [*words, *(("name", d.doc_id) for d in docs), *(h.passage.row for h in hits), query_key]
        sets = self.analyzer.token_sets(
            keys,
            [*words, *(" ".join([d.title, *d.aliases]) for d in docs), *map(self._searchable, hits), query_text],
        )
        n, m = len(words), len(hits)
        word_sets, name_sets, hit_sets = sets[:n], sets[n : n + m], sets[n + m : n + 2 * m]
        word_tokens = [sorted(toks) for toks, _ in word_sets]
        idf, known = word_evidence(word_tokens, self.token_df, texts)
        q = QueryEvidence(
            words=word_tokens,
            idf=idf,
            known=known,
            dense_mean=float(np.mean(dense)) if dense else 0.0,
            best_name=max(names.values()) if names else 0.0,
            max_idf=math.log(texts + 1) or 1.0,
            pairs=sets[-1][1],
        )
        for h, (name_toks, _), (hit_toks, pairs) in zip(hits, name_sets, hit_sets, strict=True):
            p = h.passage
            name = names[snap.doc_number[p.doc_id]] if names is not None else 0.0
            ranks = (h.dense_rank, h.lexical_rank)
            h.features = features(q, h.dense_score or 0.0, hit_toks | pairs, name_toks, name, ranks, p.ordinal == 0)
            h.relevance = probability(self.config.relevance, h.features)

    def _searchable(self, h: Hit) -> str:
        """All the words a passage is found by: its career's title and aliases, its heading path, its text."""
        p = h.passage
        return " ".join([p.title, *self.snapshot.documents[p.doc_id].aliases, p.section, p.text])

    def no_match(self, hits: list[Hit]) -> bool:
        """Whether no returned hit answers well enough: none at all, or the best relevance under the threshold."""
        best = max((h.relevance for h in hits if h.relevance is not None), default=None)
        return no_match(self.config.relevance, best, bool(hits))


def top_per_career(ranked: list[Hit], k: int, per_doc: int) -> list[Hit]:
    """The k best hits, at most per_doc of one career (0: no limit), numbered from 1."""
    out: list[Hit] = []
    per: dict[str, int] = {}
    for h in ranked:
        if per_doc and per.get(h.passage.doc_id, 0) >= per_doc:
            continue
        per[h.passage.doc_id] = per.get(h.passage.doc_id, 0) + 1
        h.rank = len(out) + 1
        out.append(h)
        if len(out) >= k:
            break
    return out


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
