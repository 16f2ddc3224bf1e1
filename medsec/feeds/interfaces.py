"""The port through which a subscriber fetches a feed: HTTP GET with an ETag and a size
limit. One adapter, :mod:`medsec.feeds.transport` (httpx); tests use a fake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from medsec.errors import Error


class FetchFailed(Error):
    """The feed's server could not be reached or answered something else than 200/304."""

    kind = "feed-fetch-failed"
    status = 502
    title = "The feed could not be fetched"


@dataclass(frozen=True)
class Fetched:
    """``status`` is 200 (``body`` is the content) or 304 (not modified, no body)."""

    status: int
    body: bytes
    etag: str | None = None


class Transport(Protocol):
    def get(self, url: str, *, max_bytes: int, etag: str | None = None) -> Fetched:
        """GET ``url`` (``If-None-Match: etag`` when given); :class:`FetchFailed` on a
        network error, a status other than 200/304, or a body larger than ``max_bytes``."""
        ...
