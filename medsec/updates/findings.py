"""The port through which update planning learns an asset's open findings.

The service's adapter is :class:`medsec.findings.open_findings.ServiceFindings` (the
open findings after VEX and triage), wired into the planning API and pages;
:class:`NoFindings` (the default of the planning functions) answers that no asset has an
open finding, so applicability lists what each release fixes but closes nothing. An
adapter answers, for the asset ids asked, the ids (CVE, OSV, GHSA…) of the findings still
open on each; an asset without any may be left out of the answer.

>>> NoFindings().open_for([1, 2])
{}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class OpenFindings(Protocol):
    def open_for(self, asset_ids: Sequence[int]) -> Mapping[int, frozenset[str]]:
        """Open finding ids by asset id (assets without open findings may be absent)."""
        ...


class NoFindings:
    """No finding source yet: every asset has no open finding."""

    def open_for(self, asset_ids: Sequence[int]) -> Mapping[int, frozenset[str]]:
        return {}


class KnownFindings:
    """Findings given in advance (tests, imports from another tool)."""

    def __init__(self, findings: Mapping[int, frozenset[str]]) -> None:
        self._findings = dict(findings)

    def open_for(self, asset_ids: Sequence[int]) -> Mapping[int, frozenset[str]]:
        return {a: self._findings[a] for a in asset_ids if a in self._findings}
