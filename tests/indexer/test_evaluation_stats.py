"""Confidence intervals and baseline comparisons of evaluation runs, on small synthetic per-question values."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.tuning.evaluation import load_questions
from indexer.tuning.stats import (
    Comparison,
    Interval,
    Run,
    RunSet,
    bootstrap_ci,
    compare,
    format_comparisons,
    format_difference,
    format_interval,
    load_run,
    paired_difference,
    save_run,
)
from tests.helpers import ROOT

BASELINES = ROOT / "tests" / "eval" / "baselines"


def scores(values: dict[str, float], mode: str = "hybrid", metric: str = "MRR@10") -> dict:
    return {mode: {"passage": {metric: values}}}


def test_interval_contains_the_mean_and_narrows_with_more_questions():
    few = [1, 0, 1, 1, 0.5] * 8
    many = few * 10
    small, large = bootstrap_ci(few), bootstrap_ci(many)
    assert small.value == pytest.approx(0.7) and large.value == pytest.approx(0.7)
    assert small.contains(small.value) and large.contains(large.value)
    assert small.low < 0.7 < small.high
    assert large.high - large.low < (small.high - small.low) / 2  # 10x the questions: about 1/sqrt(10) as wide
    assert (small.n, large.n) == (40, 400)
    assert bootstrap_ci(few) == small  # fixed seed: the same interval every time


def test_all_equal_values_give_a_point_interval():
    assert bootstrap_ci([1.0] * 30) == Interval(1.0, 1.0, 1.0, 30)
    assert bootstrap_ci([0.25]) == Interval(0.25, 0.25, 0.25, 1)
    with pytest.raises(ValueError):
        bootstrap_ci([])


def test_a_run_compared_with_itself_is_zero_and_noise():
    values = {f"q{i}": (i % 3) / 2 for i in range(50)}
    (c,) = compare(scores(values), scores(values))
    assert (c.current, c.baseline, c.difference) == (c.baseline, c.current, Interval(0.0, 0.0, 0.0, 50))
    assert c.verdict == "noise"
    assert format_difference(c.difference) == "+0.000 [+0.000, +0.000]"


def test_a_clear_gain_is_better_and_a_clear_loss_is_worse():
    old = {f"q{i}": 0.0 for i in range(60)}
    new = {f"q{i}": 1.0 if i % 2 else 0.0 for i in range(60)}
    (up,) = compare(scores(new), scores(old))
    (down,) = compare(scores(old), scores(new))
    assert up.verdict == "better" and up.difference.low > 0 and up.difference.value == pytest.approx(0.5)
    assert down.verdict == "worse" and down.difference.high < 0
    # one question of 60 changed: within the noise
    one = dict(old, q0=1.0)
    (tiny,) = compare(scores(one), scores(old))
    assert tiny.verdict == "noise" and tiny.difference.low <= 0 < tiny.difference.high


def test_paired_bootstrap_resamples_the_same_questions_in_both_runs():
    # every question gains exactly 0.1: paired, the difference has no spread at all (unpaired it would be wide)
    base = [0.0, 0.5, 1.0, 0.2, 0.9, 0.4] * 5
    diff = paired_difference([b + 0.1 for b in base], base)
    assert diff.value == pytest.approx(0.1) and diff.high - diff.low < 1e-9
    with pytest.raises(ValueError):
        paired_difference([1.0, 0.0], [1.0])


def test_comparison_uses_only_the_questions_both_runs_hold():
    current = scores({"a": 1.0, "b": 1.0, "c": 0.0})
    baseline = scores({"b": 0.0, "c": 0.0, "d": 1.0})
    (c,) = compare(current, baseline)
    assert c.difference.n == 2 and (c.current, c.baseline) == (0.5, 0.0)
    assert compare(current, scores({"b": 1.0}, mode="dense")) == []  # no mode in common: nothing to compare


def test_printed_lines():
    assert format_interval(Interval(0.8809, 0.8389, 0.9194, 236)) == "0.881 [0.839, 0.919]"
    assert format_difference(Interval(0.0124, -0.0041, 0.0272, 128)) == "+0.012 [\u22120.004, +0.027]"
    assert format_difference(Interval(-0.0004, -0.0301, 0.0203, 128)) == "+0.000 [\u22120.030, +0.020]"
    c = Comparison("hybrid", "passage", "MRR@10", 0.92, 0.908, Interval(0.012, -0.004, 0.027, 128), "noise")
    header, line = format_comparisons([c]).splitlines()
    assert header.split()[:5] == ["mode", "level", "metric", "current", "baseline"]
    assert line.split() == [
        "hybrid",
        "passage",
        "MRR@10",
        "0.920",
        "0.908",
        "+0.012",
        "[\u22120.004,",
        "+0.027]",
        "noise",
    ]


def test_a_saved_run_reads_back_as_a_baseline(tmp_path: Path):
    values = {"q1": 1.0, "q2": 0.0, "q3": 1 / 3, "q4": 0.6309297535714575}
    run = Run("2026-12-03T10:00:00Z", {"questions": RunSet({"split": "tune", "build": "b1"}, scores(values))})
    path = tmp_path / "runs" / "base.json"
    save_run(run, path)
    back = load_run(path)
    assert back == run  # exactly: a run compared with its saved copy differs by 0
    (c,) = compare(run.sets["questions"].scores, back.sets["questions"].scores)
    assert c.difference == Interval(0.0, 0.0, 0.0, 4) and c.verdict == "noise"
    (tmp_path / "other.json").write_text('{"questions": 3}', encoding="utf-8")
    with pytest.raises(ValueError, match="not an evaluation run"):
        load_run(tmp_path / "other.json")


@pytest.mark.parametrize(
    "name, questions, split",
    [
        ("tune.json", "questions.jsonl", "tune"),
        ("heldout.json", "questions.jsonl", "heldout"),
        ("dev.json", "questions_dev.jsonl", "all"),
    ],
)
def test_saved_baselines_cover_their_question_sets(name: str, questions: str, split: str):
    """The committed baselines hold a value for every question of their set, in every mode and metric."""
    s = load_run(BASELINES / name).sets["questions"]
    assert s.meta["split"] == split and s.meta["questions_file"] == f"tests/eval/{questions}"
    ids = {q.id for q in load_questions(ROOT / "tests" / "eval" / questions, split)}
    assert set(s.scores) == {"hybrid", "dense", "lexical"}
    for levels in s.scores.values():
        assert set(levels) == {"passage", "document"}
        assert all(set(values) == ids for metrics in levels.values() for values in metrics.values())
