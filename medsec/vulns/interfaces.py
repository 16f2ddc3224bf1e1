"""The ports of the vulnerability domain: a source of records, one adapter per format.

``sources/osv.py`` (OSV directory, zip, JSON or YAML), ``sources/nvd.py`` (NVD CVE JSON
2.0) and ``sources/kev.py`` (CISA KEV) are the adapters. What the matcher is asked about
is a :class:`medsec.vulns.packages.Package`; what it answers is a list of
:class:`medsec.vulns.matcher.Match`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TypeVar

from medsec.vulns.matcher import Match
from medsec.vulns.packages import Package

__all__ = ["Match", "Package", "VulnerabilitySource"]

T_co = TypeVar("T_co", covariant=True)


class VulnerabilitySource(Protocol[T_co]):
    """Reads the records of one format from a local path (no network)."""

    name: str

    def records(self, path: Path) -> Iterator[T_co]: ...
