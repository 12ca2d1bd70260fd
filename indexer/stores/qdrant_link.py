"""Qdrant connections and per-build collections: one client per location and process, a collection per build named
<alias>-<build-id>, the alias switched atomically when a build goes live, and old collections pruned."""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass, field

import httpx
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from indexer.errors import StoreUnavailable
from indexer.settings import Settings, get_settings

# Each build's collection holds four kinds of points; a row's point id is row * KINDS + the kind's number, so that an
# `allowed` set of rows is a has_id filter, which every Qdrant mode applies before ranking.
KINDS = 4
PASSAGE, SENTENCE, NAME, LEXICAL = 0, 1, 2, 3
VECTORS = {"passage": PASSAGE, "sentence": SENTENCE, "name": NAME}
SPARSE = "lexical"
# what a client raises when the server is down, refuses, times out or answers with an error
ERRORS = (ResponseHandlingException, UnexpectedResponse, httpx.HTTPError, ConnectionError, TimeoutError)
TIMEOUT_S = 10


@dataclass(frozen=True)
class Location:
    """Where the Qdrant data is: a server or cluster (url) or a local-mode folder (path)."""

    url: str = ""
    path: str = ""
    api_key: str = field(default="", repr=False, compare=False)

    def describe(self) -> str:
        return f"Qdrant at {self.url}" if self.url else f"Qdrant local storage {self.path}"

    def record(self) -> dict:
        """What a manifest keeps of it (never the key)."""
        return {"url": self.url} if self.url else {"local_path": self.path}


def location(settings: Settings | None = None, recorded: dict | None = None) -> Location:
    """The configured location; without one, the one a manifest recorded (an in-process reader of its own build)."""
    s = settings or get_settings()
    if s.qdrant_url or s.qdrant_path:
        return Location(s.qdrant_url, "" if s.qdrant_url else s.qdrant_path, s.qdrant_api_key)
    if recorded and (recorded.get("url") or recorded.get("local_path")):
        return Location(recorded.get("url", ""), recorded.get("local_path", ""), s.qdrant_api_key)
    raise StoreUnavailable(
        "CAREER_SEARCH_BACKEND=qdrant needs CAREER_SEARCH_QDRANT_URL (a server) or CAREER_SEARCH_QDRANT_PATH (local)"
    )


_clients: dict[Location, QdrantClient] = {}
_lock = threading.Lock()


def client(where: Location) -> QdrantClient:
    """The process's client for this location, checked to answer; StoreUnavailable in one line if it does not."""
    with _lock:
        found = _clients.get(where)
        if found is not None:
            return found
        try:
            if where.url:
                made = QdrantClient(url=where.url, api_key=where.api_key or None, timeout=TIMEOUT_S)
                made.get_collections()  # a URL that is down or wrong fails here, not in the middle of a build
            else:
                made = QdrantClient(path=where.path)
        except RuntimeError as exc:  # local mode: another process holds the folder's lock
            raise StoreUnavailable(f"{where.describe()} is in use by another process ({one_line(exc)})") from None
        except ERRORS as exc:
            raise StoreUnavailable(f"cannot reach {where.describe()}: {one_line(exc)}") from None
        _clients[where] = made
        return made


def forget(where: Location) -> None:
    """Closes this process's client for a location (local mode: releases the folder for another process)."""
    with _lock:
        found = _clients.pop(where, None)
    if found is not None:
        found.close()


@atexit.register
def _close_all() -> None:  # before the interpreter tears down what the clients' __del__ needs
    for where in list(_clients):
        forget(where)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text[:200]


def collection_name(alias: str, build_id: str) -> str:
    return f"{alias}-{build_id}"


def create_collection(cl: QdrantClient, name: str, dimension: int, server: bool) -> None:
    """Dense vectors (dot product of unit vectors = cosine) for passages, sentences and names; a plain sparse vector
    for the lexical points (no IDF modifier: the query carries FTS5's IDFs, analysis/analyzer.py); on a server, payload
    indexes for exact filters (local mode has none: it scans)."""
    dense = models.VectorParams(size=dimension, distance=models.Distance.DOT)
    cl.create_collection(
        name,
        vectors_config={v: dense for v in VECTORS},
        sparse_vectors_config={SPARSE: models.SparseVectorParams()},
    )
    for key in ("doc_id", "title", "section") if server else ():
        cl.create_payload_index(name, key, models.PayloadSchemaType.KEYWORD)


