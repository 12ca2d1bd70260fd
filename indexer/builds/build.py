"""A whole build: read the corpus, cut passages, embed what the cache lacks, write a new build and make it live."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from indexer.analysis.text import word_count
from indexer.builds.layout import (
    BUILDS,
    DB_FILE,
    FAISS_FILE,
    MANIFEST_FILE,
    NAME_FAISS_FILE,
    SENTENCE_FAISS_FILE,
    SENTENCE_MIN_WORDS,
    BuildReport,
    Manifest,
    PartialBuild,
    build_dir,
    build_lock,
    clean_leftovers,
    current_build_id,
    new_build_id,
)
from indexer.builds.recipe import build_recipe, recipe_fingerprint
from indexer.documents import Document, Passage, ReadResult, Section, Skipped
from indexer.embed import Embedder, embedder_identity, get_embedder
from indexer.embed.cache import CACHE_FILE, EmbeddingCache
from indexer.embed.late import Span, late_vectors
from indexer.errors import BuildError, CacheError, CorpusError, StoreUnavailable
from indexer.ingest.corpus import CorpusReader, corpus_fingerprint
from indexer.ingest.parse_cache import PARSE_CACHE_FILE, ParseCache
from indexer.ingest.passages import passages_of, sentence_spans, sentence_texts
from indexer.settings import Settings
from indexer.stores.lexical import factory as lexical_factory
from indexer.stores.vectors import factory as vector_factory

if TYPE_CHECKING:
    from indexer.stores.qdrant_link import BuildCollection

EMBED_CHUNK = 64  # texts per model call: the progress bar moves, and a killed build keeps what it had embedded
VERIFY_SAMPLE = 4  # cached vectors compared with the model's whenever the model is loaded anyway
VERIFY_MIN_COSINE = 0.99


@dataclass
class BuildResult:
    manifest: Manifest
    path: Path
    skipped: list[Skipped]
    leftovers_removed: list[str]
    up_to_date: bool = False  # nothing to do: the live build already has this corpus and recipe
    embedded: int = 0  # texts the model embedded
    cached: int = 0  # texts whose vectors came from the embedding cache
    cache_note: str = ""  # what was wrong with a cache, if anything, and what the build did about it
    reused_files: int = 0  # files unchanged since an earlier build, whose documents came from the parse cache
    pooled: int = 0  # sentence vectors pooled from their passage's pass of the model (late chunking)


def cache_path(index_dir: Path, settings: Settings) -> Path:
    return Path(settings.embed_cache).expanduser() if settings.embed_cache else index_dir / CACHE_FILE


def live_build_if_up_to_date(corpus: Path, index_dir: Path, settings: Settings) -> Manifest | None:
    """The live build's manifest when it was made from this corpus with this recipe; loads no model."""
    build_id = current_build_id(index_dir)
    if build_id is None:
        return None
    path = build_dir(index_dir, build_id)
    try:
        manifest = Manifest.load(path / MANIFEST_FILE)
    except (OSError, ValueError, TypeError):
        return None
    recipe = build_recipe(settings, embedder_identity(settings))
    if manifest.recipe_fingerprint != recipe_fingerprint(recipe):
        return None
    if not (path / DB_FILE).is_file() or not all(
        vector_factory.saved(path / f, manifest.store(Path(f).stem))
        for f in (FAISS_FILE, SENTENCE_FAISS_FILE, NAME_FAISS_FILE)
    ):
        return None
    if manifest.corpus_fingerprint != corpus_fingerprint(corpus, settings.max_file_mb):
        return None
    return manifest


def build_index(
    corpus: Path, index_dir: Path, settings: Settings, progress: bool = True, force: bool = False
) -> BuildResult:
    started = time.monotonic()
    if not corpus.is_dir():
        raise CorpusError(
            f"corpus folder {corpus} does not exist" if not corpus.exists() else f"{corpus} is not a folder"
        )
    with build_lock(index_dir):
        try:
            return _build_locked(corpus, index_dir, settings, progress, force, started)
        except StoreUnavailable as exc:  # the Qdrant server is down, refuses, or its local folder is in use
            raise BuildError(f"{exc}; the live index is unchanged") from None


