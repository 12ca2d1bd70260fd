"""Confidence intervals and paired comparisons of evaluation runs: bootstrap over questions, numpy only.

A figure such as MRR@10 is a mean over questions; how much it would move with other questions of the same kind is
estimated by resampling the questions with replacement (ROUNDS times, a fixed seed, so output is deterministic) and
taking the 2.5th and 97.5th percentiles of the resampled means. Two runs over the same questions are compared by a
paired bootstrap: each round draws one set of question indices and applies it to both runs' per-question values,
i.e. resamples the per-question differences.

A saved run (JSON) holds, per question set ("questions", "esco"), its description and every per-question value:
mode -> level ("passage" or "document") -> metric -> question id -> value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROUNDS = 2000
SEED = 13
CONFIDENCE = 0.95
RUN_FORMAT = 1
MINUS = "\u2212"  # printed differences use a real minus sign: "+0.012 [−0.004, +0.027]"

# mode -> level -> metric -> question id -> value
Scores = dict[str, dict[str, dict[str, dict[str, float]]]]


@dataclass(frozen=True)
class Interval:
    """A mean over n questions (or a mean difference) and its bootstrap confidence interval."""

    value: float
    low: float
    high: float
    n: int

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


@dataclass(frozen=True)
class Comparison:
    """One metric of one mode and level: current and baseline means on the questions both runs hold, and the
    paired difference (current - baseline) with its confidence interval."""

    mode: str
    level: str
    metric: str
    current: float
    baseline: float
    difference: Interval
    verdict: str  # "better" | "worse" | "noise"


@dataclass
class RunSet:
    """One question set of a run: what was run (split, questions file, build, ...) and its per-question values."""

    meta: dict[str, object]
    scores: Scores


@dataclass
class Run:
    """A saved evaluation run: when it was made and its question sets by name ("questions", "esco")."""

    date: str
    sets: dict[str, RunSet] = field(default_factory=dict)


def _resampled_means(values: np.ndarray, rounds: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(values), size=(rounds, len(values)))
    return values[idx].mean(axis=1)


def _interval(values: Sequence[float], rounds: int, seed: int, confidence: float) -> Interval:
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        raise ValueError("no values to bootstrap")
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(_resampled_means(arr, rounds, seed), [tail, 100 - tail])
    mean = float(arr.mean())
    # the percentiles of a mean can miss the mean itself by a rounding error when all values are equal
    return Interval(mean, min(float(low), mean), max(float(high), mean), int(arr.size))


def bootstrap_ci(
    values: Sequence[float], rounds: int = ROUNDS, seed: int = SEED, confidence: float = CONFIDENCE
) -> Interval:
    """The mean of per-question values and its percentile-bootstrap confidence interval over questions."""
    return _interval(values, rounds, seed, confidence)


def paired_difference(
    current: Sequence[float],
    baseline: Sequence[float],
    rounds: int = ROUNDS,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Interval:
    """Mean of current - baseline over the same questions (aligned) and its paired-bootstrap confidence interval:
    each round resamples question indices once and applies them to both runs."""
    if len(current) != len(baseline):
        raise ValueError("paired values must be aligned: one per question in each run")
    return _interval(np.asarray(current, float) - np.asarray(baseline, float), rounds, seed, confidence)


def verdict(difference: Interval) -> str:
    """Better or worse when the interval excludes 0, else noise."""
    if difference.low > 0:
        return "better"
    if difference.high < 0:
        return "worse"
    return "noise"


def intervals(scores: Scores) -> dict[str, dict[str, dict[str, Interval]]]:
    """level -> mode -> metric -> Interval, from per-question values (the order the report prints them in)."""
    out: dict[str, dict[str, dict[str, Interval]]] = {}
    for mode, levels in scores.items():
        for level, metrics in levels.items():
            out.setdefault(level, {})[mode] = {m: bootstrap_ci(list(v.values())) for m, v in metrics.items() if v}
    return out


def compare(current: Scores, baseline: Scores) -> list[Comparison]:
    """Every metric the two runs share (mode, level, metric), on the questions both hold, current vs baseline."""
    out = []
    for mode, levels in current.items():
        for level, metrics in levels.items():
            for metric, values in metrics.items():
                old = baseline.get(mode, {}).get(level, {}).get(metric)
                if not old:
                    continue
                ids = [q for q in values if q in old]
                if not ids:
                    continue
                cur, base = [values[q] for q in ids], [old[q] for q in ids]
                diff = paired_difference(cur, base)
                out.append(
                    Comparison(mode, level, metric, float(np.mean(cur)), float(np.mean(base)), diff, verdict(diff))
                )
    return out


# --- formatting ------------------------------------------------------------------------------------------------


def signed(x: float, digits: int = 3) -> str:
    """+0.012, −0.004 (a real minus sign), and +0.000 for anything that rounds to zero."""
    text = f"{abs(x):.{digits}f}"
    return ("+" if float(text) == 0 or x > 0 else MINUS) + text


def format_interval(iv: Interval) -> str:
    """0.881 [0.839, 0.919]"""
    return f"{iv.value:.3f} [{iv.low:.3f}, {iv.high:.3f}]"


def format_difference(iv: Interval) -> str:
    """+0.012 [−0.004, +0.027]"""
    return f"{signed(iv.value)} [{signed(iv.low)}, {signed(iv.high)}]"


def format_comparisons(comparisons: Sequence[Comparison]) -> str:
    """One line a metric: mode, level, metric, current, baseline, difference [95% CI], verdict."""
    if not comparisons:
        return ""
    wm = max(4, *(len(c.mode) for c in comparisons))
    wl = max(5, *(len(c.level) for c in comparisons))
    wk = max(6, *(len(c.metric) for c in comparisons))
    head = f"{'mode':<{wm}}  {'level':<{wl}}  {'metric':<{wk}}  current  baseline  difference [95% CI]"
    lines = [head]
    for c in comparisons:
        lines.append(
            f"{c.mode:<{wm}}  {c.level:<{wl}}  {c.metric:<{wk}}  {c.current:>7.3f}  {c.baseline:>8.3f}  "
            f"{format_difference(c.difference):<23}  {c.verdict}"
        )
    return "\n".join(lines)


def comparisons_json(comparisons: Sequence[Comparison]) -> list[dict]:
    """Comparisons as JSON records (6 decimals): mode, level, metric, questions, current, baseline, difference,
    ci95 [low, high], verdict."""
    return [
        {
            "mode": c.mode,
            "level": c.level,
            "metric": c.metric,
            "questions": c.difference.n,
            "current": round(c.current, 6),
            "baseline": round(c.baseline, 6),
            "difference": round(c.difference.value, 6),
            "ci95": [round(c.difference.low, 6), round(c.difference.high, 6)],
            "verdict": c.verdict,
        }
        for c in comparisons
    ]


def comparison(record: Mapping) -> Comparison:
    """A Comparison back from its comparisons_json record."""
    r = record
    diff = Interval(r["difference"], r["ci95"][0], r["ci95"][1], r["questions"])
    return Comparison(r["mode"], r["level"], r["metric"], r["current"], r["baseline"], diff, r["verdict"])


def intervals_json(ivs: Mapping[str, Mapping[str, Mapping[str, Interval]]]) -> dict:
    """level -> mode -> metric -> [low, high], rounded to 6 decimals."""

    def pair(iv: Interval) -> list[float]:
        return [round(iv.low, 6), round(iv.high, 6)]

    return {
        level: {mode: {m: pair(iv) for m, iv in ms.items()} for mode, ms in by.items()} for level, by in ivs.items()
    }


# --- saved runs ------------------------------------------------------------------------------------------------


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _compact(value: float) -> float | int:
    """1 and 0 for whole values; others kept exactly (a run compared with its own saved copy must differ by 0)."""
    v = float(value)
    return int(v) if v.is_integer() else v


def dumps_run(run: Run) -> str:
    """The run as JSON: the structure indented, each metric's per-question values on one line (diffable, small)."""
    placeholders: dict[str, str] = {}
    sets: dict = {}
    for name, s in run.sets.items():
        scores: dict = {}
        for mode, levels in s.scores.items():
            for level, metrics in levels.items():
                for metric, values in metrics.items():
                    key = f"@@{len(placeholders)}@@"
                    placeholders[f'"{key}"'] = json.dumps(
                        {q: _compact(v) for q, v in values.items()}, ensure_ascii=False, separators=(",", ":")
                    )
                    scores.setdefault(mode, {}).setdefault(level, {})[metric] = key
        sets[name] = {**s.meta, "scores": scores}
    text = json.dumps({"format": RUN_FORMAT, "date": run.date, "sets": sets}, indent=2, ensure_ascii=False)
    for key, values in placeholders.items():
        text = text.replace(key, values, 1)
    return text + "\n"


def save_run(run: Run, path: Path) -> None:
    """Writes the run as JSON (folders made as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_run(run), encoding="utf-8")


def load_run(path: Path) -> Run:
    """A run saved by save_run; ValueError with the reason when the file is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read run {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != RUN_FORMAT or not isinstance(data.get("sets"), dict):
        raise ValueError(f"{path} is not an evaluation run of format {RUN_FORMAT} (save one with --save-run)")
    sets = {}
    for name, s in data["sets"].items():
        meta = {k: v for k, v in s.items() if k != "scores"}
        sets[name] = RunSet(meta, s.get("scores", {}))
    return Run(str(data.get("date", "")), sets)
