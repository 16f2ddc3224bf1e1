"""Adapter: fetching feeds over HTTP(S) with httpx — no redirects (a feed names its final
URLs), a time limit, and a size limit enforced while reading."""

from __future__ import annotations

import httpx

from medsec.feeds.interfaces import Fetched, FetchFailed

TIMEOUT_SECONDS = 30.0
USER_AGENT = "medsec-feeds/1"


class HttpTransport:
    def __init__(self, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self._timeout = timeout

    def get(self, url: str, *, max_bytes: int, etag: str | None = None) -> Fetched:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        try:
            with httpx.stream(
                "GET", url, headers=headers, timeout=self._timeout, follow_redirects=False
            ) as response:
                if response.status_code == 304:
                    return Fetched(304, b"", response.headers.get("etag") or etag)
                if response.status_code != 200:
                    raise FetchFailed(
                        f"{url}: the server answered {response.status_code}",
                        hint="check the feed URL (a feed is at /public/feeds/{slug}/index.json)",
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise FetchFailed(f"{url}: larger than the {max_bytes} bytes allowed")
                return Fetched(200, bytes(body), response.headers.get("etag"))
        except httpx.HTTPError as e:
            raise FetchFailed(
                f"{url}: {type(e).__name__}: {e}", hint="is the feed's server reachable from here?"
            ) from e
