"""The evaluation: a valid question file, sound metric code, and a CI floor under search quality on the corpus."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from indexer.builds.snapshot import open_snapshot
from indexer.ingest.readers.markdown import parse
from indexer.search.searcher import Searcher
from indexer.tuning.evaluation import (
    PASSAGE_MEASURES,
    QueryCache,
    Question,
    assign_splits,
    contains_answer,
    esco_markdown,
    esco_queries,
    evaluate,
    load_questions,
    per_question,
    read_esco,
    score,
    unanswerable,
)
from service.answers import snippet_for
from tests.helpers import ROOT

CORPUS = ROOT / "corpus"
# A second set written after the main set's tune split had been used for tuning; nothing was tuned on it.
DEFAULT_QUESTIONS = ROOT / "tests" / "eval" / "questions.jsonl"
DEV_QUESTIONS = ROOT / "tests" / "eval" / "questions_dev.jsonl"

# Recall@5 of hybrid search over the first 60 tune questions. Measured 2026-11-22 (index of the 50-document corpus,
# all-MiniLM-L6-v2): 1.000 (60 of 60), Recall@1 0.867, MRR@10 0.933; whole tune split 0.966, held-out 0.961. The
# floor 0.93 (56 of 60) allows four misses: small ranking changes pass, a real regression fails.
GUARD_QUESTIONS = 60
RECALL5_FLOOR = 0.93
# Share of tune questions whose answering passage's snippet holds the answer: 0.894 (211 of 236) on 2026-12-02 with the
# sentences that carry on from the best two, 0.843 with the best two alone (2026-11-22), 0.712 with word-only snippets.
# The floor allows about ten more misses.
SNIPPET_FLOOR = 0.85


# --- the question file (fast) ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path, at_least", [(DEFAULT_QUESTIONS, 200), (DEV_QUESTIONS, 100)], ids=["main", "dev"])
def test_question_file_is_valid(path: Path, at_least: int):
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    assert len(records) >= at_least
    assert all(list(r) == ["id", "query", "doc", "answer", "type", "split"] for r in records)
    assert all(isinstance(v, str) and v.strip() for r in records for v in r.values())
    assert len({r["id"] for r in records}) == len(records), "question ids must be unique"
    assert len({r["query"].casefold() for r in records}) == len(records), "queries must be unique"
    texts: dict[str, str] = {}
    for r in records:
        path = CORPUS / f"{r['doc']}.md"
        assert path.is_file(), f"{r['id']}: no document {path.name}"
        text = texts.setdefault(r["doc"], path.read_text(encoding="utf-8"))
        assert contains_answer(text, r["answer"]), f"{r['id']}: answer {r['answer']!r} not in {path.name}"


def test_splits_are_thirty_percent_heldout_by_hash_within_each_type():
    questions = load_questions(DEFAULT_QUESTIONS)
    assert {q.split for q in questions} == {"tune", "heldout"}
    held = sum(q.split == "heldout" for q in questions)
    assert 0.28 <= held / len(questions) <= 0.32
    assert assign_splits(questions) == {q.id: q.split for q in questions}, "splits must follow sha1(id) per type"
    for qtype, n in Counter(q.type for q in questions).items():
        n_held = sum(q.split == "heldout" for q in questions if q.type == qtype)
        assert abs(n_held - 0.3 * n) <= 0.5, qtype
    tune, heldout = (load_questions(DEFAULT_QUESTIONS, split=s) for s in ("tune", "heldout"))
    assert len(tune) + len(heldout) == len(questions)
    first = [q.id for q in load_questions(DEFAULT_QUESTIONS, split="tune", limit=3)]
    assert first == [q.id for q in questions if q.split == "tune"][:3]


# --- metric code (fast) ----------------------------------------------------------------------------------------


def test_recall_counts_questions_not_relevant_passages():
    # q1 has two relevant passages and finds one at rank 2; q2 finds nothing relevant; q3 has no run at all;
    # q4 has no relevant passage in the index (its answer was lost): it counts as a miss, not dropped
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}, "q3": {"d": 1}, "q4": {}}
    run = {"q1": {"x": 3.0, "a": 2.0, "y": 1.0}, "q2": {"x": 1.0}, "q4": {"x": 1.0}}
    m = score(PASSAGE_MEASURES, qrels, run)
    assert m["Recall@1"] == 0.0
    assert m["Recall@5"] == pytest.approx(1 / 4)  # ir-measures' R@5 would give 1/8 here
    assert m["MRR@10"] == pytest.approx(0.5 / 4)
    # the same, question by question (what the confidence intervals resample)
    values = per_question(PASSAGE_MEASURES, qrels, run)
    assert values["Recall@5"] == {"q1": 1.0, "q2": 0.0, "q3": 0.0, "q4": 0.0}
    assert values["MRR@10"] == {"q1": 0.5, "q2": 0.0, "q3": 0.0, "q4": 0.0}


def test_answers_match_ignoring_case_and_whitespace():
    assert contains_answer("Salary:\n  $150,000-$188,000 a year", "$150,000-$188,000")
    assert contains_answer("Passing the NCLEX-RN  exam", "nclex-rn exam")
    assert not contains_answer("NCLEX-PN", "NCLEX-RN")


def test_query_cache_embeds_each_query_once():
    calls = []

    class Fake:
        dimension = 2

        def encode(self, texts, progress=False):
            import numpy as np

            calls.append(list(texts))
            return np.ones((len(texts), 2), dtype=np.float32)

    cache = QueryCache(Fake())
    assert cache.encode(["q"]).shape == (1, 2) and cache.encode(["q"]).shape == (1, 2)
    assert cache.encode(["a", "b"]).shape == (2, 2)
    assert calls == [["q"], ["a", "b"]] and cache.dimension == 2


def test_esco_rows_become_documents_and_a_fixed_sample_of_label_queries(tmp_path: Path):
    csv_path = tmp_path / "occupations.csv"
    csv_path.write_text(
        "conceptType,conceptUri,preferredLabel,altLabels,description\n"
        'Occupation,http://x/occupation/1111,technical director,"Technical Director\nhead of technical\n'
        'technical manager",Technical directors realise the artistic visions: "stage" work.\n'
        'Occupation,http://x/occupation/2222,wire drawer,"draw machine operator",Wire drawers operate machines.\n',
        encoding="utf-8",
    )
    occupations = read_esco(csv_path)
    assert [o.doc_id for o in occupations] == ["technical-director", "wire-drawer"]
    doc = parse(esco_markdown(occupations[0]), "technical-director.md")[0]
    assert doc.title == "technical director"
    assert [s.label for s in doc.sections] == ["Overview"]
    assert "artistic visions" in doc.sections[0].blocks[0].text
    queries = esco_queries(occupations, sample=10)
    # the alt label equal to the preferred label (ignoring case) is not a query
    assert sorted((q.query, q.doc) for q in queries) == [
        ("draw machine operator", "wire-drawer"),
        ("head of technical", "technical-director"),
        ("technical manager", "technical-director"),
    ]
    assert esco_queries(occupations, sample=2) == esco_queries(occupations, sample=2)  # seeded: always the same


# --- the regression guard over the real corpus (builds the index once) -------------------------------------------


def test_every_question_is_answered_by_some_passage(corpus_index: Path):
    """If cutting passages splits an answer, the question could never be found: catch that here."""
    snap = open_snapshot(corpus_index)
    try:
        questions = load_questions(DEFAULT_QUESTIONS) + load_questions(DEV_QUESTIONS)
        assert [q.id for q in unanswerable(snap, questions)] == []
    finally:
        snap.close()


def test_hybrid_recall_at_5_stays_above_the_floor(corpus_index: Path, embedder):
    questions = load_questions(DEFAULT_QUESTIONS, split="tune", limit=GUARD_QUESTIONS)
    assert len(questions) == GUARD_QUESTIONS
    snap = open_snapshot(corpus_index)
    try:
        (result,) = evaluate(Searcher(snap, embedder), questions, ["hybrid"])
    finally:
        snap.close()
    missed = [f"{o.id} {o.query!r} -> {o.first_doc} › {o.first_section}" for o in result.misses(5)]
    assert result.passage["Recall@5"] >= RECALL5_FLOOR, (
        f"hybrid Recall@5 {result.passage['Recall@5']:.3f} < floor {RECALL5_FLOOR}; missed:\n" + "\n".join(missed)
    )


def test_snippets_of_answering_passages_hold_the_answer(corpus_index: Path, embedder):
    snap = open_snapshot(corpus_index)
    try:
        searcher = Searcher(snap, embedder)
        held, missed = 0, []
        questions = load_questions(DEFAULT_QUESTIONS, split="tune")
        for q in questions:
            rows = snap.documents[q.doc].passage_rows
            row = next(r for r in rows if contains_answer(snap.passages[r].text, q.answer))
            question = searcher.question(q.query)
            snippet = html.unescape(re.sub(r"</?mark>", "", snippet_for(searcher, snap.passages[row], question)))
            if contains_answer(snippet, q.answer):
                held += 1
            else:
                missed.append(f"{q.id} {q.query!r}: {snippet[:100]}")
    finally:
        snap.close()
    assert held / len(questions) >= SNIPPET_FLOOR, f"{held} of {len(questions)}; missed:\n" + "\n".join(missed)


def test_sample_snippets_show_the_answering_sentence(corpus_index: Path):
    """scripts/show_snippets.py, the issue's check: for 20 sample questions, the answering passage is among the
    first five results and its snippet holds the answer. 20 of 20 on 2026-12-02; one miss of each kind is allowed,
    so that a near tie flipping on another machine does not fail CI, while a real regression does."""
    script = ROOT / "scripts" / "show_snippets.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--index", str(corpus_index)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode in (0, 1), proc.stderr
    summary = re.search(r"(\d+)/(\d+) snippets .*?; (\d+) of (\d+) questions without", proc.stdout)
    assert summary, proc.stdout[-500:]
    held, found, absent, sample = map(int, summary.groups())
    assert sample == 20 and found == sample - absent
    assert absent <= 1 and held >= found - 1, proc.stdout


def load_script():
    spec = importlib.util.spec_from_file_location("evaluate_script", ROOT / "scripts" / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_prints_tables(corpus_index: Path, capsys):
    evaluate_script = load_script()
    args = ["--index", str(corpus_index), "--limit", "8", "--modes", "lexical,dense", "--misses"]
    assert evaluate_script.main(args) == 0
    out = capsys.readouterr().out
    assert "8 questions, split tune" in out
    header = next(line for line in out.splitlines() if line.startswith("mode") and "nDCG@10" in line)
    assert header.split() == ["mode", "Recall@1", "Recall@5", "Recall@10", "MRR@10", "nDCG@10"]
    assert "Acc@1" in out and "not in the top 5" in out
    with pytest.raises(SystemExit):
        evaluate_script.main([])  # neither --index nor --esco
    assert "--index" in capsys.readouterr().err


def test_cli_puts_two_builds_side_by_side(corpus_index: Path, tmp_path: Path, capsys):
    evaluate_script = load_script()
    saved = tmp_path / "run.json"
    args = ["--index", str(corpus_index), "--index", str(corpus_index), "--limit", "6", "--modes", "lexical,dense"]
    assert evaluate_script.main([*args, "--save-run", str(saved)]) == 0
    out = capsys.readouterr().out
    assert out.count("Question set: 6 questions") == 2 and "faiss), " in out
    # a row per mode and build, the builds of one backend numbered in the order given, each cell with its interval
    rows = [line for line in out.splitlines() if re.match(r"(lexical|dense) \(faiss #\d\) ", line)]
    names = [" ".join(line.split()[:3]) for line in rows]
    assert names[:4] == ["lexical (faiss #1)", "lexical (faiss #2)", "dense (faiss #1)", "dense (faiss #2)"], out
    assert all(line.count("[") == 5 for line in rows[:4]), "\n".join(rows)  # passage level: 5 metrics
    assert rows[0].split()[3:] == rows[1].split()[3:]  # one build twice: the same figures
    no_match = [line for line in out.splitlines() if line.startswith("dense (faiss #") and "/" in line]
    assert len(no_match) == 2, out  # the no-match share of each build
    assert json.loads(saved.read_text())["sets"]["questions"]["build"]  # the first build's run saved

    # --json: several reports as a list, each naming its backend
    assert evaluate_script.main([*args[:6], "--modes", "lexical", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)["questions"]
    assert [r["backend"] for r in reports] == ["faiss", "faiss"] and reports[0]["questions"] == 6


def test_cli_prints_intervals_and_compares_with_a_saved_run(corpus_index: Path, tmp_path: Path, capsys):
    evaluate_script = load_script()
    saved = tmp_path / "run.json"
    args = ["--index", str(corpus_index), "--limit", "12", "--modes", "hybrid"]
    assert evaluate_script.main([*args, "--save-run", str(saved)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("hybrid") and line.count("[") == 5)
    cells = re.findall(r"(\d\.\d{3}) \[(\d\.\d{3}), (\d\.\d{3})\]", row)
    assert len(cells) == 5 and all(float(lo) <= float(v) <= float(hi) for v, lo, hi in cells), row
    assert f"run saved to {saved}" in out

    assert evaluate_script.main([*args, "--limit", "20", "--baseline", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "12 questions in common" in out
    compared = [line for line in out.splitlines() if re.match(r"hybrid +(passage|document) ", line)]
    assert len(compared) == 9, out
    assert all(line.endswith("+0.000 [+0.000, +0.000]  noise") for line in compared), "\n".join(compared)

    assert evaluate_script.main([*args, "--baseline", str(tmp_path / "missing.json")]) == 2
    assert "cannot read run" in capsys.readouterr().err


def test_cli_json_as_a_command(corpus_index: Path):
    script = ROOT / "scripts" / "evaluate.py"
    args = ["--index", str(corpus_index), "--limit", "8", "--split", "heldout", "--modes", "dense", "--json"]
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["questions"]
    assert report["questions"] == 8 and report["split"] == "heldout" and report["unanswerable"] == []
    assert set(report["passage"]["dense"]) == {"Recall@1", "Recall@5", "Recall@10", "MRR@10", "nDCG@10"}
    assert set(report["document"]["dense"]) == {"Acc@1", "Recall@5", "Recall@10", "MRR@10"}
    for level in ("passage", "document"):
        for metric, (low, high) in report["ci95"][level]["dense"].items():
            assert low <= report[level]["dense"][metric] <= high, (level, metric)


def test_questions_without_answer_are_judged_by_document(corpus_index: Path, embedder):
    snap = open_snapshot(corpus_index)
    try:
        q = Question("d1", "registered nurse NCLEX exam", "registered-nurse")
        (result,) = evaluate(Searcher(snap, embedder), [q], ["lexical"])
    finally:
        snap.close()
    assert result.passage == {} and result.document["Acc@1"] == 1.0