@dataclass
class Texts:
    """What a build embeds and stores: the corpus's documents and passages, and the sentences of passages long enough
    to have them (owners[i] is the passage row of sentence i)."""

    read: ReadResult
    passages: list[Passage]
    owners: list[int]
    sentences: list[str]
    spans: list[list[Span]]  # where each sentence stands in its passage's embed text (late vectors pool there)


def _build_locked(
    corpus: Path, index_dir: Path, settings: Settings, progress: bool, force: bool, started: float
) -> BuildResult:
    _reach_engine(settings)
    leftovers = _prepare(index_dir)
    live = None if force else live_build_if_up_to_date(corpus, index_dir, settings)
    if live is not None:
        return BuildResult(live, build_dir(index_dir, live.build_id), [], leftovers, up_to_date=True)
    identity = embedder_identity(settings)
    recipe = build_recipe(settings, identity)
    texts, parsed = _read(corpus, index_dir, settings, recipe, progress)
    build_id = new_build_id()
    remote = _collection(settings, build_id)
    # from here on, a killed build leaves only this folder (and its collection) behind
    partial = PartialBuild(index_dir, build_id, remote.publish if remote else None, remote.drop if remote else None)
    try:
        vectors = _CachedEmbedding(settings, cache_path(index_dir, settings), identity, progress)
        embedded = _embed(vectors, texts, settings.sentence_vectors == "late")
        _write(partial, embedded, texts, settings, remote, recipe, progress)
        manifest = _manifest(build_id, corpus, settings, texts, embedded[0].shape[1], vectors, recipe, started)
        path = partial.finish(manifest, _report(texts.read), settings.keep_builds)
    except BaseException:
        partial.abort()
        raise
    if remote:  # the collections of builds whose folders are gone (pruned or killed), never the live one's
        remote.prune({p.name for p in (index_dir / BUILDS).iterdir()})
    note = "; ".join(n for n in (vectors.note, parsed.note) if n)
    return BuildResult(
        manifest, path, texts.read.skipped, leftovers, False, vectors.embedded, vectors.cached, note, parsed.hits,
        vectors.pooled,
    )


def _reach_engine(settings: Settings) -> None:
    """A Qdrant server that is down fails the build here, in one line, before anything is read."""
    if settings.backend == "qdrant":
        from indexer.stores import qdrant_link  # only here: a FAISS build never loads the Qdrant client

        qdrant_link.client(qdrant_link.location(settings))


def _prepare(index_dir: Path) -> list[str]:
    """The index folder, ready for a new build; what killed builds left behind is removed (and listed)."""
    leftovers = clean_leftovers(index_dir)
    try:
        (index_dir / BUILDS).mkdir(exist_ok=True)
    except OSError as exc:
        raise BuildError(f"cannot write to index folder {index_dir}: {exc.strerror}") from None
    return leftovers


