"""The status and justification mapping between CycloneDX, OpenVEX and CSAF, both ways."""

from __future__ import annotations

import pytest

from medsec.vulns.vex.model import (
    CSAF_STATUSES,
    CYCLONEDX_JUSTIFICATIONS,
    CYCLONEDX_STATES,
    Justification,
    VexStatus,
    csaf_to_status,
    cyclonedx_justification,
    cyclonedx_state_to_status,
    status_to_csaf,
    status_to_cyclonedx,
)

# status, CycloneDX analysis.state, OpenVEX status, CSAF product_status key (the canonical
# spelling each format writes).
CANONICAL = [
    (VexStatus.NOT_AFFECTED, "not_affected", "not_affected", "known_not_affected"),
    (VexStatus.AFFECTED, "exploitable", "affected", "known_affected"),
    (VexStatus.FIXED, "resolved", "fixed", "fixed"),
    (VexStatus.UNDER_INVESTIGATION, "in_triage", "under_investigation", "under_investigation"),
]

# Spellings read but never written: they map onto a status and come back canonical.
READ_ONLY = [
    ("cyclonedx", "false_positive", VexStatus.NOT_AFFECTED),
    ("cyclonedx", "resolved_with_pedigree", VexStatus.FIXED),
    ("csaf", "first_affected", VexStatus.AFFECTED),
    ("csaf", "last_affected", VexStatus.AFFECTED),
    ("csaf", "first_fixed", VexStatus.FIXED),
]


@pytest.mark.parametrize(("status", "cdx", "openvex", "csaf"), CANONICAL)
def test_each_status_maps_to_each_format_and_back(
    status: VexStatus, cdx: str, openvex: str, csaf: str
) -> None:
    assert status_to_cyclonedx(status) == cdx
    assert cyclonedx_state_to_status(cdx) is status
    assert VexStatus(openvex) is status
    assert status.value == openvex
    assert status_to_csaf(status) == csaf
    assert csaf_to_status(csaf) is status


@pytest.mark.parametrize(("fmt", "spelling", "status"), READ_ONLY)
def test_lossy_spellings_read_as_a_status(fmt: str, spelling: str, status: VexStatus) -> None:
    read = cyclonedx_state_to_status if fmt == "cyclonedx" else csaf_to_status
    assert read(spelling) is status


def test_every_format_value_is_mapped() -> None:
    assert set(CYCLONEDX_STATES) == {c for _, c, _, _ in CANONICAL} | {
        s for f, s, _ in READ_ONLY if f == "cyclonedx"
    }
    assert set(CSAF_STATUSES) == {c for _, _, _, c in CANONICAL} | {
        s for f, s, _ in READ_ONLY if f == "csaf"
    }


# CycloneDX justification -> the OpenVEX/CSAF label it reads as.
JUSTIFICATIONS_IN = [
    ("code_not_present", Justification.VULNERABLE_CODE_NOT_PRESENT),
    ("code_not_reachable", Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH),
    ("requires_configuration", Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY),
    ("requires_dependency", Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY),
    ("requires_environment", Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY),
    ("protected_by_compiler", Justification.INLINE_MITIGATIONS_ALREADY_EXIST),
    ("protected_at_runtime", Justification.INLINE_MITIGATIONS_ALREADY_EXIST),
    ("protected_at_perimeter", Justification.INLINE_MITIGATIONS_ALREADY_EXIST),
    ("protected_by_mitigating_control", Justification.INLINE_MITIGATIONS_ALREADY_EXIST),
]
# OpenVEX/CSAF label -> the CycloneDX justification it is written as.
JUSTIFICATIONS_OUT = [
    (Justification.COMPONENT_NOT_PRESENT, "code_not_present"),
    (Justification.VULNERABLE_CODE_NOT_PRESENT, "code_not_present"),
    (Justification.VULNERABLE_CODE_NOT_IN_EXECUTE_PATH, "code_not_reachable"),
    (Justification.VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY, "requires_environment"),
    (Justification.INLINE_MITIGATIONS_ALREADY_EXIST, "protected_by_mitigating_control"),
]


@pytest.mark.parametrize(("cdx", "label"), JUSTIFICATIONS_IN)
def test_cyclonedx_justifications_read_as_labels(cdx: str, label: Justification) -> None:
    assert CYCLONEDX_JUSTIFICATIONS[cdx] is label


@pytest.mark.parametrize(("label", "cdx"), JUSTIFICATIONS_OUT)
def test_labels_write_as_cyclonedx_and_read_back(label: Justification, cdx: str) -> None:
    assert cyclonedx_justification(label) == cdx
    back = CYCLONEDX_JUSTIFICATIONS[cdx]
    # Lossless except "component not present", which CycloneDX cannot say.
    assert back is label or label is Justification.COMPONENT_NOT_PRESENT


def test_the_tables_cover_every_justification() -> None:
    assert {c for c, _ in JUSTIFICATIONS_IN} == set(CYCLONEDX_JUSTIFICATIONS)
    assert {j for j, _ in JUSTIFICATIONS_OUT} == set(Justification)