def alias_target(cl: QdrantClient, alias: str) -> str | None:
    for a in cl.get_aliases().aliases:
        if a.alias_name == alias:
            return a.collection_name
    return None


def alias_build(settings: Settings) -> str | None:
    """The build id the configured alias names (None without a configured location or an alias); a server that is
    down raises StoreUnavailable."""
    if not (settings.qdrant_url or settings.qdrant_path):
        return None
    where = location(settings)
    try:
        target = alias_target(client(where), settings.qdrant_alias)
    except ERRORS as exc:
        raise StoreUnavailable(f"cannot reach {where.describe()}: {one_line(exc)}") from None
    prefix = settings.qdrant_alias + "-"
    return target[len(prefix) :] if target and target.startswith(prefix) else None


def switch_alias(cl: QdrantClient, alias: str, collection: str) -> None:
    """Points the alias at the collection in one call: readers see the old collection or the new, never neither."""
    ops: list = []
    if alias_target(cl, alias) is not None:
        ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias)))
    ops.append(
        models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=collection, alias_name=alias))
    )
    cl.update_collection_aliases(change_aliases_operations=ops)


def prune_collections(cl: QdrantClient, alias: str, keep_builds: set[str]) -> list[str]:
    """Deletes this alias's build collections whose build folder is gone (pruned, or a killed build's), never the
    alias's target."""
    target = alias_target(cl, alias)
    removed = []
    for c in cl.get_collections().collections:
        name = c.name
        if not name.startswith(alias + "-") or name == target or name[len(alias) + 1 :] in keep_builds:
            continue
        cl.delete_collection(name)
        removed.append(name)
    return removed


class CollectionClient:
    """What a store over one build collection shares: the client of its location, calls that turn a server that is
    down into StoreUnavailable (a 503, then retried), and the check that says so."""

    collection: str
    client: QdrantClient
    _where: Location

    def _connect(self, params: dict) -> None:
        self.collection = str(params["collection"])
        self._where = location(recorded=params)
        self.client = client(self._where)

    def _call(self, action):
        try:
            return action()
        except ERRORS as exc:
            raise StoreUnavailable(f"cannot reach {self._where.describe()}: {one_line(exc)}") from None

    def unreachable(self) -> str | None:
        try:
            self._call(lambda: self.client.collection_exists(self.collection))
        except StoreUnavailable as exc:
            return str(exc)
        return None


def point_ids(rows, kind: int) -> list[int]:
    return [int(r) * KINDS + kind for r in rows]


@dataclass
class BuildCollection:
    """The collection one build writes: made once the vectors' width is known, aliased when the build goes live,
    dropped if the build is given up."""

    where: Location
    alias: str
    name: str

    @classmethod
    def for_build(cls, settings: Settings, build_id: str) -> BuildCollection:
        where = location(settings)
        client(where)  # fails now, in one line, if the server is down or the folder is in use
        return cls(where, settings.qdrant_alias, collection_name(settings.qdrant_alias, build_id))

    def _call(self, action):
        try:
            return action(client(self.where))
        except ERRORS as exc:
            raise StoreUnavailable(f"cannot reach {self.where.describe()}: {one_line(exc)}") from None

    def create(self, dimension: int) -> None:
        self._call(lambda cl: create_collection(cl, self.name, dimension, server=bool(self.where.url)))

    def store(self, vector: str | None = None) -> dict:
        """A store's backend and params in this collection: a vector store's (with `vector`) or the lexical one's."""
        if vector is None:
            return {"collection": self.name, **self.where.record()}
        return {"kind": "qdrant", "collection": self.name, "vector": vector, **self.where.record()}

    def publish(self) -> None:
        self._call(lambda cl: switch_alias(cl, self.alias, self.name))

    def drop(self) -> None:
        try:
            self._call(lambda cl: cl.delete_collection(self.name))
        except StoreUnavailable:
            pass  # the next build's prune removes it

    def prune(self, keep_builds: set[str]) -> list[str]:
        return self._call(lambda cl: prune_collections(cl, self.alias, keep_builds))
