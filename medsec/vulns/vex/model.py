"""The VEX statement every format adapter produces, and the status/justification mapping.

A :class:`VexStatement` says, for one product, optionally one component inside it, and
one vulnerability (with its aliases), what the status is and why. CycloneDX, OpenVEX and
CSAF documents are read into statements by the adapters of this package; the mapping
tables below are the one place where their vocabularies meet (``docs/vulnerabilities.md``
prints them).

>>> cyclonedx_state_to_status("exploitable").value, status_to_csaf(VexStatus.NOT_AFFECTED)
('affected', 'known_not_affected')
>>> cyclonedx_justification(Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH)
'code_not_reachable'
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from packageurl import PackageURL

from medsec.errors import DocumentError
from medsec.sbom.model import NO_HASHES


class InvalidVex(DocumentError):
    """A VEX document that cannot be read; names the file and the JSON pointer."""

    kind = "invalid-vex"
    title = "The VEX document is not valid"


class VexStatus(enum.StrEnum):
    """The four VEX statuses (the CISA minimum set, OpenVEX's spelling)."""

    NOT_AFFECTED = "not_affected"
    AFFECTED = "affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


class Justification(enum.StrEnum):
    """Why a product is not affected (CISA/OpenVEX labels; CSAF ``flags`` use the same)."""

    COMPONENT_NOT_PRESENT = "component_not_present"
    VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present"
    VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = "vulnerable_code_not_in_execute_path"
    VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = (
        "vulnerable_code_cannot_be_controlled_by_adversary"
    )
    INLINE_MITIGATIONS_ALREADY_EXIST = "inline_mitigations_already_exist"


class SourceKind(enum.IntEnum):
    """Who made a statement; the value is its authority when statements conflict."""

    THIRD_PARTY = 1
    HOSPITAL = 2
    MANUFACTURER = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


# --- status mapping -------------------------------------------------------------------

#: CycloneDX ``analysis.state`` → status (``false_positive`` is "not affected" too;
#: ``resolved_with_pedigree`` is "fixed").
CYCLONEDX_STATES: Mapping[str, VexStatus] = MappingProxyType(
    {
        "not_affected": VexStatus.NOT_AFFECTED,
        "false_positive": VexStatus.NOT_AFFECTED,
        "exploitable": VexStatus.AFFECTED,
        "resolved": VexStatus.FIXED,
        "resolved_with_pedigree": VexStatus.FIXED,
        "in_triage": VexStatus.UNDER_INVESTIGATION,
    }
)
_TO_CYCLONEDX_STATE = {
    VexStatus.NOT_AFFECTED: "not_affected",
    VexStatus.AFFECTED: "exploitable",
    VexStatus.FIXED: "resolved",
    VexStatus.UNDER_INVESTIGATION: "in_triage",
}
#: CSAF ``product_status`` key → status. ``recommended`` carries no status and is not read.
CSAF_STATUSES: Mapping[str, VexStatus] = MappingProxyType(
    {
        "known_not_affected": VexStatus.NOT_AFFECTED,
        "known_affected": VexStatus.AFFECTED,
        "first_affected": VexStatus.AFFECTED,
        "last_affected": VexStatus.AFFECTED,
        "fixed": VexStatus.FIXED,
        "first_fixed": VexStatus.FIXED,
        "under_investigation": VexStatus.UNDER_INVESTIGATION,
    }
)
_TO_CSAF = {
    VexStatus.NOT_AFFECTED: "known_not_affected",
    VexStatus.AFFECTED: "known_affected",
    VexStatus.FIXED: "fixed",
    VexStatus.UNDER_INVESTIGATION: "under_investigation",
}

#: CycloneDX ``analysis.justification`` → justification.
CYCLONEDX_JUSTIFICATIONS: Mapping[str, Justification] = MappingProxyType(
    {
        "code_not_present": Justification.VULNERABLE_CODE_NOT_PRESENT,
        "code_not_reachable": Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH,
        "requires_configuration": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
        "requires_dependency": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
        "requires_environment": Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY,
        "protected_by_compiler": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
        "protected_at_runtime": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
        "protected_at_perimeter": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
        "protected_by_mitigating_control": Justification.INLINE_MITIGATIONS_ALREADY_EXIST,
    }
)
_TO_CYCLONEDX_JUSTIFICATION = {
    # CycloneDX has no "component not present": the code is then not present either.
    Justification.COMPONENT_NOT_PRESENT: "code_not_present",
    Justification.VULNERABLE_CODE_NOT_PRESENT: "code_not_present",
    Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH: "code_not_reachable",
    Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY: "requires_environment",
    Justification.INLINE_MITIGATIONS_ALREADY_EXIST: "protected_by_mitigating_control",
}


def cyclonedx_state_to_status(state: str) -> VexStatus:
    return CYCLONEDX_STATES[state]


def status_to_cyclonedx(status: VexStatus) -> str:
    return _TO_CYCLONEDX_STATE[status]


def csaf_to_status(key: str) -> VexStatus:
    return CSAF_STATUSES[key]


def status_to_csaf(status: VexStatus) -> str:
    return _TO_CSAF[status]


def cyclonedx_justification(justification: Justification) -> str:
    return _TO_CYCLONEDX_JUSTIFICATION[justification]


# --- what a statement is about ---------------------------------------------------------


def _purl_parts(purl: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(purl)
    except ValueError:
        return None


def purls_match(stated: str, actual: str) -> bool:
    """Whether a stated purl names the actual one: same type, namespace and name; the
    same version when the statement gives one; qualifiers present on both sides agree."""
    a, b = _purl_parts(stated), _purl_parts(actual)
    if a is None or b is None:
        return stated == actual
    if (a.type, a.namespace or "", a.name) != (b.type, b.namespace or "", b.name):
        return False
    if a.version and a.version != b.version:
        return False
    qa = a.qualifiers if isinstance(a.qualifiers, dict) else {}
    qb = b.qualifiers if isinstance(b.qualifiers, dict) else {}
    return all(qb[k] == v for k, v in qa.items() if k in qb)


def purl_without_version(purl: str) -> str:
    """The purl with its version (and qualifiers, subpath) removed: the package's name."""
    p = _purl_parts(purl)
    if p is None:
        return purl
    return str(PackageURL(type=p.type, namespace=p.namespace, name=p.name).to_string())


@dataclass(frozen=True)
class Subject:
    """A product or component a statement names: any of its identifiers.

    ``ref`` is a CycloneDX ``bom-ref`` (or BOM-Link), a CSAF ``product_id`` or an OpenVEX
    ``@id`` that is not a purl; it only matches within the document it came from (see
    ``document``: the BOM serial number a BOM-Link or embedded VEX refers to).
    """

    purl: str | None = None
    cpe: str | None = None
    ref: str | None = None
    name: str | None = None
    version: str | None = None
    document: str | None = None
    hashes: Mapping[str, str] = field(default_factory=lambda: NO_HASHES)

    def describe(self) -> str:
        for value in (self.purl, self.cpe):
            if value:
                return value
        if self.name:
            return f"{self.name} {self.version or ''}".strip()
        return self.ref or "(unnamed)"

    def identifies(self, other: Subject) -> bool:
        """Whether this stated subject names ``other`` (an SBOM's product or component)."""
        if self.purl and other.purl and purls_match(self.purl, other.purl):
            return True
        if self.cpe and other.cpe and self.cpe.lower() == other.cpe.lower():
            return True
        common = set(self.hashes) & set(other.hashes)
        if common and all(self.hashes[a].lower() == other.hashes[a].lower() for a in common):
            return True
        if self.ref and other.ref and self.ref == other.ref:
            # A reference is local to a document: the same BOM, or no BOM named.
            return self.document is None or other.document in (None, self.document)
        if self.purl or self.cpe or self.hashes:
            return False
        if self.name is None:
            if self.ref:
                return False
            # Only a document (a BOM-Link to a BOM without a product): that BOM's product.
            return self.document is not None and other.document == self.document
        # Named only (CycloneDX metadata.component without purl or CPE, whose bom-ref is
        # local to its own document): the same name, and the version if one is given.
        return bool(
            self.name
            and other.name
            and self.name.casefold() == other.name.casefold()
            and (self.version is None or self.version == other.version)
        )


@dataclass(frozen=True)
class VexStatement:
    """What one source says about one vulnerability in one product (and component).

    ``component`` is ``None`` when the statement is about the product as a whole.
    ``product`` is ``None`` only for a CycloneDX VEX embedded in the SBOM it annotates
    (its ``affects`` refs point into that same BOM). ``original_status`` and
    ``original_justification`` keep the format's own words (``false_positive``,
    ``protected_at_perimeter``…), ``justification`` the mapped label.
    """

    vulnerability: str
    status: VexStatus
    source: str
    source_kind: SourceKind
    product: Subject | None = None
    component: Subject | None = None
    aliases: tuple[str, ...] = ()
    justification: Justification | None = None
    impact_statement: str | None = None
    action_statement: str | None = None
    timestamp: datetime | None = None
    original_status: str | None = None
    original_justification: str | None = None
    #: Where in its document the statement is (JSON pointer), for reports.
    pointer: str = ""

    @property
    def vulnerability_ids(self) -> frozenset[str]:
        return frozenset({self.vulnerability, *self.aliases})
