"""Downloading from a CSAF provider: conditional GET (``If-None-Match`` with the stored
ETag, else ``If-Modified-Since`` with the stored Last-Modified), a size limit, no redirects,
and HTTPS only — plain HTTP is accepted for loopback addresses alone (a provider under test
on ``127.0.0.1``), never for a real provider (CSAF 2.0 requirement 3: TLS).

Every failure becomes a :class:`DownloadError` that names the URL and what to check.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import httpx

from medsec.advisories.document import MAX_CSAF_BYTES
from medsec.errors import Error

USER_AGENT: Final = "medsec-csaf-consumer/1 (+https://medsec.dev)"
TIMEOUT: Final = httpx.Timeout(20.0, connect=10.0)


class DownloadError(Error):
    """A provider's file could not be downloaded."""

    kind = "csaf-download-failed"
    status = 502
    title = "The CSAF provider could not be read"


@dataclass(frozen=True)
class Fetched:
    url: str
    #: 200, or 304 when the validators sent still hold (``content`` is then empty).
    status: int
    content: bytes
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """``url`` if medsec may download from it (https, or http to a loopback address)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    raise DownloadError(
        f"{url}: not an https:// URL",
        hint="CSAF providers serve over TLS only (requirement 3); plain http is accepted for "
        "loopback addresses (a provider under test) alone",
    )


def http_client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The client the consumer downloads with (``transport`` replaces the network in tests)."""
    return httpx.Client(
        transport=transport,
        timeout=TIMEOUT,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


class Downloader:
    """GETs provider files through one :class:`httpx.Client` (thread-safe, keeps connections)."""

    def __init__(self, client: httpx.Client, *, max_bytes: int = MAX_CSAF_BYTES) -> None:
        self.client = client
        self.max_bytes = max_bytes

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched:
        check_url(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        elif last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(url, 304, b"", etag, last_modified)
                if response.is_redirect:
                    raise DownloadError(
                        f"{url}: redirected to {response.headers.get('location')!r}",
                        hint="subscribe to the final URL; CSAF providers do not redirect "
                        "(requirement 6)",
                    )
                if response.status_code != 200:
                    raise DownloadError(
                        f"{url}: HTTP {response.status_code}",
                        hint="the provider does not serve this file; check the URL or try later",
                    )
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise DownloadError(f"{url}: {declared} bytes is over the limit")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise DownloadError(
                            f"{url}: larger than the {self.max_bytes} bytes allowed"
                        )
                    chunks.append(chunk)
                return Fetched(
                    url,
                    200,
                    b"".join(chunks),
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
        except httpx.HTTPError as e:
            raise DownloadError(
                f"{url}: {type(e).__name__}: {e}",
                hint="check that the provider is reachable from this host",
            ) from e

    def text(self, url: str) -> str:
        data = self.get(url).content
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as e:
            raise DownloadError(f"{url}: not UTF-8 text (byte {e.start})") from e
