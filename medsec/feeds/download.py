"""The network half of a feed fetch: the index and its signature, then every document not
stored yet, each checked against the index (origin, size, SHA-256) — all before anything
is written, so no database lock is held while a server answers.

:func:`verified_index` and :func:`download` only read the database (the subscription's
pinned key and ETag, which entries are stored); :mod:`medsec.feeds.receiving` writes what
they return in one short transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from medsec.advisories.signing.openpgp import load_certificate, verify_detached
from medsec.errors import Error
from medsec.feeds.index import MAX_INDEX_BYTES, FeedEntryDoc, FeedIndex, Kind, parse_index
from medsec.feeds.interfaces import FetchFailed, Transport
from medsec.feeds.models import FeedSubscription
from medsec.feeds.subscriptions import check_url
from medsec.products import services as products
from medsec.sbom import importing as sbom_importing
from medsec.vulns.vex.documents import MAX_VEX_BYTES

LIMITS = {
    Kind.PROFILE: products.MAX_UPLOAD_BYTES,
    Kind.SBOM: sbom_importing.MAX_SBOM_BYTES,
    Kind.VEX: MAX_VEX_BYTES,
}


class Quarantined(Error):
    """An entry failed a check; ``message`` is the reason kept with it."""


@dataclass(frozen=True)
class VerifiedIndex:
    """An index whose signature verified with the pinned key, and its ETag."""

    index: FeedIndex
    etag: str | None


@dataclass(frozen=True)
class Downloaded:
    """One entry as downloaded: ``content`` when it passed the index's checks, else the
    ``reason`` it is quarantined for, or the network ``error`` that leaves it for the next
    fetch."""

    entry: FeedEntryDoc
    url: str
    content: bytes | None = None
    reason: str | None = None
    error: str | None = None

    @property
    def size(self) -> int:
        return len(self.content or b"")


def signature_url(url: str) -> str:
    """``…/index.json.asc`` beside ``…/index.json`` (a query string stays at the end)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + ".asc"))


def _same_origin(a: str, b: str) -> bool:
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme, x.hostname, x.port) == (y.scheme, y.hostname, y.port)


def verified_index(subscription: FeedSubscription, transport: Transport) -> VerifiedIndex | None:
    """The index, its signature verified with the pinned key; None when not modified."""
    check_url(subscription.url)
    fetched = transport.get(subscription.url, max_bytes=MAX_INDEX_BYTES, etag=subscription.etag)
    if fetched.status == 304:
        return None
    signature = transport.get(signature_url(subscription.url), max_bytes=64 * 1024)
    certificate = load_certificate(subscription.certificate.encode(), "the pinned key")
    signed_by = verify_detached(fetched.body, signature.body, [certificate])
    if signed_by != subscription.fingerprint:
        raise Error(
            f"the index is signed by {signed_by}, not by the pinned {subscription.fingerprint}"
        )
    return VerifiedIndex(parse_index(fetched.body, subscription.url), fetched.etag)


def _checked(transport: Transport, url: str, entry: FeedEntryDoc) -> bytes:
    limit = LIMITS[entry.kind]
    if entry.size > limit:
        raise Quarantined(f"the index declares {entry.size} bytes, more than the {limit} allowed")
    body = transport.get(url, max_bytes=limit).body
    if len(body) != entry.size:
        raise Quarantined(f"the document has {len(body)} bytes, the index says {entry.size}")
    digest = hashlib.sha256(body).hexdigest()
    if digest != entry.sha256:
        raise Quarantined(f"the document's SHA-256 is {digest}, the index says {entry.sha256}")
    return body


def download(
    subscription: FeedSubscription, entry: FeedEntryDoc, transport: Transport
) -> Downloaded:
    """The entry's document, on the feed's origin, of the size and SHA-256 the index says."""
    url = urljoin(subscription.url, entry.url)
    try:
        if not _same_origin(url, subscription.url):
            raise Quarantined(f"{url} is not on the feed's origin")
        return Downloaded(entry, url, content=_checked(transport, url, entry))
    except FetchFailed as e:
        return Downloaded(entry, url, error=e.message)
    except Error as e:
        return Downloaded(entry, url, reason=e.diagnostics())
