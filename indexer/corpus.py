"""Walks a corpus folder: finds the documents, reads each with its format's reader, records every skip."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from indexer.models import Document, ReadResult, Skipped
from indexer.noise import repeated_noise
from indexer.readers import SUPPORTED_SUFFIXES, ReadError, reader_for
from indexer.readers.decode import decode_text
from indexer.text import slugify


class CorpusError(Exception):
    """The corpus as a whole cannot be indexed (missing, not a folder, nothing readable)."""


def list_files(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Every regular file below root, following symlinked folders once (a symlink loop is reported, not followed)."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen_dirs: set[tuple[int, int]] = set()

    def unreadable(err: OSError) -> None:
        skipped.append(Skipped(_rel(Path(err.filename), root), f"cannot read folder: {err.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=unreadable):
        st = os.stat(dirpath)
        if (st.st_dev, st.st_ino) in seen_dirs:
            skipped.append(Skipped(_rel(Path(dirpath), root), "symlink loop: folder already visited"))
            dirnames[:] = []
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            files.append(Path(dirpath) / name)
    return files, skipped


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def load_payloads(root: Path, max_file_mb: float = 20.0) -> tuple[list[tuple[str, bytes]], list[Skipped]]:
    """The bytes of every file a reader will be given (by path relative to root), and the files skipped unread."""
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist")
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder")
    files, skipped = list_files(root)
    cap = int(max_file_mb * 1024 * 1024)
    payloads: list[tuple[str, bytes]] = []
    for path in files:
        rel = _rel(path, root)
        suffix = path.suffix.lower()
        if path.stem.lower() == "readme":
            skipped.append(Skipped(rel, "README file: describes the folder, not a career"))
            continue
        if suffix not in SUPPORTED_SUFFIXES:
            skipped.append(Skipped(rel, f"unsupported file type '{suffix or 'no extension'}'"))
            continue
        try:
            if not path.is_file():
                skipped.append(Skipped(rel, "not a regular file (broken link?)"))
                continue
            size = path.stat().st_size
            if size > cap:
                skipped.append(Skipped(rel, f"file is {size / 1048576:.1f} MB, over the {max_file_mb:g} MB cap"))
                continue
            payloads.append((rel, path.read_bytes()))
        except OSError as exc:
            skipped.append(Skipped(rel, f"cannot read file: {exc.strerror or exc}"))
    return payloads, skipped


def corpus_fingerprint(root: Path, max_file_mb: float = 20.0) -> str:
    """What read_corpus would record as the fingerprint, without parsing anything: tells whether the corpus changed."""
    return _fingerprint(*load_payloads(root, max_file_mb))


def read_corpus(
    root: Path, max_file_mb: float = 20.0, progress: Callable[[int, int], None] | None = None
) -> ReadResult:
    """Every document of the corpus, and every file skipped with its reason; `progress(done, total)` follows it."""
    payloads, skipped = load_payloads(root, max_file_mb)
    fingerprint = _fingerprint(payloads, skipped)
    noise = repeated_noise(_texts(payloads))
    documents: list[Document] = []
    for done, (rel, data) in enumerate(payloads, 1):
        if progress:
            progress(done, len(payloads))
        reader = reader_for(Path(rel).suffix)
        if reader is None:
            skipped.append(Skipped(rel, f"no reader for '{Path(rel).suffix}' files"))
            continue
        try:
            docs = reader(data, rel, noise)
        except ReadError as exc:
            skipped.append(Skipped(rel, str(exc)))
            continue
        except Exception as exc:  # a parser library failing on a malformed file must not stop the build
            skipped.append(Skipped(rel, f"could not parse: {exc.__class__.__name__}: {str(exc)[:200]}"))
            continue
        if not docs:
            skipped.append(Skipped(rel, "no text found"))
        documents.extend(docs)
    assign_ids(documents)
    return ReadResult(documents, sorted(skipped, key=lambda s: s.source), fingerprint)


def _fingerprint(payloads: list[tuple[str, bytes]], skipped: list[Skipped]) -> str:
    """A hash of every file's path and bytes, and of the files skipped unread (so the build's report stays true)."""
    h = hashlib.sha256()
    for rel, data in sorted(payloads):
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    for s in sorted(skipped, key=lambda s: s.source):
        h.update(b"skip\0" + s.source.encode() + b"\0" + s.reason.encode())
    return h.hexdigest()[:16]


def _texts(payloads: list[tuple[str, bytes]]) -> list[str]:
    texts = []
    for rel, data in payloads:
        if Path(rel).suffix.lower() in (".txt", ".text"):
            try:
                texts.append(decode_text(data))
            except ReadError:
                pass
    return texts


def assign_ids(documents: list[Document]) -> None:
    """doc_id: the file's path without extension, slugged; documents cut from one file add their title."""
    per_file = Counter(d.source for d in documents)
    first_of_file: set[str] = set()
    used: set[str] = set()
    for doc in documents:
        base = slugify(str(Path(doc.source).with_suffix("")))
        if per_file[doc.source] > 1 and doc.source in first_of_file:
            base = f"{base}--{slugify(doc.title)}"
        first_of_file.add(doc.source)
        doc_id, n = base, 2
        while doc_id in used:
            doc_id, n = f"{base}-{n}", n + 1
        used.add(doc_id)
        doc.doc_id = doc_id
