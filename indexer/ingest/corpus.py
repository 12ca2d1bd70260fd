"""Walks a corpus folder: finds the documents, reads each with its format's reader, records every skip."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from indexer.analysis.text import slugify
from indexer.documents import Document, ReadResult, Skipped
from indexer.errors import (
    CorpusError,
    ReadError,
)
from indexer.ingest.noise import repeated_noise
from indexer.ingest.parse_cache import ParseCache
from indexer.ingest.readers import SUPPORTED_SUFFIXES, reader_for
from indexer.ingest.readers.decode import decode_text


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


def scan(root: Path, max_file_mb: float = 20.0) -> tuple[list[tuple[str, Path]], list[Skipped]]:
    """The files a reader will be given (path relative to root, path), and the files skipped unread; reads no bytes."""
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist")
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder")
    files, skipped = list_files(root)
    cap = int(max_file_mb * 1024 * 1024)
    found: list[tuple[str, Path]] = []
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
        except OSError as exc:
            skipped.append(Skipped(rel, f"cannot read file: {exc.strerror or exc}"))
            continue
        if size > cap:
            skipped.append(Skipped(rel, f"file is {size / 1048576:.1f} MB, over the {max_file_mb:g} MB cap"))
            continue
        found.append((rel, path))
    return found, skipped


def _payloads(files: list[tuple[str, Path]], skipped: list[Skipped]) -> Iterator[tuple[str, bytes]]:
    """Each file's bytes in turn (one file in memory at a time); a file that cannot be read joins skipped."""
    for rel, path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            skipped.append(Skipped(rel, f"cannot read file: {exc.strerror or exc}"))
            continue
        yield rel, data


def corpus_fingerprint(root: Path, max_file_mb: float = 20.0) -> str:
    """What read_corpus would record as the fingerprint, without parsing anything: tells whether the corpus changed."""
    files, skipped = scan(root, max_file_mb)
    digests = [(rel, hashlib.sha256(data).digest()) for rel, data in _payloads(files, skipped)]
    return _fingerprint(digests, skipped)


class CorpusReader:
    """Reads a corpus one file at a time: documents() yields each file's documents (ids assigned) as it is parsed,
    so a build holds passages, never every file's bytes; skipped and fingerprint are complete once it is done."""

    def __init__(self, root: Path, max_file_mb: float = 20.0, cache: ParseCache | None = None) -> None:
        self.files, self.skipped = scan(root, max_file_mb)
        self.fingerprint = ""
        self.noise: frozenset[str] = frozenset()
        self.cache = cache  # documents parsed by earlier builds, by file bytes

    def documents(self, progress: Callable[[int, int], None] | None = None) -> Iterator[Document]:
        # a first pass over the plain-text files only: their repeated lines (navigation, footers) are noise
        self.noise = repeated_noise(_texts(_payloads([f for f in self.files if _is_plain(f[0])], [])))
        digests: list[tuple[str, bytes]] = []
        ids = _Ids()
        total = len(self.files)
        for done, (rel, data) in enumerate(_payloads(self.files, self.skipped), 1):
            if progress:
                progress(done, total)
            digest = hashlib.sha256(data).digest()
            digests.append((rel, digest))
            key = self.cache.key(self.noise, rel, digest) if self.cache else b""
            docs = self.cache.get(key) if self.cache else None
            if docs is None:
                docs = self._parse(rel, data)
                if self.cache and docs:  # a skipped file is read again, so that its reason is reported again
                    self.cache.put(key, docs)
            del data
            ids.assign(docs)
            yield from docs
        if progress:
            progress(total, total)  # files that could not be read count as done too
        self.skipped.sort(key=lambda s: s.source)
        self.fingerprint = _fingerprint(digests, self.skipped)

    def _parse(self, rel: str, data: bytes) -> list[Document]:
        reader = reader_for(Path(rel).suffix)
        if reader is None:
            self.skipped.append(Skipped(rel, f"no reader for '{Path(rel).suffix}' files"))
            return []
        try:
            docs = reader(data, rel, self.noise)
        except ReadError as exc:
            self.skipped.append(Skipped(rel, str(exc)))
            return []
        except Exception as exc:  # a parser library failing on a malformed file must not stop the build
            self.skipped.append(Skipped(rel, f"could not parse: {exc.__class__.__name__}: {str(exc)[:200]}"))
            return []
        if not docs:
            self.skipped.append(Skipped(rel, "no text found"))
        return docs


def read_corpus(
    root: Path, max_file_mb: float = 20.0, progress: Callable[[int, int], None] | None = None
) -> ReadResult:
    """Every document of the corpus, and every file skipped with its reason; `progress(done, total)` follows it."""
    reader = CorpusReader(root, max_file_mb)
    documents = list(reader.documents(progress))
    return ReadResult(documents, reader.skipped, reader.fingerprint)


def _fingerprint(digests: list[tuple[str, bytes]], skipped: list[Skipped]) -> str:
    """A hash of every file's path and bytes (their sha256), and of the files skipped unread (so the build's report
    stays true)."""
    h = hashlib.sha256()
    for rel, digest in sorted(digests):
        h.update(rel.encode() + b"\0" + digest)
    for s in sorted(skipped, key=lambda s: s.source):
        h.update(b"skip\0" + s.source.encode() + b"\0" + s.reason.encode())
    return h.hexdigest()[:16]


def _is_plain(rel: str) -> bool:
    return Path(rel).suffix.lower() in (".txt", ".text")


def _texts(payloads: Iterable[tuple[str, bytes]]) -> Iterator[str]:
    for _, data in payloads:
        try:
            yield decode_text(data)
        except ReadError:
            pass


class _Ids:
    """doc_id: the file's path without extension, slugged; documents cut from one file add their title. Assigned
    file by file, in corpus order."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def assign(self, documents: list[Document]) -> None:
        per_file = Counter(d.source for d in documents)
        first_of_file: set[str] = set()
        for doc in documents:
            base = slugify(str(Path(doc.source).with_suffix("")))
            if per_file[doc.source] > 1 and doc.source in first_of_file:
                base = f"{base}--{slugify(doc.title)}"
            first_of_file.add(doc.source)
            doc_id, n = base, 2
            while doc_id in self.used:
                doc_id, n = f"{base}-{n}", n + 1
            self.used.add(doc_id)
            doc.doc_id = doc_id


def assign_ids(documents: list[Document]) -> None:
    """doc_id for every document of a corpus at once (see _Ids)."""
    _Ids().assign(documents)
