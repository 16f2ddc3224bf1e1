"""Finding a provider and listing its documents (CSAF 2.0 §7.3.1 and §7.1.11–17).

Discovery
    Given a ``provider-metadata.json`` URL, that file is read. Given a domain or a site URL,
    ``https://DOMAIN/.well-known/csaf/provider-metadata.json`` is tried first, then the
    ``CSAF:`` fields of ``https://DOMAIN/.well-known/security.txt`` (a relative value is read
    against the site, as the gocsaf examples write it). The DNS method
    (``csaf.data.security.DOMAIN``) is not tried.

Listing
    Each distribution is read: a ROLIE feed's entries give the document URL (the ``self``
    link, else ``content.src``) with its ``hash`` and ``signature`` links; a directory gives
    ``changes.csv`` (else ``index.txt``) and the hash and signature files beside each document
    (``.sha512``, ``.sha256``, ``.asc``). Only TLP:WHITE/GREEN/unlabeled feeds are read: a
    subscription has no credentials for a provider's restricted tree. A document listed by
    several distributions is fetched once.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from pydantic import ValidationError

from medsec.advisories.consumer.download import Downloader, DownloadError, check_url
from medsec.advisories.provider.metadata import ProviderMetadata
from medsec.documents.securitytxt import parse_security_txt
from medsec.errors import Error

WELL_KNOWN_METADATA: Final = "/.well-known/csaf/provider-metadata.json"
SECURITY_TXT: Final = "/.well-known/security.txt"
_PUBLIC_TLP: Final = frozenset({"WHITE", "GREEN", "UNLABELED", "CLEAR"})


class DiscoveryError(Error):
    kind = "csaf-provider-not-found"
    status = 422
    title = "No CSAF provider was found"


@dataclass(frozen=True)
class Provider:
    metadata_url: str
    #: ``url`` (given directly), ``well-known`` or ``security.txt``.
    via: str
    metadata: ProviderMetadata
    raw: dict[str, Any]


@dataclass(frozen=True)
class DocumentRef:
    """Where one CSAF document and its hash and signature files are."""

    url: str
    hashes: tuple[tuple[str, str], ...]
    signature: str | None


def _json(downloader: Downloader, url: str) -> dict[str, Any]:
    text = downloader.text(url)
    try:
        value = json.loads(text)
    except ValueError as e:
        raise DownloadError(f"{url}: not JSON ({e})") from e
    if not isinstance(value, dict):
        raise DownloadError(f"{url}: not a JSON object")
    return value


def read_metadata(downloader: Downloader, url: str, via: str) -> Provider:
    raw = _json(downloader, url)
    try:
        metadata = ProviderMetadata.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = "/" + "/".join(str(p) for p in first["loc"])
        raise DiscoveryError(
            f"{url}: not a CSAF provider-metadata.json ({where}: {first['msg']}; "
            f"{e.error_count()} problem(s))",
            hint="check the URL; `medsec csaf provider check` explains a provider's problems",
        ) from e
    return Provider(url, via, metadata, raw)


def _site(requested: str) -> str:
    text = requested.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if not parts.hostname:
        raise DiscoveryError(f"{requested!r} is neither a domain nor a URL")
    return f"{parts.scheme}://{parts.netloc}"


def discover(downloader: Downloader, requested: str) -> Provider:
    """The provider behind a metadata URL, a domain or a site URL."""
    text = requested.strip()
    if text.endswith(".json") and "://" in text:
        return read_metadata(downloader, check_url(text), "url")
    site = _site(text)
    tried: list[str] = []
    try:
        return read_metadata(downloader, site + WELL_KNOWN_METADATA, "well-known")
    except (DownloadError, DiscoveryError) as e:
        tried.append(e.message)
    try:
        fields, _problems = parse_security_txt(downloader.text(site + SECURITY_TXT))
    except DownloadError as e:
        tried.append(e.message)
        fields = []
    for field in fields:
        if field.name.lower() != "csaf":
            continue
        url = urljoin(site + SECURITY_TXT, field.value.strip())
        try:
            return read_metadata(downloader, check_url(url), "security.txt")
        except (DownloadError, DiscoveryError) as e:
            tried.append(e.message)
    raise DiscoveryError(
        f"no CSAF provider found for {requested!r}",
        hint="tried: " + "; ".join(tried) + ". Give the provider-metadata.json URL itself.",
    )


# --- listing -----------------------------------------------------------------------------


def _beside(url: str) -> DocumentRef:
    return DocumentRef(
        url, (("sha512", url + ".sha512"), ("sha256", url + ".sha256")), url + ".asc"
    )


def _directory(downloader: Downloader, directory: str) -> list[DocumentRef]:
    base = directory if directory.endswith("/") else directory + "/"
    names: list[str] = []
    try:
        text = downloader.text(base + "changes.csv")
        names = [row[0] for row in csv.reader(io.StringIO(text)) if row]
    except DownloadError:
        text = downloader.text(base + "index.txt")
        names = [line.strip() for line in text.splitlines() if line.strip()]
    return [_beside(urljoin(base, name)) for name in names]


def _links(entry: dict[str, Any]) -> list[dict[str, Any]]:
    links = entry.get("link")
    return [x for x in links if isinstance(x, dict)] if isinstance(links, list) else []


def _feed(downloader: Downloader, url: str) -> list[DocumentRef]:
    feed = _json(downloader, url).get("feed")
    entries = feed.get("entry") if isinstance(feed, dict) else None
    refs: list[DocumentRef] = []
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            continue
        links = _links(entry)
        selves = [
            x["href"] for x in links if x.get("rel") == "self" and isinstance(x.get("href"), str)
        ]
        content = entry.get("content")
        src = content.get("src") if isinstance(content, dict) else None
        doc_url = selves[0] if selves else src
        if not isinstance(doc_url, str):
            continue
        doc_url = urljoin(url, doc_url)
        hashes = tuple(
            (str(x["href"]).rsplit(".", 1)[-1].lower(), urljoin(url, str(x["href"])))
            for x in links
            if x.get("rel") == "hash" and isinstance(x.get("href"), str)
        )
        signatures = [
            urljoin(url, str(x["href"]))
            for x in links
            if x.get("rel") == "signature" and isinstance(x.get("href"), str)
        ]
        refs.append(DocumentRef(doc_url, hashes, signatures[0] if signatures else None))
    return refs


def list_documents(
    downloader: Downloader, provider: Provider
) -> tuple[list[DocumentRef], list[str]]:
    """Every public document of the provider, each once (ROLIE entries win over directory
    listings, since they name their hash and signature files), and the distributions that
    could not be read (a restricted directory answers 401 to a subscription without a login).
    Raises :class:`DownloadError` when no distribution could be read at all."""
    found: dict[str, DocumentRef] = {}
    problems: list[str] = []
    readers = [
        (str(feed.url), _feed)
        for feed in provider.metadata.feeds()
        if feed.tlp_label in _PUBLIC_TLP
    ] + [(directory, _directory) for directory in provider.metadata.directory_urls()]
    for url, read in readers:
        try:
            for ref in read(downloader, url):
                found.setdefault(ref.url, ref)
        except DownloadError as e:
            problems.append(e.message)
    if problems and len(problems) == len(readers):
        raise DownloadError(
            f"{provider.metadata_url}: no distribution could be read",
            hint="; ".join(problems),
        )
    return list(found.values()), problems


def public_keys(provider: Provider) -> list[tuple[str | None, str]]:
    """(fingerprint, URL) of each key the metadata lists."""
    return [
        (k.fingerprint.upper() if k.fingerprint else None, str(k.url))
        for k in provider.metadata.public_openpgp_keys or []
    ]
