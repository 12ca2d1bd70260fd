"""What a search may return: the filters a user sets (career, title, section) and the audiences a viewer belongs to,
as the passage rows both stores then rank."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from indexer.builds.snapshot import IndexSnapshot, StoredPassage
from indexer.documents import PATH_SEP


@dataclass
class Filters:
    """Case-insensitive substring filters on the document id, the career's title and the heading path, and exact ones:
    careers (document ids, any of them) and section_path (a heading path, or any path under it)."""

    doc: str = ""
    title: str = ""
    section: str = ""
    # who is asking (user and groups): documents with an audience are seen only by its members; None = no check
    viewer: frozenset[str] | None = None
    careers: tuple[str, ...] = ()
    section_path: str = ""

    def may_see(self, audience: list[str]) -> bool:
        return self.viewer is None or not audience or not self.viewer.isdisjoint(audience)

    def accepts(self, p: StoredPassage) -> bool:
        return (
            (not self.doc or self.doc.lower() in p.doc_id.lower())
            and (not self.title or self.title.lower() in p.title.lower())
            and (not self.section or self.section.lower() in p.section.lower())
            and (not self.careers or p.doc_id in self.careers)
            and (not self.section_path or under_path(p.section, self.section_path))
        )

    def active(self) -> bool:
        return bool(self.doc or self.title or self.section or self.careers or self.section_path)

    def allowed_rows(self, snapshot: IndexSnapshot) -> np.ndarray | None:
        """The sorted passage rows these filters and the viewer's audiences let through (None: no restriction), from
        the documents and section labels, which are far fewer than the passages; the stores then rank only these."""
        hidden = self.viewer is not None and snapshot.restricted  # some documents are not for everyone
        if not self.active() and not hidden:
            return None
        rows: np.ndarray | None = None
        if self.doc or self.title or self.careers or hidden:
            doc, title, careers = self.doc.lower(), self.title.lower(), set(self.careers)
            rows = _rows(
                d.passage_rows
                for d in snapshot.documents.values()
                if doc in d.doc_id.lower()
                and title in d.title.lower()
                and (not careers or d.doc_id in careers)
                and self.may_see(d.audience)
            )
        if self.section or self.section_path:
            section = self.section.lower()
            by_section = _rows(
                r
                for label, r in snapshot.section_rows.items()
                if section in label.lower() and (not self.section_path or under_path(label, self.section_path))
            )
            rows = by_section if rows is None else np.intersect1d(rows, by_section, assume_unique=True)
        return rows


def under_path(label: str, path: str) -> bool:
    """Whether a heading path is `path` itself or a section under it ("Salary Ranges › By City" is under "Salary
    Ranges"); exact, case included."""
    return label == path or label.startswith(path + PATH_SEP)


def _rows(groups: Iterable) -> np.ndarray:
    parts = [np.asarray(g, dtype=np.int64) for g in groups]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)


def restrict(allowed: np.ndarray | None, also: np.ndarray | None) -> np.ndarray | None:
    """Rows allowed by both restrictions (None allows every row)."""
    if allowed is None or also is None:
        return also if allowed is None else allowed
    return np.intersect1d(allowed, also)


def contains(sorted_rows: np.ndarray, row: int) -> bool:
    i = int(np.searchsorted(sorted_rows, row))
    return i < len(sorted_rows) and int(sorted_rows[i]) == row
