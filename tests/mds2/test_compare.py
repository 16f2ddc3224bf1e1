"""Comparing two MDS2s: the changes that matter, with their severity."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medsec.mds2.answers import Mds2Document
from medsec.mds2.compare import Severity, compare, load_document
from medsec.mds2.export import write_mds2

MFA_ON = ("users.mfa", {"supported": True})
MFA_OFF = ("users.mfa", {"supported": False})
REMOTE = ("network.remote_access", {"methods": [{"id": "vpn", "description": "VPN"}]})
PLAIN_AT_REST = ("data.storage[0].encrypted_at_rest", False)
WIFI = ("network.interfaces[1]", {"id": "wlan0", "kind": "wifi"})

# (case, before changes, after changes, question, severity, worse, words in the message)
CASES: list[tuple[str, list[Any], list[Any], str, Severity, bool | None, str]] = [
    (
        "encryption at rest lost",
        [],
        [PLAIN_AT_REST],
        "STCF-1",
        Severity.HIGH,
        True,
        "encryption at rest lost (Yes → No)",
    ),
    (
        "remote service added",
        [],
        [REMOTE],
        "RMOT-1",
        Severity.HIGH,
        True,
        "remote service added (No → Yes)",
    ),
    (
        "remote service removed",
        [REMOTE],
        [],
        "RMOT-1",
        Severity.INFO,
        False,
        "remote service removed",
    ),
    (
        "MFA dropped",
        [MFA_ON],
        [MFA_OFF],
        "PAUT-8",
        Severity.HIGH,
        True,
        "multi-factor authentication dropped",
    ),
    (
        "MFA added",
        [MFA_OFF],
        [MFA_ON],
        "PAUT-8",
        Severity.INFO,
        False,
        "multi-factor authentication added",
    ),
    (
        "MFA no longer stated",
        [MFA_ON],
        [],
        "PAUT-8",
        Severity.LOW,
        None,
        "no longer answered Yes (Yes → unanswered)",
    ),
    ("Wi-Fi added", [], [WIFI], "CONN-1.1.1", Severity.MEDIUM, True, "Wi-Fi added"),
    (
        "a model renamed",
        [],
        [("product.models", ["TM-2"])],
        "DOC-3",
        Severity.INFO,
        None,
        "Device Model (TM-1 (version 1.0) → TM-2 (version 1.0))",
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "question", "severity", "worse", "words"),
    [pytest.param(b, a, q, s, w, m, id=name) for name, b, a, q, s, w, m in CASES],
)
def test_differences_that_matter(
    derive_variant: Callable[..., Mds2Document],
    before: list[Any],
    after: list[Any],
    question: str,
    severity: Severity,
    worse: bool | None,
    words: str,
) -> None:
    differences = compare(derive_variant(*before), derive_variant(*after))
    found = next((d for d in differences if d.question == question), None)
    assert found is not None, [d.message for d in differences]
    assert (found.severity, found.worse) == (severity, worse)
    assert words in found.message


def test_the_same_document_has_no_differences(pump_mds2: Mds2Document) -> None:
    assert compare(pump_mds2, pump_mds2) == []


def test_most_severe_first_then_form_order(derive_variant: Callable[..., Mds2Document]) -> None:
    differences = compare(derive_variant(MFA_OFF), derive_variant(REMOTE, MFA_ON, WIFI))
    ranks = [d.severity.rank for d in differences]
    assert ranks == sorted(ranks)
    assert differences[0].question == "RMOT-1"
    assert differences[0].as_json()["severity"] == "high"


def test_notes_alone_are_not_differences(derive_variant: Callable[..., Mds2Document]) -> None:
    before = derive_variant(("users.mfa", {"supported": True, "methods": ["TOTP"]}))
    after = derive_variant(("users.mfa", {"supported": True, "methods": ["TOTP app"]}))
    assert [d.question for d in compare(before, after)] == []


def test_documents_load_from_profiles_and_mds2_files(
    tmp_path: Path, variant: Callable[..., Any], derive_variant: Callable[..., Mds2Document]
) -> None:
    profile = variant()
    as_json = tmp_path / "profile.json"
    as_json.write_text(
        json.dumps(profile.model_dump(mode="json", exclude_unset=True)), encoding="utf-8"
    )
    from_profile = load_document(as_json)
    exported = tmp_path / "exported.xlsx"
    write_mds2(from_profile, exported)
    assert compare(from_profile, load_document(exported)) == []
    assert compare(derive_variant(), from_profile) == []
