"""A whole build: read the corpus, cut passages, embed them, write a new build and make it live."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from indexer.corpus import CorpusError, read_corpus
from indexer.embedder import get_embedder
from indexer.models import PATH_SEP, Passage, Skipped
from indexer.passages import passages_of
from indexer.settings import Settings
from indexer.store import (
    BUILDS,
    NAME_FAISS_FILE,
    SENTENCE_MIN_WORDS,
    BuildError,
    BuildReport,
    Manifest,
    PartialBuild,
    build_lock,
    clean_leftovers,
    new_build_id,
)
from indexer.text import sentence_units


@dataclass
class BuildResult:
    manifest: Manifest
    path: Path
    skipped: list[Skipped]
    leftovers_removed: list[str]


def build_index(corpus: Path, index_dir: Path, settings: Settings, progress: bool = True) -> BuildResult:
    started = time.monotonic()
    if not corpus.is_dir():
        raise CorpusError(
            f"corpus folder {corpus} does not exist" if not corpus.exists() else f"{corpus} is not a folder"
        )
    with build_lock(index_dir):
        leftovers = clean_leftovers(index_dir)
        try:
            (index_dir / BUILDS).mkdir(exist_ok=True)
        except OSError as exc:
            raise BuildError(f"cannot write to index folder {index_dir}: {exc.strerror}") from None
        result = read_corpus(corpus, settings.max_file_mb)
        passages: list[Passage] = []
        for doc in result.documents:
            passages.extend(passages_of(doc, settings.passage_min_words, settings.passage_max_words))
        if not passages:
            reasons = "; ".join(f"{s.source}: {s.reason}" for s in result.skipped[:3])
            raise CorpusError(
                f"nothing to index in {corpus}: no readable career documents"
                + (
                    f" ({len(result.skipped)} files skipped, e.g. {reasons})"
                    if result.skipped
                    else " (folder is empty)"
                )
            )
        build_id = new_build_id()
        partial = PartialBuild(index_dir, build_id)
        try:
            partial.write_texts(result.documents, passages)
            embedder = get_embedder(settings)
            aliases = {d.doc_id: d.aliases for d in result.documents}
            vectors = embedder.encode([p.embed_text(aliases[p.doc_id]) for p in passages], progress=progress)
            partial.write_vectors(vectors, embedder.dimension)
            owners, units = [], []
            for row, p in enumerate(passages):
                for unit in sentence_units(p.text, min_words=SENTENCE_MIN_WORDS):
                    owners.append(row)
                    units.append(f"{p.title}{PATH_SEP}{p.section}: {unit}")
            partial.write_sentences(owners, embedder.encode(units, progress=progress), embedder.dimension)
            names = embedder.encode([d.name_text() for d in result.documents])
            partial.write_vectors(names, embedder.dimension, NAME_FAISS_FILE)
            manifest = Manifest(
                build_id=build_id,
                created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                model=settings.model,
                dimension=embedder.dimension,
                documents=len(result.documents),
                passages=len(passages),
                corpus=str(corpus.resolve()),
                corpus_fingerprint=result.fingerprint,
                skipped=len(result.skipped),
                seconds=round(time.monotonic() - started, 2),
            )
            report = BuildReport(
                skipped=[asdict(s) for s in result.skipped],
                documents=[{"doc_id": d.doc_id, "title": d.title, "source": d.source} for d in result.documents],
            )
            path = partial.finish(manifest, report, settings.keep_builds)
        except BaseException:
            partial.abort()
            raise
    return BuildResult(manifest, path, result.skipped, leftovers)
