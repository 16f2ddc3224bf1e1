"""Published documents for anyone (guide, security.txt, profile), served from memory.

Published versions are immutable, so once a document has been rendered a process can
answer it again without a database session — the path that matters when many hospitals
(or their scanners) fetch the same security.txt. An entry lives :data:`TTL_SECONDS`, so a
version that disappears (a restore of an older backup into a running instance) stops
being served within that time; that is shorter than the ``max-age`` the response already
allows caches downstream.

>>> document = PublicDocument(b"x", "text/plain", '"e"')
>>> cache = PublicDocuments(load=lambda version_id, artifact: document)
>>> cache.get(1, "security.txt").body
b'x'
>>> cache.cached(1, "security.txt") is not None
True
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache

from medsec.db.engine import Database
from medsec.products import services
from medsec.products.artifacts import MEDIA_TYPES, Artifact, parse_artifact, render
from medsec.products.models import ProfileVersion

#: Seconds an entry is served without asking the database again.
TTL_SECONDS = 60.0
#: Entries per process (documents are tens of kilobytes).
MAX_ENTRIES = 512


@dataclass(frozen=True)
class PublicDocument:
    body: bytes
    media_type: str
    etag: str


Loader = Callable[[int, Artifact], PublicDocument]


class PublicDocuments:
    """A small LRU of rendered public documents with a time to live; thread-safe."""

    def __init__(self, load: Loader, *, ttl: float = TTL_SECONDS) -> None:
        self._load = load
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, Artifact], tuple[float, PublicDocument]] = (
            OrderedDict()
        )
        self._loading: dict[tuple[int, Artifact], Future[PublicDocument]] = {}

    def cached(self, version_id: int, name: str) -> PublicDocument | None:
        """The document if it is in memory and fresh; never touches the database.

        An unknown artifact name raises :class:`~medsec.errors.NotFound` here already.
        """
        key = (version_id, parse_artifact(name))
        with self._lock:
            return self._fresh(key)

    def _fresh(self, key: tuple[int, Artifact]) -> PublicDocument | None:
        """The entry for ``key`` if fresh (the caller holds the lock)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def get(self, version_id: int, name: str) -> PublicDocument:
        """The document, loading (and rendering) it when it is not cached; blocking.

        Concurrent misses for one document load it once: the first caller loads, the
        others wait for its result (or its error). Without that, every request that
        arrives while an entry is missing or just expired — all of them, under load —
        queried the database and rendered the same document in parallel.
        """
        key = (version_id, parse_artifact(name))
        with self._lock:
            found = self._fresh(key)
            if found is not None:
                return found
            pending = self._loading.get(key)
            leader = pending is None
            if pending is None:
                pending = self._loading[key] = Future()
        if not leader:
            return pending.result()
        try:
            document = self._load(*key)
        except BaseException as e:
            with self._lock:
                del self._loading[key]
            pending.set_exception(e)
            raise
        with self._lock:
            self._entries[key] = (time.monotonic() + self._ttl, document)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
            del self._loading[key]
        pending.set_result(document)
        return document


def document_of(version: ProfileVersion, artifact: Artifact) -> PublicDocument:
    """One artifact of a stored version, rendered (once per process and content)."""
    body = _rendered(version.id, version.sha256, version.source, version.filename, artifact)
    etag = f'"{version.sha256[:32]}-{artifact.value}"'
    return PublicDocument(body, MEDIA_TYPES[artifact], etag)


@lru_cache(maxsize=256)
def _rendered(
    version_id: int, sha256: str, source: str, filename: str, artifact: Artifact
) -> bytes:
    from medsec.profiles.loader import build_profile, parse_document

    del version_id, sha256  # part of the cache key only
    return render(build_profile(parse_document(source, filename)), artifact)


def published_loader(db: Database) -> Loader:
    """Load a *published* version's artifact from ``db`` (NotFound for anything else)."""

    def load(version_id: int, artifact: Artifact) -> PublicDocument:
        with db.session() as session:
            return document_of(services.published_version(session, version_id), artifact)

    return load