def _read(corpus: Path, index_dir: Path, settings: Settings, recipe: dict, progress: bool) -> tuple[Texts, ParseCache]:
    """Every document of the corpus (unchanged files from the parse cache), cut into passages, and their sentences."""
    with tqdm(desc="reading", unit="file", disable=not progress, leave=True) as bar:

        def files_read(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        parsed = ParseCache(index_dir / PARSE_CACHE_FILE, recipe_fingerprint(recipe))
        reader = CorpusReader(corpus, settings.max_file_mb, parsed)
        documents: list[Document] = []
        passages: list[Passage] = []
        try:
            for doc in reader.documents(progress=files_read):  # one file at a time: its passages are what is kept
                passages.extend(passages_of(doc, settings.passage_min_words, settings.passage_max_words))
                doc.sections = [Section(s.path) for s in doc.sections]  # the labels stay (documents table)
                documents.append(doc)
        except BaseException:
            parsed.close()  # what this build parsed is not kept, and nothing is dropped
            raise
        parsed.finish()
    read = ReadResult(documents, reader.skipped, reader.fingerprint)
    if not passages:
        reasons = "; ".join(f"{s.source}: {s.reason}" for s in read.skipped[:3])
        raise CorpusError(
            f"nothing to index in {corpus}: no readable career documents"
            + (f" ({len(read.skipped)} files skipped, e.g. {reasons})" if read.skipped else " (folder is empty)")
        )
    aliases = {d.doc_id: d.aliases for d in documents}
    owners, sentences, spans = [], [], []
    for row, p in enumerate(passages):
        if word_count(p.text) < settings.sentence_min_passage_words:
            continue  # a short passage's sentences say what its own vector says
        units = sentence_texts(p, SENTENCE_MIN_WORDS)
        owners.extend([row] * len(units))
        sentences.extend(units)
        spans.extend(sentence_spans(p, aliases[p.doc_id], SENTENCE_MIN_WORDS))
    return Texts(read, passages, owners, sentences, spans), parsed


def _collection(settings: Settings, build_id: str) -> BuildCollection | None:
    """The build's Qdrant collections (none on the FAISS backend)."""
    if settings.backend != "qdrant":
        return None
    from indexer.stores import qdrant_link

    return qdrant_link.BuildCollection.for_build(settings, build_id)


def _embed(vectors: _CachedEmbedding, texts: Texts, late: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The passages', sentences' and names' vectors: from the cache, or the model for what it lacks; with `late`, a
    passage's sentence vectors come from the passage's own pass of the model."""
    aliases = {d.doc_id: d.aliases for d in texts.read.documents}
    passage_texts = [p.embed_text(aliases[p.doc_id]) for p in texts.passages]
    names = [d.name_text() for d in texts.read.documents]
    try:
        if late:
            passages, sentences = vectors.embed_late(passage_texts, texts.owners, texts.sentences, texts.spans)
            (name_vectors,) = vectors.embed([("embedding names", names)])
        else:
            passages, sentences, name_vectors = vectors.embed(
                [("embedding passages", passage_texts), ("embedding sentences", texts.sentences),
                 ("embedding names", names)]
            )
    finally:
        vectors.close()
    return passages, sentences, name_vectors


def _write(
    partial: PartialBuild,
    embedded: tuple[np.ndarray, np.ndarray, np.ndarray],
    texts: Texts,
    settings: Settings,
    remote: BuildCollection | None,
    recipe: dict,
    progress: bool,
) -> None:
    """Every store of the new build: passage, sentence and name vectors, the tables and the lexical index."""
    passage_vectors, sentence_vectors, name_vectors = embedded
    dimension = passage_vectors.shape[1]
    with tqdm(desc="writing", total=4, unit="store", disable=not progress, leave=True) as bar:
        if remote:
            remote.create(dimension)
        stores = _stores(settings, len(texts.passages), remote)
        partial.write_vectors(passage_vectors, dimension, **stores["passages"])
        bar.update()
        partial.write_sentences(texts.owners, sentence_vectors, dimension, stores["sentences"])
        bar.update()
        partial.write_vectors(name_vectors, dimension, NAME_FAISS_FILE, **stores["names"])
        bar.update()
        fields = recipe["ranking"]["lexical"]["fields"]  # the weights the build records, and serves
        kind, params = stores["lexical"]
        partial.write_texts(texts.read.documents, texts.passages, kind, fields, **params)
        bar.update()


def _manifest(
    build_id: str,
    corpus: Path,
    settings: Settings,
    texts: Texts,
    dimension: int,
    vectors: _CachedEmbedding,
    recipe: dict,
    started: float,
) -> Manifest:
    return Manifest(
        build_id=build_id,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        model=settings.model,
        dimension=dimension,
        documents=len(texts.read.documents),
        passages=len(texts.passages),
        corpus=str(corpus.resolve()),
        corpus_fingerprint=texts.read.fingerprint,
        skipped=len(texts.read.skipped),
        seconds=round(time.monotonic() - started, 2),
        sentences=len(texts.sentences),
        embedded=vectors.embedded,
        pooled=vectors.pooled,
        cached=vectors.cached,
        recipe=recipe,
        recipe_fingerprint=recipe_fingerprint(recipe),
    )


def _report(read: ReadResult) -> BuildReport:
    return BuildReport(
        skipped=[asdict(s) for s in read.skipped],
        documents=[{"doc_id": d.doc_id, "title": d.title, "source": d.source} for d in read.documents],
    )


def _stores(settings: Settings, rows: int, remote: BuildCollection | None) -> dict:
    """Each store's backend and parameters; the lexical one as (kind, params)."""
    if remote is not None:
        return {
            "passages": remote.store("passage"),
            "sentences": remote.store("sentence"),
            "names": remote.store("name"),
            "lexical": (lexical_factory.QDRANT_SPARSE, remote.store()),
        }
    return {
        "passages": passage_store(settings, rows),
        "sentences": {},
        "names": {},
        "lexical": (lexical_factory.choose(settings.lexical_index), {}),
    }


def passage_store(settings: Settings, rows: int) -> dict:
    """The passages' vector store for this many rows: its backend and parameters."""
    kind = vector_factory.choose(settings.vector_index, rows)
    if kind == "hnsw":
        return {"kind": kind, "m": settings.hnsw_m, "ef_search": settings.hnsw_ef_search}
    return {"kind": kind}


class _CachedEmbedding:
    """Vectors for a build's texts: from the embedding cache where it has them, from the model for the rest.

    The model is loaded only if some text is new. A cache that cannot be read or written is set aside (the build
    embeds without it and says so); one whose vectors disagree with the model's is emptied for this model."""

    def __init__(self, settings: Settings, path: Path, identity: str, progress: bool) -> None:
        self.settings = settings
        self.progress = progress
        self.embedded = 0  # texts the model read
        self.cached = 0
        self.pooled = 0  # sentence vectors pooled from their passage's pass (late chunking): no pass of their own
        self.note = ""
        self._model: Embedder | None = None
        self.cache: EmbeddingCache | None = None
        existed = path.exists()
        self._inode: int | None = None
        try:
            self.cache = EmbeddingCache(path, identity, settings.embed_cache_mb)
            self.note = self.cache.stats.note
            self._inode = path.stat().st_ino
        except (CacheError, OSError) as exc:
            self.note = f"embedding cache not used ({exc})"
        self._path, self._existed, self._identity = path, existed, identity
        self._done: list[tuple[list[str], np.ndarray]] = []  # every stage's texts and vectors, to refill a lost cache

    def embed(self, stages: list[tuple[str, list[str]]]) -> list[np.ndarray]:
        found = [self._lookup(texts) for _, texts in stages]
        if any(len(f) < len(texts) for f, (_, texts) in zip(found, stages, strict=True)):
            if self.progress and self._model is None:
                print("loading the embedding model", file=sys.stderr, flush=True)
            self._model_()  # before the bars start: its load is not embedding time
            if not self._cached_vectors_agree(found, stages):
                found = [{} for _ in stages]
        out: list[np.ndarray] = []
        for (stage, texts), hits in zip(stages, found, strict=True):
            out.append(self._fill(stage, texts, hits, out[0].shape[1] if out else None))
            self._done.append((texts, out[-1]))
        return out

    def embed_late(
        self, passages: list[str], owners: list[int], sentences: list[str], spans: list[list[Span]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The passages' vectors and their sentences' late vectors, one pass of the model a passage (a sentence past
        the model's window is embedded alone, from its own text). A sentence's vector is cached under a key naming
        its passage's text and its spans; a passage whose vector or any sentence's is missing is embedded again."""
        keys = [f"{passages[o]}\x00late {spans[i]}" for i, o in enumerate(owners)]
        found_p, found_s = self._lookup(passages), self._lookup(keys)
        of_passage: dict[int, list[int]] = defaultdict(list)
        for i, o in enumerate(owners):
            of_passage[o].append(i)
        todo = [r for r in range(len(passages)) if r not in found_p or any(i not in found_s for i in of_passage[r])]
        if todo:
            if self.progress and self._model is None:
                print("loading the embedding model", file=sys.stderr, flush=True)
            self._model_()
            if not self._cached_vectors_agree([found_p], [("", passages)]):
                found_p, found_s = {}, {}
                todo = list(range(len(passages)))
        p_rows, s_rows = [found_p.get(r) for r in range(len(passages))], [found_s.get(i) for i in range(len(keys))]
        fresh = set(todo)
        self.cached += sum(1 + len(of_passage[r]) for r in range(len(passages)) if r not in fresh)
        todo.sort(key=lambda r: -len(passages[r]))  # like lengths batch together: less padding
        bar = tqdm(desc="embedding passages and sentences", total=len(passages), initial=len(passages) - len(todo),
                   unit="passage", disable=not self.progress, leave=True)
        with bar:
            for start in range(0, len(todo), EMBED_CHUNK):
                chunk = todo[start : start + EMBED_CHUNK]
                self._late_chunk(chunk, passages, sentences, spans, of_passage, p_rows, s_rows)
                self._store([passages[r] for r in chunk], np.vstack([p_rows[r] for r in chunk]))
                done = [i for r in chunk for i in of_passage[r]]
                if done:
                    self._store([keys[i] for i in done], np.vstack([s_rows[i] for i in done]))
                bar.update(len(chunk))
        width = len(p_rows[0]) if p_rows else self._model_().dimension
        out_p = np.vstack(p_rows).astype(np.float32) if p_rows else np.zeros((0, width), np.float32)
        out_s = np.vstack(s_rows).astype(np.float32) if s_rows else np.zeros((0, width), np.float32)
        if out_s.shape[1] != out_p.shape[1]:  # a cached vector of another width: never mix them
            raise BuildError("embedding cache holds vectors of another width; delete it and rebuild")
        self._done += [(passages, out_p), (keys, out_s)]
        return out_p, out_s

    def _late_chunk(
        self,
        chunk: list[int],
        passages: list[str],
        sentences: list[str],
        spans: list[list[Span]],
        of_passage: dict[int, list[int]],
        p_rows: list,
        s_rows: list,
    ) -> None:
        """One model call's passages: their vectors and their sentences' into p_rows and s_rows."""
        model = self._model_()
        wanted = [[spans[i] for i in of_passage[r]] for r in chunk]
        whole, parts = late_vectors(model, [passages[r] for r in chunk], wanted)
        alone = []
        for r, vector, vectors in zip(chunk, whole, parts, strict=True):
            p_rows[r] = vector
            for i, v in zip(of_passage[r], vectors, strict=True):
                if v is None:
                    alone.append(i)
                else:
                    s_rows[i] = v
        for i, v in zip(alone, model.encode([sentences[i] for i in alone]) if alone else [], strict=True):
            s_rows[i] = v
        self.embedded += len(chunk) + len(alone)
        self.pooled += sum(len(of_passage[r]) for r in chunk) - len(alone)

    def _model_(self) -> Embedder:
        if self._model is None:
            self._model = get_embedder(self.settings)
        return self._model

    def _lookup(self, texts: list[str]) -> dict[int, np.ndarray]:
        if self.cache is None or not texts:
            return {}
        try:
            found = self.cache.get(texts)
        except sqlite3.Error as exc:
            self._drop_cache(exc)
            return {}
        self.note = self.note or self.cache.stats.note
        return found

    def _cached_vectors_agree(self, found: list[dict[int, np.ndarray]], stages: list[tuple[str, list[str]]]) -> bool:
        """Since the model is loaded anyway, re-embed a few cached texts: a cache that another model's vectors got
        into (a local model folder whose weights changed under the same path) is caught here."""
        sample = [(texts[i], vec) for f, (_, texts) in zip(found, stages, strict=True) for i, vec in f.items()]
        sample = sample[:VERIFY_SAMPLE]
        if not sample:
            return True
        fresh = self._model_().encode([t for t, _ in sample])
        cosines = [float(np.dot(a, b)) if len(a) == len(b) else 0.0 for a, (_, b) in zip(fresh, sample, strict=True)]
        if min(cosines) >= VERIFY_MIN_COSINE:
            return True
        self.note = "embedding cache did not match the model's vectors; emptied it and embedded everything"
        try:
            self.cache.forget_model()
        except sqlite3.Error as exc:
            self._drop_cache(exc)
        return False

    def _fill(self, stage: str, texts: list[str], hits: dict[int, np.ndarray], width: int | None) -> np.ndarray:
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            if i not in hits:
                missing.setdefault(text, []).append(i)
        dimension = len(next(iter(hits.values()))) if hits else width
        rows: list[np.ndarray | None] = [hits.get(i) for i in range(len(texts))]
        todo = sorted(missing, key=len, reverse=True)  # like lengths batch together: less padding
        with tqdm(
            desc=stage,
            total=len(texts),
            initial=len(hits),
            unit="text",
            postfix=f"{len(hits)} from the cache",
            disable=not self.progress,
            leave=True,
        ) as bar:
            for start in range(0, len(todo), EMBED_CHUNK):
                chunk = todo[start : start + EMBED_CHUNK]
                vecs = self._model_().encode(chunk)
                dimension = vecs.shape[1]
                self._store(chunk, vecs)
                for text, vec in zip(chunk, vecs, strict=True):
                    for i in missing[text]:
                        rows[i] = vec
                bar.update(sum(len(missing[t]) for t in chunk))
        self.embedded += sum(len(v) for v in missing.values())
        self.cached += len(hits)
        if dimension is None:  # no texts and nothing to go by: the model says
            dimension = self._model_().dimension
        if any(len(r) != dimension for r in rows):  # a cached vector of another width: never mix them
            raise BuildError("embedding cache holds vectors of another width; delete it and rebuild")
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dimension), np.float32)

    def _store(self, texts: list[str], vectors: np.ndarray) -> None:
        if self.cache is None:
            return
        try:
            self.cache.put(texts, vectors)
        except sqlite3.Error as exc:
            self._drop_cache(exc)

    def _drop_cache(self, exc: Exception) -> None:
        self.note = f"embedding cache not used ({exc})"
        if self.cache is not None:
            self.cache.close()
        self.cache = None

    def close(self) -> None:
        if self.cache is None:
            return
        try:
            self.cache.trim()
        except sqlite3.Error as exc:
            self._drop_cache(exc)
            return
        self.cache.close()
        try:
            gone = self._path.stat().st_ino != self._inode
        except OSError:
            gone = True
        if gone:  # deleted (or replaced) while this build wrote to it: what it wrote went with the old file
            self._refill()
        elif not self._existed and not self.note:
            self.note = "no embedding cache yet: started one"

    def _refill(self) -> None:
        """A new cache file holding this build's vectors, for a cache deleted during the build."""
        try:
            cache = EmbeddingCache(self._path, self._identity, self.settings.embed_cache_mb)
            try:
                for texts, vectors in self._done:
                    if texts:
                        cache.put(texts, vectors)
            finally:
                cache.close()
        except (CacheError, sqlite3.Error, OSError) as exc:
            self.note = f"embedding cache was deleted during the build and could not be made again ({exc})"
            return
        self.note = "embedding cache was deleted during the build; made it again from this build's vectors"
