"""The feed index: a small, signed, TUF-lite list of what a manufacturer publishes.

``index.json`` names its format, the publisher (name, slug, the fingerprint of the key
that signs it, the URL of its CSAF provider) and one entry per document of a published
profile version. An entry's ``url`` is resolved against the index's own URL and must stay
on the same origin; ``sha256`` and ``size`` are checked by the subscriber before the
document is read. ``index.json.asc`` is a detached OpenPGP signature of the exact bytes.

The bytes are canonical (sorted keys, two-space indent, UTF-8), so the same publications
give the same bytes — and the same ETag — on every request and every process.

>>> entry = FeedEntryDoc(product="Pump", manufacturer="Acme", version="1.0", kind="profile",
...     url="/public/feeds/acme/versions/1/profile", sha256="0" * 64, size=10, filename="p.yaml")
>>> index = FeedIndex(publisher=Publisher(name="Acme", slug="acme"), entries=[entry])
>>> parse_index(index_bytes(index), "index.json").entries[0].key
'Pump/1.0/profile'
"""

from __future__ import annotations

import enum
import json
import re
from collections import Counter
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from medsec.errors import DocumentError, Location, Problem

FORMAT = "medsec-feed/1"
#: Larger indexes are refused before parsing.
MAX_INDEX_BYTES = 8 * 1024 * 1024
_SHA256 = r"^[0-9a-f]{64}$"


class Kind(enum.StrEnum):
    PROFILE = "profile"
    SBOM = "sbom"
    VEX = "vex"


#: A version's profile is stored before its SBOM and VEX (they attach to it).
KIND_ORDER = {Kind.PROFILE: 0, Kind.SBOM: 1, Kind.VEX: 2}


class Publisher(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9-]*$")
    key_fingerprint: str | None = Field(default=None, pattern=r"^[0-9A-F]{40,64}$")
    #: ``provider-metadata.json`` of the manufacturer's CSAF provider (CSAF 2.0 §7.1.1).
    csaf_provider: str | None = Field(default=None, max_length=2000)


class FeedEntryDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    product: str = Field(min_length=1, max_length=200)
    manufacturer: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=80)
    kind: Kind
    url: str = Field(min_length=1, max_length=2000)
    sha256: str = Field(pattern=_SHA256)
    size: int = Field(ge=0)
    filename: str = Field(min_length=1, max_length=200)
    media_type: str = Field(default="application/octet-stream", max_length=200)
    #: With a UTC offset (RFC 3339), as every time in the index.
    published: AwareDatetime | None = None

    @property
    def key(self) -> str:
        return f"{self.product}/{self.version}/{self.kind.value}"


class FeedIndex(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["medsec-feed/1"] = "medsec-feed/1"
    publisher: Publisher
    #: The latest publication time among the entries (None for an empty feed).
    updated: AwareDatetime | None = None
    entries: list[FeedEntryDoc] = Field(default_factory=list)


def index_bytes(index: FeedIndex) -> bytes:
    """The canonical bytes of an index (what is served and signed)."""
    data = index.model_dump(mode="json", exclude_none=True)
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "/" + "/".join(str(p) for p in loc) if loc else ""


def _line_of(text: str, pointer: str) -> int:
    """Best effort: the line of the last key of ``pointer`` in pretty-printed JSON."""
    parts = [p for p in pointer.split("/") if p and not p.isdigit()]
    if not parts:
        return 1
    match = re.search(rf'"{re.escape(parts[-1])}"\s*:', text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def parse_index(data: bytes, source: str) -> FeedIndex:
    """Parse and validate an index; :class:`DocumentError` says what and where."""

    def fail(pointer: str, message: str, line: int = 1, column: int = 1) -> DocumentError:
        return DocumentError(source, [Problem(Location(source, line, column, pointer), message)])

    if len(data) > MAX_INDEX_BYTES:
        raise fail("", f"{len(data)} bytes is more than the {MAX_INDEX_BYTES} allowed")
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
    except UnicodeDecodeError as e:
        raise fail("", f"not UTF-8 text (byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise fail("", f"not valid JSON: {e.msg}", e.lineno, e.colno) from e
    except (ValueError, RecursionError) as e:
        raise fail("", f"not valid JSON: {e}") from e
    if isinstance(raw, dict) and raw.get("format") != FORMAT:
        raise fail("/format", f"expected {FORMAT!r}, found {raw.get('format')!r}")
    try:
        index = FeedIndex.model_validate(raw)
    except ValidationError as e:
        problems = []
        for error in e.errors():
            pointer = _pointer(tuple(error["loc"]))
            line = _line_of(text, pointer)
            problems.append(Problem(Location(source, line, 1, pointer), error["msg"]))
        raise DocumentError(source, problems) from e
    counts = Counter(entry.key for entry in index.entries)
    duplicates = sorted(k for k, n in counts.items() if n > 1)
    if duplicates:
        raise fail("/entries", f"entries listed twice: {', '.join(duplicates)}")
    return index
