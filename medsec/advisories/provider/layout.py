"""Where things go in a provider directory, and what they are called.

A built provider has two trees side by side:

``public/``
    served as is at ``<base>/.well-known/csaf/``: ``provider-metadata.json``, ``service.json``
    (ROLIE service document), ``openpgp/<FINGERPRINT>.asc`` and one folder per public TLP
    (``white/``, ``green/``, ``unlabeled/``).
``restricted/``
    served only to authenticated users at ``<base>/.well-known/csaf/restricted/``: ``amber/``
    and ``red/`` (CSAF 2.0 requirement 5: access protected, under a different path). Nothing
    labelled AMBER or RED is ever written into ``public/``.

Each TLP folder holds ``index.txt``, ``changes.csv``, the ROLIE feed
``csaf-feed-tlp-<tlp>.json``, the ROLIE category document ``csaf-category-tlp-<tlp>.json``, and
one folder per year of ``initial_release_date`` with ``<name>.json`` and its ``.sha256``,
``.sha512`` and ``.asc``.

>>> csaf_file_name("ACME-SA:2026+001 ")
'acme-sa_2026+001_.json'
>>> Tlp.of({"document": {"distribution": {"tlp": {"label": "AMBER"}}}}).folder
'restricted/amber'
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Final

PUBLIC: Final = "public"
RESTRICTED: Final = "restricted"
METADATA: Final = "provider-metadata.json"
SERVICE: Final = "service.json"
KEYS: Final = "openpgp"
#: URL path (under the public base) of the restricted tree.
RESTRICTED_URL_PREFIX: Final = "restricted/"
WELL_KNOWN: Final = "/.well-known/csaf/"
HASHES: Final = ("sha256", "sha512")

_NAME_UNSAFE: Final = re.compile(r"[^+\-a-z0-9]+")


def csaf_file_name(tracking_id: str) -> str:
    """CSAF 2.0 §5.1: ``tracking.id`` lower-cased, every run of characters outside
    ``[a-z0-9+-]`` replaced by one ``_``, then ``.json``. ``+`` is one of the characters the
    standard keeps (as gocsaf does)."""
    return _NAME_UNSAFE.sub("_", tracking_id.lower()) + ".json"


class Tlp(enum.StrEnum):
    """The TLP label of a document, as CSAF 2.0 names it (``UNLABELED`` when it has none)."""

    WHITE = "WHITE"
    GREEN = "GREEN"
    AMBER = "AMBER"
    RED = "RED"
    UNLABELED = "UNLABELED"

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Tlp:
        """The label of a parsed CSAF document. ``CLEAR`` (TLP 2.0, used by CSAF 2.1) is read
        as WHITE, which it replaces."""
        doc = document.get("document")
        distribution = doc.get("distribution") if isinstance(doc, Mapping) else None
        tlp = distribution.get("tlp") if isinstance(distribution, Mapping) else None
        label = tlp.get("label") if isinstance(tlp, Mapping) else None
        if not isinstance(label, str):
            return cls.UNLABELED
        label = label.upper()
        if label == "CLEAR":
            return cls.WHITE
        return cls(label) if label in cls.__members__ else cls.UNLABELED

    @property
    def is_public(self) -> bool:
        return self not in (Tlp.AMBER, Tlp.RED)

    @property
    def folder(self) -> str:
        """The folder, relative to the provider directory (``public/white``…)."""
        return f"{PUBLIC if self.is_public else RESTRICTED}/{self.value.lower()}"

    @property
    def url_path(self) -> str:
        """The folder's URL path relative to the provider's base URL (ends with ``/``)."""
        prefix = "" if self.is_public else RESTRICTED_URL_PREFIX
        return f"{prefix}{self.value.lower()}/"

    @property
    def feed_name(self) -> str:
        return f"csaf-feed-tlp-{self.value.lower()}.json"

    @property
    def category_name(self) -> str:
        return f"csaf-category-tlp-{self.value.lower()}.json"


def parse_timestamp(value: str) -> dt.datetime:
    """An RFC 3339 date-time (CSAF's format); naive values are read as UTC."""
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def format_timestamp(moment: dt.datetime) -> str:
    """UTC, ``Z``, milliseconds only when there are any (stable across rebuilds)."""
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def base_url_of(canonical_url: str) -> str:
    """The provider's base URL: the folder of its ``provider-metadata.json`` (ends with ``/``)."""
    return canonical_url.rsplit("/", 1)[0] + "/"


class Tree:
    """Maps a provider's URLs to files, for checking a directory offline.

    Two layouts are understood: a medsec build (``public/`` and ``restricted/``) and a plain
    web root (``provider-metadata.json`` at the top, as in the gocsaf examples)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.split = (root / PUBLIC / METADATA).is_file()
        self.public = root / PUBLIC if self.split else root
        self.restricted = root / RESTRICTED if self.split else root

    def path_of(self, url: str, base_url: str) -> Path | None:
        """The file a URL names, or None when the URL is outside the provider."""
        if not url.startswith(base_url):
            return None
        relative = PurePosixPath(url[len(base_url) :])
        if ".." in relative.parts:
            return None
        if self.split and str(relative).startswith(RESTRICTED_URL_PREFIX):
            return self.restricted.joinpath(*relative.parts[1:])
        return self.public.joinpath(*relative.parts)

    def is_public(self, path: Path) -> bool:
        """Whether a file would be served without authentication."""
        if not self.split:
            return True
        return path.resolve().is_relative_to(self.public.resolve())
