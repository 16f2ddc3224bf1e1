"""The validator port and the results that cross it.

A :class:`CsafValidator` checks one parsed CSAF document against a :class:`Preset` and returns
a :class:`ValidationResult`: its findings split by severity, each naming the test of the CSAF
2.0 standard (``6.1.31``, ``6.1.27.4``, ``schema``), the JSON pointer of the place and the
engine's message. :meth:`ValidationResult.to_json` gives the JSON shape of
``medsec csaf validate --format json``.

>>> result = ValidationResult(
...     file="a.json",
...     errors=(Finding("6.1.1", Severity.ERROR, "/vulnerabilities/0", "not defined"),),
... )
>>> result.is_valid, result.to_json()["isValid"], result.to_json()["errors"][0]["testId"]
(False, False, '6.1.1')
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Preset(enum.StrEnum):
    """Which tests run. Each preset includes the ones before it."""

    #: The CSAF 2.0 JSON schema with the FIRST CVSS schemas it references.
    SCHEMA = "schema"
    #: Schema + every mandatory test 6.1.1–6.1.33 (including the profile tests 6.1.27.x).
    MANDATORY = "mandatory"
    #: + the optional tests 6.2.x (called "recommended" in CSAF 2.1).
    OPTIONAL = "optional"
    #: + the informative tests 6.3.x.
    FULL = "full"


class Severity(enum.StrEnum):
    """Mandatory and schema failures are errors (the document is invalid); optional-test
    failures are warnings; informative-test failures are infos."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Finding:
    """One failed check at one place of the document."""

    #: ``schema`` or the section number of the test, e.g. ``6.1.31`` or ``6.1.27.4``.
    test_id: str
    severity: Severity
    #: RFC 6901 JSON pointer, ``""`` for the whole document.
    instance_path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "testId": self.test_id,
            "instancePath": self.instance_path,
            "message": self.message,
        }


@dataclass(frozen=True)
class NotRun:
    """A test of the preset that did not run, and why (so a pass is never overstated)."""

    test_id: str
    reason: str


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of validating one document."""

    file: str
    errors: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    infos: tuple[Finding, ...] = ()
    not_run: tuple[NotRun, ...] = field(default=())

    @property
    def is_valid(self) -> bool:
        """Valid means: no error. Warnings and infos never make a document invalid."""
        return not self.errors

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.errors + self.warnings + self.infos

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "isValid": self.is_valid,
            "errors": [f.to_json() for f in self.errors],
            "warnings": [f.to_json() for f in self.warnings],
            "infos": [f.to_json() for f in self.infos],
            "notRun": [{"testId": n.test_id, "reason": n.reason} for n in self.not_run],
        }


class CsafValidator(Protocol):
    """A CSAF 2.0 validation engine. Adapters live in :mod:`medsec.advisories.validation`."""

    #: Engine name and version, e.g. ``csaf 2026.10.25``, shown in reports.
    name: str

    def validate(
        self, document: Mapping[str, Any], *, file: str, preset: Preset
    ) -> ValidationResult:
        """Run the preset's tests on a parsed document (a JSON object)."""
        ...
