"""Facet counts of a search's matching set: passages by career and by top-level section."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from indexer.builds.snapshot import IndexSnapshot
from indexer.documents import PATH_SEP


@dataclass
class Facets:
    """(doc_id, title, passages) by career and (top-level section, passages) by section, most passages first."""

    careers: list[tuple[str, str, int]]
    sections: list[tuple[str, int]]


def top_section(label: str) -> str:
    """The first heading of a heading path ("Salary Ranges" of "Salary Ranges › By City")."""
    return label.split(PATH_SEP, 1)[0]


def count_facets(snapshot: IndexSnapshot, rows: np.ndarray) -> Facets:
    """Counts the passages at `rows` by document and by top-level section; ties are ordered by name."""
    passages = [snapshot.passages[row] for row in rows.tolist()]
    by_doc = Counter(p.doc_id for p in passages)
    by_section = Counter(top_section(p.section) for p in passages if p.section)
    docs = snapshot.documents
    careers = sorted(((d, docs[d].title, n) for d, n in by_doc.items()), key=lambda c: (-c[2], c[1], c[0]))
    sections = sorted(by_section.items(), key=lambda s: (-s[1], s[0]))
    return Facets(careers, sections)
