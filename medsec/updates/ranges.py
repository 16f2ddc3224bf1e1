"""Applicability ranges as ``vers`` strings (package-url's version range specifier),
checked with univers.

>>> parse_range("vers:generic/>=4.0.0|<4.2.1").contains("4.1.7")
True
>>> parse_range("vers:generic/>=4.0.0|<4.2.1").contains("4.2.1")
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from univers.version_range import VersionRange
from univers.versions import InvalidVersion

from medsec.errors import Error

EXAMPLE = "vers:generic/>=4.0.0|<4.2.1"


class RangeError(Error):
    kind = "invalid-range"
    status = 422
    title = "The version range is not valid"


@dataclass(frozen=True)
class Range:
    """A parsed ``vers`` range; :meth:`contains` compares in the range's own scheme."""

    text: str
    parsed: Any

    def contains(self, version: str) -> bool:
        try:
            candidate = self.parsed.version_class(version)
        except (InvalidVersion, ValueError, TypeError) as e:
            raise RangeError(
                f"{version!r} is not a version of the scheme of {self.text}",
                hint="give the installed version as the manufacturer numbers it",
            ) from e
        return bool(candidate in self.parsed)


def parse_range(text: str) -> Range:
    """Parse and validate ``text``; :class:`RangeError` says what is wrong."""
    if len(text) > 400:
        raise RangeError("the version range is longer than 400 characters")
    try:
        parsed = VersionRange.from_string(text.strip())  # type: ignore[no-untyped-call]
    except (InvalidVersion, ValueError, TypeError, KeyError, AttributeError, IndexError) as e:
        raise RangeError(
            f"{text!r} is not a vers range: {e}", hint=f"write for example {EXAMPLE}"
        ) from e
    return Range(str(parsed), parsed)
