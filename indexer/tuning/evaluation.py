"""Retrieval-quality evaluation: judging hits against questions and scoring runs with ir-measures.

Used by scripts/evaluate.py (the command line) and tests/scripts/test_evaluate.py (the CI regression guard).
ir-measures is a test dependency, so it is imported only when metrics are computed.

Metric names follow what people mean rather than ir-measures' spelling: "Recall@k" is the share of questions
with a relevant passage (or document) in the top k, which is ir-measures' Success@k. ir-measures' own R@k
divides by the number of relevant items, which is not the question we ask when one relevant item suffices.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from indexer.analysis.text import slugify
from indexer.builds.snapshot import IndexSnapshot
from indexer.search.searcher import MODES, Searcher
from indexer.tuning.stats import Scores, bootstrap_ci, intervals, intervals_json

SPLITS = ("tune", "heldout", "all")
HELDOUT_SHARE = 0.3
K = 10

# name shown -> ir-measures measure name (parsed lazily: ir-measures is only needed when scoring)
PASSAGE_MEASURES = {
    "Recall@1": "Success@1",
    "Recall@5": "Success@5",
    "Recall@10": "Success@10",
    "MRR@10": "RR@10",
    "nDCG@10": "nDCG@10",
}
DOCUMENT_MEASURES = {
    "Acc@1": "Success@1",
    "Recall@5": "Success@5",
    "Recall@10": "Success@10",
    "MRR@10": "RR@10",
}
ESCO_MEASURES = {"Acc@1": "Success@1", "Recall@10": "Success@10"}


# --- questions -------------------------------------------------------------------------------------------------


@dataclass
class Question:
    id: str
    query: str
    doc: str
    answer: str = ""  # empty: only the document is judged (ESCO queries)
    type: str = ""
    split: str = ""


def load_questions(path: Path, split: str = "all", limit: int | None = None) -> list[Question]:
    """The questions of one split ("tune", "heldout" or "all"), in file order; the first `limit` if given."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    questions = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                q = Question(**json.loads(line))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a question record ({exc})") from None
            if split == "all" or q.split == split:
                questions.append(q)
    return questions[:limit] if limit is not None else questions


def split_key(question_id: str) -> str:
    return hashlib.sha1(question_id.encode("utf-8")).hexdigest()


def assign_splits(questions: Iterable[Question], share: float = HELDOUT_SHARE) -> dict[str, str]:
    """id -> "heldout" | "tune": within each type, the round(share * n) questions first in sha1(id) order are held
    out. Depends only on ids and types, never on search results, so it is stable as questions are added."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for q in questions:
        by_type[q.type].append(q.id)
    splits = {}
    for ids in by_type.values():
        ids.sort(key=split_key)
        held = int(len(ids) * share + 0.5)
        for i, qid in enumerate(ids):
            splits[qid] = "heldout" if i < held else "tune"
    return splits


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def contains_answer(text: str, answer: str) -> bool:
    """Case-insensitive, whitespace-normalized substring test."""
    return normalize(answer) in normalize(text)


# --- judging ---------------------------------------------------------------------------------------------------


def passage_qrels(snapshot: IndexSnapshot, questions: Sequence[Question]) -> dict[str, dict[str, int]]:
    """question id -> {passage_id: 1} for every passage of the question's document that contains the answer."""
    by_doc: dict[str, list] = defaultdict(list)
    for p in snapshot.passages:
        by_doc[p.doc_id].append(p)
    return {
        q.id: {p.passage_id: 1 for p in by_doc.get(q.doc, []) if contains_answer(p.text, q.answer)}
        for q in questions
        if q.answer
    }


def document_qrels(questions: Sequence[Question]) -> dict[str, dict[str, int]]:
    return {q.id: {q.doc: 1} for q in questions}


def ranked_scores(ids: Sequence[str]) -> dict[str, float]:
    """A run entry from a ranked list: strictly descending scores, so no tie-breaking can reorder it."""
    return {i: float(len(ids) - r) for r, i in enumerate(ids)}


def unique_docs(hits) -> list[str]:
    """The documents of the hits in order, each once: the result list at document level."""
    docs: list[str] = []
    for h in hits:
        if h.passage.doc_id not in docs:
            docs.append(h.passage.doc_id)
    return docs


