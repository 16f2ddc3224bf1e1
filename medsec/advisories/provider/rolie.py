"""ROLIE documents in their JSON form (RFC 8322 §5 and CSAF 2.0 requirements 15–17).

CSAF ROLIE feeds are JSON, not Atom XML: ``{"feed": {...}}`` with ``link``, ``category``,
``updated`` and one ``entry`` per document whose links are the document (``self``), each hash
file (``hash``) and the signature (``signature``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from medsec.advisories.provider.layout import HASHES, Tlp

CSAF_CATEGORY: Final = {"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}
CSAF_SCHEMA: Final = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"


@dataclass(frozen=True)
class Entry:
    """One published document, as its feed lists it."""

    tracking_id: str
    title: str
    url: str
    published: str
    updated: str
    summary: str | None
    terms: tuple[str, ...]


def feed_title(tlp: Tlp, publisher: str) -> str:
    return f"{publisher} CSAF feed (TLP:{tlp.value})"


def feed_document(
    tlp: Tlp, publisher: str, url: str, service_url: str, updated: str, entries: Sequence[Entry]
) -> dict[str, Any]:
    return {
        "feed": {
            "id": f"csaf-feed-tlp-{tlp.value.lower()}",
            "title": feed_title(tlp, publisher),
            "link": [{"rel": "self", "href": url}, {"rel": "service", "href": service_url}],
            "category": [CSAF_CATEGORY],
            "updated": updated,
            "entry": [_entry(e) for e in entries],
        }
    }


def _entry(entry: Entry) -> dict[str, Any]:
    links = [{"rel": "self", "href": entry.url}]
    links += [{"rel": "hash", "href": f"{entry.url}.{algorithm}"} for algorithm in HASHES]
    links.append({"rel": "signature", "href": f"{entry.url}.asc"})
    data: dict[str, Any] = {
        "id": entry.tracking_id,
        "title": entry.title,
        "link": links,
        "published": entry.published,
        "updated": entry.updated,
    }
    if entry.summary:
        data["summary"] = {"content": entry.summary}
    data["content"] = {"type": "application/json", "src": entry.url}
    data["format"] = {"schema": CSAF_SCHEMA, "version": "2.0"}
    return data


def service_document(title: str, feeds: Sequence[tuple[Tlp, str, str]]) -> dict[str, Any]:
    """``feeds``: (TLP, feed title, feed URL)."""
    return {
        "service": {
            "workspace": [
                {
                    "title": title,
                    "collection": [
                        {
                            "title": feed_title_text,
                            "href": url,
                            "categories": {"category": [CSAF_CATEGORY]},
                        }
                        for _tlp, feed_title_text, url in feeds
                    ],
                }
            ]
        }
    }


def category_document(terms: Sequence[str]) -> dict[str, Any]:
    """The document categories and product names of a feed (requirement 17's criteria)."""
    return {"categories": {"category": [{"term": t} for t in sorted(set(terms))]}}
