"""The career model: shipped in the package and used by default, the same vectors from ONNX as from torch, the base
model one setting away, and an ESCO split that keeps the reported occupations out of training."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from indexer.documents import PATH_SEP
from indexer.embed import embedder_identity, get_embedder
from indexer.embed.base import CAREER_MODEL_DIR
from indexer.settings import BUNDLED_MODEL, CAREER_MODEL, Settings
from indexer.tuning.evaluation import read_esco, split_occupations
from indexer.tuning.pairs import TEMPLATES, esco_careers, esco_pairs, guard_texts

ROOT = Path(__file__).resolve().parents[2]
ESCO = ROOT / "data" / "esco" / "occupations_en.csv"
TEXTS = [
    "RN",
    "geodetic engineer",
    "what does a chief technology officer do",
    "Registered Nurse › Salary Ranges: Staff nurses in large hospitals earn more on night shifts.",
]


def test_the_career_model_is_the_default_and_its_weights_match_their_record():
    assert Settings().model == CAREER_MODEL
    record = json.loads((CAREER_MODEL_DIR / "training.json").read_text())
    weights = (CAREER_MODEL_DIR / "model.safetensors").read_bytes()
    assert hashlib.sha256(weights).hexdigest() == record["sha256"]
    assert len(weights) <= 50 << 20
    assert record["sha256"][:16] in embedder_identity(Settings())


@pytest.mark.slow  # loads torch
def test_onnx_gives_the_torch_vectors_of_the_career_model(settings: Settings):
    onnx = get_embedder(settings.model_copy(update={"embedder": "onnx"})).encode(TEXTS)
    torch = get_embedder(settings.model_copy(update={"embedder": "torch"})).encode(TEXTS)
    assert np.min((onnx * torch).sum(axis=1)) >= 0.99


def test_one_setting_switches_back_to_the_base_model(settings: Settings):
    base = settings.model_copy(update={"model": BUNDLED_MODEL})
    assert embedder_identity(base) != embedder_identity(settings)  # a build of one is not up to date for the other
    tuned, plain = get_embedder(settings).encode(TEXTS), get_embedder(base).encode(TEXTS)
    assert np.max((tuned * plain).sum(axis=1)) < 0.999  # really another model


@pytest.fixture(scope="module")
def split():
    return split_occupations(read_esco(ESCO))


def test_the_esco_split_is_fixed_and_keeps_a_fifth_for_reporting(split):
    total = sum(len(v) for v in split.values())
    assert len(split["report"]) >= 0.2 * total
    again = split_occupations(read_esco(ESCO))
    assert [o.doc_id for o in again["report"]] == [o.doc_id for o in split["report"]]
    ids = [{o.doc_id for o in v} for v in split.values()]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])


def test_no_reported_or_tuning_occupation_reaches_training(split):
    pairs = esco_pairs(split["train"], seed=28)
    train = split["train"]
    titles = {o.label for o in train}
    labels = {label for o in train for label in [*o.alt_labels, *o.hidden_labels]}
    asked = labels | {t.format(label) for t in TEMPLATES for label in labels}
    held_descriptions = {o.description for o in split["report"] + split["tune"] if len(o.description) > 40}
    assert len(pairs) > 10_000
    for p in pairs:
        assert p.source.removeprefix("esco:") in {o.doc_id for o in train}
        assert p.anchor in asked  # a training occupation's label, bare or in a question
        for text in (p.positive, p.negative):
            assert text.split(PATH_SEP)[0] in titles  # a training occupation's name or passage
            assert text.partition(": ")[2] not in held_descriptions


def test_the_guarded_texts_hold_nothing_of_a_reported_or_tuning_occupation(split):
    """What training keeps in place is the corpus's own texts and training occupations' passages only."""
    guarded = guard_texts([], esco_careers(split["train"][:300]), 200, seed=28)
    titles = {o.label for o in split["train"]}
    held_descriptions = {o.description for o in split["report"] + split["tune"] if len(o.description) > 40}
    assert len(guarded) == 200
    for text in guarded:
        assert text.split(PATH_SEP)[0] in titles and text.partition(": ")[2] not in held_descriptions