def per_question(
    measures: dict[str, str], qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Each measure's value for every question in qrels: name -> question id -> value. A question missing from the
    run, or with nothing relevant in the index (ir-measures would leave it out), scores 0."""
    import ir_measures

    parsed = {name: ir_measures.parse_measure(m) for name, m in measures.items()}
    qrels = {qid: rel or {"<nothing relevant in the index>": 1} for qid, rel in qrels.items()}
    run = {qid: run.get(qid, {}) for qid in qrels}
    got: dict[object, dict[str, float]] = defaultdict(dict)
    if qrels:
        for m in ir_measures.iter_calc(list(set(parsed.values())), qrels, run):
            got[m.measure][m.query_id] = float(m.value)
    return {name: {qid: got[m].get(qid, 0.0) for qid in qrels} for name, m in parsed.items()}


def mean_scores(values: dict[str, dict[str, float]]) -> dict[str, float]:
    """name -> mean over questions, from per_question's values (0 for no questions)."""
    return {name: float(np.mean(list(v.values()))) if v else 0.0 for name, v in values.items()}


def score(measures: dict[str, str], qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]):
    """Mean of each measure over all questions in qrels (see per_question: missing or unanswerable questions
    score 0)."""
    return mean_scores(per_question(measures, qrels, run))


class QueryCache:
    """Wraps an Embedder so a query searched in several modes is embedded once (hybrid and dense both need it).
    Batches (index builds) pass straight through."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if len(texts) != 1:
            return self._embedder.encode(texts, progress=progress)
        if texts[0] not in self._vectors:
            self._vectors[texts[0]] = self._embedder.encode(texts)[0]
        return self._vectors[texts[0]][None, :]

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)


@dataclass
class Outcome:
    """One question in one mode: where its relevant passage and document came, and what came first."""

    id: str
    query: str
    doc: str
    passage_rank: int | None
    doc_rank: int | None
    first_doc: str
    first_section: str
    first_text: str


@dataclass
class ModeResult:
    mode: str
    passage: dict[str, float]
    document: dict[str, float]
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    # level ("passage", "document") -> metric -> question id -> value: what the means above average
    per_question: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    no_match: dict[str, bool] = field(default_factory=dict)  # question id -> answered "no good match"

    def misses(self, k: int = 5) -> list[Outcome]:
        """Questions whose relevant passage is not in the top k (document, for questions judged by document)."""

        def rank(o: Outcome) -> int | None:
            return o.passage_rank if self.passage else o.doc_rank

        return [o for o in self.outcomes if rank(o) is None or rank(o) > k]


def run_mode(
    searcher: Searcher,
    questions: Sequence[Question],
    mode: str,
    k: int = K,
    per_doc: int = 2,
    qrels: dict[str, dict[str, int]] | None = None,
    passage_measures: dict[str, str] | None = None,
    document_measures: dict[str, str] | None = None,
) -> ModeResult:
    """Searches every question in one mode and scores the run at passage level (when qrels are given) and
    document level."""
    started = time.monotonic()
    passage_run: dict[str, dict[str, float]] = {}
    doc_run: dict[str, dict[str, float]] = {}
    outcomes = []
    flagged: dict[str, bool] = {}
    for q in questions:
        hits = searcher.search(q.query, k=k, mode=mode, per_doc=per_doc)
        flagged[q.id] = searcher.no_match(hits)
        docs = unique_docs(hits)
        passage_run[q.id] = ranked_scores([h.passage.passage_id for h in hits])
        doc_run[q.id] = ranked_scores(docs)
        relevant = qrels.get(q.id, {}) if qrels is not None else {}
        p_rank = next((i for i, h in enumerate(hits, 1) if h.passage.passage_id in relevant), None)
        d_rank = docs.index(q.doc) + 1 if q.doc in docs else None
        first = hits[0].passage if hits else None
        outcomes.append(
            Outcome(
                q.id,
                q.query,
                q.doc,
                p_rank,
                d_rank,
                first.doc_id if first else "",
                first.section if first else "",
                first.text[:160] if first else "",
            )
        )
    values = {"document": per_question(document_measures or DOCUMENT_MEASURES, document_qrels(questions), doc_run)}
    if qrels is not None:
        values = {"passage": per_question(passage_measures or PASSAGE_MEASURES, qrels, passage_run), **values}
    passage, document = mean_scores(values.get("passage", {})), mean_scores(values["document"])
    return ModeResult(mode, passage, document, outcomes, round(time.monotonic() - started, 2), values, flagged)


@dataclass
class Unanswerable:
    """A question the corpus cannot answer (tests/eval/out_of_scope.jsonl): what kind, and was it flagged."""

    id: str
    query: str
    kind: str
    flagged: bool = False


def load_unanswerable(path: Path) -> list[Unanswerable]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                d = json.loads(line)
                out.append(Unanswerable(d["id"], d["query"], d.get("kind", "")))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a question ({exc})") from exc
    return out


def flag_unanswerable(searcher: Searcher, questions: Sequence[Unanswerable], k: int = K) -> list[Unanswerable]:
    """Each question searched as a user would (hybrid, per_doc=2), with whether the answer was "no good match"."""
    return [replace(q, flagged=searcher.no_match(searcher.search(q.query, k=k))) for q in questions]


def evaluate(
    searcher: Searcher,
    questions: Sequence[Question],
    modes: Sequence[str] = MODES,
    k: int = K,
    per_doc: int = 2,
) -> list[ModeResult]:
    """The question set in every mode: Searcher.search(query, k, mode, per_doc) judged at passage and doc level."""
    for m in modes:
        if m not in MODES:
            raise ValueError(f"unknown mode {m!r}: choose from {', '.join(MODES)}")
    qrels = passage_qrels(searcher.snapshot, questions) if any(q.answer for q in questions) else None
    return [run_mode(searcher, questions, m, k, per_doc, qrels) for m in modes]


def unanswerable(snapshot: IndexSnapshot, questions: Sequence[Question]) -> list[Question]:
    """Questions that no passage of the index can answer (missing document or answer not in any passage)."""
    qrels = passage_qrels(snapshot, questions)
    return [q for q in questions if not qrels.get(q.id)]


def run_scores(results: Sequence[ModeResult]) -> Scores:
    """mode -> level -> metric -> question id -> value: the per-question values a saved run holds."""
    return {r.mode: r.per_question for r in results}


def results_json(results: Sequence[ModeResult], misses: bool = False, miss_k: int = 5) -> dict:
    """Means by level and mode, their 95% bootstrap intervals ("ci95": level -> mode -> metric -> [low, high]),
    seconds per mode and, if asked, the misses."""
    out: dict = {
        "passage": {r.mode: r.passage for r in results if r.passage},
        "document": {r.mode: r.document for r in results},
        "ci95": intervals_json(intervals(run_scores(results))),
        "mode_seconds": {r.mode: r.seconds for r in results},
        "no_match": {r.mode: share_json(list(r.no_match.values())) for r in results if r.mode != "lexical"},
    }
    if not out["passage"]:
        del out["passage"]
    if misses:
        out["misses"] = {r.mode: [asdict(o) for o in r.misses(miss_k)] for r in results}
    return out


def share_json(flags: Sequence[bool]) -> dict:
    """How many of the flags are set, their share and its 95% bootstrap interval."""
    ci = bootstrap_ci([float(f) for f in flags]) if flags else None
    return {
        "flagged": int(sum(flags)),
        "of": len(flags),
        "share": round(ci.value, 4) if ci else 0.0,
        "ci95": [round(ci.low, 4), round(ci.high, 4)] if ci else [0.0, 0.0],
    }


def unanswerable_json(flagged: Sequence[Unanswerable]) -> dict:
    """The share flagged "no good match", over all and by kind."""
    kinds = sorted({q.kind for q in flagged})
    return {
        "all": share_json([q.flagged for q in flagged]),
        "kinds": {kind: share_json([q.flagged for q in flagged if q.kind == kind]) for kind in kinds},
        "missed": [{"id": q.id, "query": q.query, "kind": q.kind} for q in flagged if not q.flagged],
    }


def format_share(name: str, share: dict) -> str:
    low, high = share["ci95"]
    return f"{name:<16} {share['flagged']:>4}/{share['of']:<4} {share['share']:.3f} [{low:.3f}, {high:.3f}]"


def format_table(rows: dict[str, dict[str, float]], first: str = "mode", ci: dict[str, dict] | None = None) -> str:
    """A plain aligned table: one row per key, one column per metric (3 decimals); with ci (key -> metric ->
    [low, high]) each cell also shows its 95% interval: "0.881 [0.839, 0.919]"."""
    if not rows:
        return ""

    def cell(name: str, col: str) -> str:
        value = f"{rows[name][col]:.3f}"
        if ci is None or col not in ci.get(name, {}):
            return value
        low, high = ci[name][col]
        return f"{value} [{low:.3f}, {high:.3f}]"

    cols = list(next(iter(rows.values())))
    w0 = max(len(first), *(len(r) for r in rows))
    widths = [max(len(c), 5, *(len(cell(n, c)) for n in rows)) for c in cols]
    lines = [f"{first:<{w0}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cols, widths, strict=True))]
    for name in rows:
        lines.append(f"{name:<{w0}}  " + "  ".join(f"{cell(name, c):>{w}}" for c, w in zip(cols, widths, strict=True)))
    return "\n".join(lines)


# --- ESCO occupations as an outside benchmark -------------------------------------------------------------------

# bump when the CSV -> Markdown conversion or the build's files change, so cached indexes are rebuilt
# (2: builds gained names.faiss; an older cached build would still load, silently without name vectors)
ESCO_FORMAT = 2
ESCO_SPLIT_SEED = 28
ESCO_SHARES = {"report": 0.2, "tune": 0.1}  # of the occupations; the rest trains the career model


@dataclass
class Occupation:
    doc_id: str
    label: str
    description: str
    alt_labels: list[str]
    uri: str = ""
    isco_group: str = ""
    hidden_labels: list[str] = field(default_factory=list)


def read_esco(csv_path: Path) -> list[Occupation]:
    """Occupations of the ESCO occupations_en.csv in file order; doc_id is the slug of the preferred label (made
    unique with the concept id if two labels slug alike)."""
    occupations: list[Occupation] = []
    used: set[str] = set()
    with open(csv_path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            label = (row.get("preferredLabel") or "").strip()
            if not label:
                continue
            doc_id = slugify(label)
            if doc_id in used:
                doc_id = f"{doc_id}-{slugify((row.get('conceptUri') or '').rsplit('/', 1)[-1])[:8]}"
            used.add(doc_id)
            alts = [a.strip() for a in (row.get("altLabels") or "").split("\n") if a.strip()]
            hidden = [a.strip() for a in (row.get("hiddenLabels") or "").split("\n") if a.strip()]
            occupations.append(Occupation(doc_id, label, (row.get("description") or "").strip(), alts,
                                          (row.get("conceptUri") or "").strip(), (row.get("iscoGroup") or "").strip(),
                                          hidden))
    return occupations


def split_occupations(occupations: Sequence[Occupation], seed: int = ESCO_SPLIT_SEED) -> dict[str, list[Occupation]]:
    """ESCO split by occupation, fixed by the seed and the concept ids (not the file's order): "train" (the model
    learns from its labels and descriptions), "tune" (fusion and no-match fits) and "report" (evaluation only).
    A label or description of a tune or report occupation never reaches the model's training."""
    ordered = sorted(occupations, key=lambda o: o.uri or o.doc_id)
    random.Random(seed).shuffle(ordered)
    n_report = math.ceil(len(ordered) * ESCO_SHARES["report"])  # at least the share
    n_held = round(len(ordered) * ESCO_SHARES["report"]) + round(len(ordered) * ESCO_SHARES["tune"])
    return {"report": ordered[:n_report], "tune": ordered[n_report:n_held], "train": ordered[n_held:]}


