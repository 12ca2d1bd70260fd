"""Search over a real index: how the query's form steers the fusion, and builds made before name vectors."""

import shutil

from indexer.build import build_index
from indexer.query import asks_about_daily_work, asks_for_number, names_a_job
from indexer.search import Searcher
from indexer.snapshot import open_snapshot
from indexer.store import NAME_FAISS_FILE, current_build_id


def test_job_titles_are_told_apart_from_questions():
    assert names_a_job("ICT help desk agent") and names_a_job("staff MLE pay")
    assert not names_a_job("what does a nurse do")
    assert not names_a_job("nurse salary boston?")
    assert not names_a_job("senior data engineer skills for cloud migration projects")
    assert asks_for_number("how many accounts does a CSM handle") and not asks_for_number("what does a CSM do")


def test_a_job_title_query_is_matched_against_career_names(mini_index, embedder):
    searcher = Searcher(open_snapshot(mini_index), embedder)
    hits = searcher.search("ward nurse", k=3, per_doc=1)
    assert hits[0].passage.title == "Registered Nurse"
    assert hits[0].name_score == max(h.name_score for h in hits)
    assert all(h.name_score is None for h in searcher.search("what does a ward nurse do", k=3))
    # short and asking nothing, but a topic: its last word ends no career's name
    assert all(h.name_score is None for h in searcher.search("ACLS certification", k=3))


def test_a_build_from_before_name_vectors_still_serves(tmp_path, mini_index, embedder):
    index = tmp_path / "index"
    shutil.copytree(mini_index, index)
    (index / "builds" / current_build_id(index) / NAME_FAISS_FILE).unlink()
    snap = open_snapshot(index)
    assert snap.name_vectors is None
    hits = Searcher(snap, embedder).search("staff nurse", k=3)
    assert hits[0].passage.title == "Registered Nurse" and hits[0].name_score is None


LINEWORKER = """---
title: Line Worker
aliases: [Lineman]
---
# Line Worker

## Overview

Line workers build and repair the overhead and underground power lines that carry electricity to homes and
businesses. Most crews work ten-hour shifts, four days a week, and every line worker takes turns on call for storms
at night and on weekends. The job suits people who like heights, weather and teamwork, and it is one of the best paid
trades that needs no degree.

## Core Responsibilities

- Climb poles or work from a bucket truck to replace insulators, crossarms and transformers
- Isolate and ground a circuit before touching it, and confirm it is dead with a voltage detector
- Splice and terminate underground cable in vaults and padmount enclosures
- Patrol feeders after an outage to find the fallen tree or blown fuse that caused it
- Fill in the job briefing form with the crew before the first task and log every switching step

## Salary Ranges

Apprentices start at about $28 an hour and earn raises every six months of the four-year apprenticeship.
Journeyman line workers earn $45-$60 an hour. Storm work is paid at double time on top of the night shift
differential, and crews sent to other states for storm restoration also receive a daily allowance for meals.
"""


def test_a_question_about_daily_work_finds_the_responsibilities(tmp_path, settings, embedder):
    """The overview mentions shifts and the salary section shift pay; what the job's shifts are made of is the
    responsibilities section, which shares no word with the question."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "line-worker.md").write_text(LINEWORKER, encoding="utf-8")
    build_index(corpus, tmp_path / "index", settings, progress=False)
    searcher = Searcher(open_snapshot(tmp_path / "index"), embedder)
    first = searcher.search("what does a line worker do during a shift", k=3, per_doc=0)[0]
    assert first.passage.section == "Core Responsibilities"
    assert searcher.search("what does a line worker do", k=3, per_doc=0)[0].passage.section == "Overview"


def test_daily_work_questions_are_told_apart():
    assert asks_about_daily_work("what does an electrician do day to day")
    assert asks_about_daily_work("what does a registered nurse do during a shift")
    assert asks_about_daily_work("what is a typical week for a digital marketer")
    assert asks_about_daily_work("what do nurses do during the night shift")
    assert asks_about_daily_work("a day in the life of a line worker")
    assert not asks_about_daily_work("what does an electrician do")
    assert not asks_about_daily_work("cloud architect vs cloud engineer who runs day to day operations")
