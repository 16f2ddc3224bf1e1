"""Reading VEX documents: JSON with line numbers in errors, timestamps, and the sniffing
that sends a document to its adapter.

>>> detect({"@context": "https://openvex.dev/ns/v0.2.0", "statements": []})
'openvex'
>>> detect({"bomFormat": "CycloneDX"}), detect({"document": {"csaf_version": "2.0"}})
('cyclonedx', 'csaf')
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from medsec.errors import Location, Problem
from medsec.vulns.vex.model import InvalidVex

#: Larger VEX documents are refused before parsing.
MAX_VEX_BYTES = 64 * 1024 * 1024


def fail(source: str, pointer: str, message: str, line: int = 0, column: int = 0) -> InvalidVex:
    return InvalidVex(source, [Problem(Location(source, line, column, pointer), message)])


def load_json(data: bytes, source: str) -> Any:
    if len(data) > MAX_VEX_BYTES:
        raise fail(source, "", f"{len(data)} bytes is more than the {MAX_VEX_BYTES} allowed")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise fail(source, "", f"not UTF-8 text (byte {e.start})") from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise fail(source, "", f"not valid JSON: {e.msg}", e.lineno, e.colno) from e
    except (ValueError, RecursionError) as e:
        raise fail(source, "", f"not valid JSON: {e}") from e


def detect(document: Any) -> str | None:
    """``cyclonedx``, ``openvex``, ``csaf`` or None for a parsed JSON document."""
    if not isinstance(document, dict):
        return None
    if document.get("bomFormat") == "CycloneDX":
        return "cyclonedx"
    context = document.get("@context")
    if isinstance(context, str) and "openvex" in context:
        return "openvex"
    inner = document.get("document")
    if isinstance(inner, dict) and "csaf_version" in inner:
        return "csaf"
    return None


def parse_time(value: Any, source: str, pointer: str) -> datetime | None:
    """An RFC 3339 timestamp (a missing offset is UTC); None when absent."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(source, pointer, f"a timestamp is a string, found {type(value).__name__}")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python < 3.11 parsers choke on nanoseconds; 3.11 accepts up to 6 digits.
    if "." in text:
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        rest = tail[len(digits) :]
        text = f"{head}.{digits[:6]}{rest}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as e:
        raise fail(source, pointer, f"{value!r} is not an RFC 3339 timestamp") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def text(value: Any, source: str, pointer: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        found = type(value).__name__ if value is not None else "nothing"
        raise fail(source, pointer, f"expected a non-empty string, found {found}")
    return value


def items(value: Any, source: str, pointer: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(source, pointer, f"expected an array, found {type(value).__name__}")
    return value


def obj(value: Any, source: str, pointer: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(source, pointer, f"expected an object, found {type(value).__name__}")
    return value


def required_text(value: Any, source: str, pointer: str) -> str:
    if not isinstance(value, str) or not value.strip():
        found = type(value).__name__ if value is not None else "nothing"
        raise fail(source, pointer, f"expected a non-empty string, found {found}")
    return value


def member(value: Any, key: str) -> dict[str, Any]:
    """``value[key]`` when both are objects, else an empty object (optional sections)."""
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}