def esco_markdown(o: Occupation) -> str:
    """One occupation as a career document: the preferred label as title, the description as its Overview."""
    title = json.dumps(o.label, ensure_ascii=False)  # a JSON string is valid YAML, whatever the label holds
    return f"---\ntitle: {title}\n---\n# {o.label}\n\n## Overview\n{o.description or o.label}\n"


def write_esco_corpus(occupations: Sequence[Occupation], folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for o in occupations:
        (folder / f"{o.doc_id}.md").write_text(esco_markdown(o), encoding="utf-8")


def esco_queries(occupations: Sequence[Occupation], sample: int = 1000, seed: int = 13) -> list[Question]:
    """A fixed sample of alternative labels as queries, each with its own occupation as the relevant document.
    Labels equal to the occupation's preferred label (ignoring case) are skipped."""
    pairs = [(alt, o.doc_id) for o in occupations for alt in o.alt_labels if alt.casefold() != o.label.casefold()]
    chosen = random.Random(seed).sample(pairs, min(sample, len(pairs)))
    return [Question(f"esco-{i:04d}", label, doc) for i, (label, doc) in enumerate(chosen, 1)]


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def esco_cache_dir(csv_path: Path) -> Path:
    """A temp folder keyed by the CSV's hash (never inside the project): corpus/ and index/ live there."""
    return Path(tempfile.gettempdir()) / f"career-search-esco-{file_hash(csv_path)[:16]}-v{ESCO_FORMAT}"


def esco_index(
    csv_path: Path, settings, occupations: Sequence[Occupation] | None = None, rebuild: bool = False
) -> tuple[Path, float]:
    """The index of the ESCO occupations, kept per CSV and brought up to date like any index: (index folder, seconds
    spent building, 0 when it was up to date). rebuild=True builds anew even so. Each backend has its own index
    folder (switching one folder between backends would rebuild it each time), all sharing the FAISS one's embedding
    cache; a Qdrant backend without a configured location keeps its collections (local mode) in the cache folder."""
    from indexer.builds.build import build_index
    from indexer.embed.cache import CACHE_FILE

    cache = esco_cache_dir(csv_path)
    index, corpus = cache / "index", cache / "corpus"
    if settings.backend != "faiss":
        update: dict = {"embed_cache": settings.embed_cache or index / CACHE_FILE}
        if settings.backend == "qdrant" and not (settings.qdrant_url or settings.qdrant_path):
            update["qdrant_path"] = str(cache / "qdrant")
        settings = settings.model_copy(update=update)
        index.mkdir(parents=True, exist_ok=True)
        index = cache / f"index-{settings.backend}"
    started = time.monotonic()
    write_esco_corpus(occupations if occupations is not None else read_esco(csv_path), corpus)
    result = build_index(corpus, index, settings, progress=False, force=rebuild)
    return index, 0.0 if result.up_to_date else round(time.monotonic() - started, 1)
