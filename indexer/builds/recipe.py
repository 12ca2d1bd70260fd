"""What shapes a build: the settings, model and code that decide its contents, recorded in the manifest.

Two builds of the same corpus with the same recipe are the same index, so a rebuild whose corpus fingerprint and
recipe fingerprint equal the live build's has nothing to do."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from indexer.settings import Settings

# The modules whose code decides what a build holds (reading, cutting, embed texts, the files written): a change to
# any of them after an upgrade makes the next rebuild a real one. Unchanged texts still come from the cache.
_SHAPING = ("documents.py", "analysis", "ingest", "builds/build.py", "builds/layout.py", "stores")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    root = Path(__file__).resolve().parents[1]  # indexer/
    h = hashlib.sha256()
    for name in _SHAPING:
        path = root / name
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def build_recipe(settings: Settings, embedder_identity: str) -> dict:
    """Every input of a build besides the corpus, as plain values (the manifest's `recipe`)."""
    from indexer.builds.layout import FORMAT_VERSION, SENTENCE_MIN_WORDS
    from indexer.ranking import load_ranking

    return {
        "format_version": FORMAT_VERSION,
        "model": settings.model,
        "embedder": embedder_identity,
        "passage_min_words": settings.passage_min_words,
        "passage_max_words": settings.passage_max_words,
        "max_file_mb": settings.max_file_mb,
        "sentence_min_words": SENTENCE_MIN_WORDS,
        "sentence_min_passage_words": settings.sentence_min_passage_words,
        "sentence_vectors": settings.sentence_vectors,
        "vector_index": settings.vector_index,
        "hnsw": [settings.hnsw_m, settings.hnsw_ef_search] if settings.vector_index != "flat" else None,
        "lexical_index": settings.lexical_index,
        "backend": settings.backend,  # switching between FAISS files and Qdrant collections is a real rebuild
        "code": code_fingerprint(),
        "ranking": load_ranking().to_dict(),  # the build serves the configuration it was made with
    }


def recipe_fingerprint(recipe: dict) -> str:
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
