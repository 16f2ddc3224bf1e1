"""Fixtures for the MDS2 tests: the example profiles and small profile variants."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medsec.mds2.answers import Mds2Document, Origin
from medsec.mds2.derive import derive
from medsec.profiles.loader import load_profile
from medsec.profiles.psp import ProductSecurityProfile

ROOT = Path(__file__).resolve().parents[2]
#: Every example profile; the CT scanner and PACS server join the infusion pump when present.
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

#: A small profile of a fictional wired monitor, written for these tests. Variants change
#: one part of it at a time.
BASE: dict[str, Any] = {
    "psp_version": 1,
    "product": {
        "manufacturer": {"name": "Test Medical"},
        "name": "Test Monitor",
        "models": ["TM-1"],
        "version": "1.0",
    },
    "network": {
        "interfaces": [{"id": "eth0", "kind": "ethernet"}],
        "endpoints": [{"id": "central", "name": "Central station", "kind": "server"}],
        "services": [
            {
                "id": "hl7",
                "name": "hl7-mllp",
                "description": "Vital signs to the central station.",
                "protocol": "tcp",
                "interface": "eth0",
                "direction": "outbound",
                "server": ["central"],
                "default_port": 2575,
                "authentication": "Mutual TLS with device certificates.",
                "encryption": "tls",
            }
        ],
        "remote_access": {"none": True},
    },
    "data": {
        "categories": [
            {
                "id": "vitals",
                "name": "Vital signs with patient id",
                "kind": "phi",
                "sensitivity": "high",
            }
        ],
        "flows": [
            {
                "id": "vitals-out",
                "source": "device",
                "destination": "central",
                "categories": ["vitals"],
                "service": "hl7",
                "encryption": "tls",
            }
        ],
        "storage": [{"category": "vitals", "location": "Internal eMMC", "encrypted_at_rest": True}],
    },
}


#: A change whose value is this removes the key.
DELETE = "<delete>"

Change = tuple[str, Any]


def _variant(*changes: Change) -> dict[str, Any]:
    """BASE with each ``(path, value)`` applied; a path is ``users.mfa`` or ``data.flows[0].x``.

    ``list[n]`` with n the list's length appends; the value DELETE removes the key.
    """
    doc = copy.deepcopy(BASE)
    for where, value in changes:
        parts = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", where)]
        node: Any = doc
        for part in parts[:-1]:
            if isinstance(part, str) and part not in node:
                node[part] = {}
            node = node[part]
        last = parts[-1]
        if value == DELETE:
            del node[last]
        elif isinstance(last, int) and last == len(node):
            node.append(value)  # items[len] adds an item
        else:
            node[last] = value
    return doc


def _resolve(data: Any, path: str) -> Any:
    """The value at a cited path of a profile's data; KeyError/IndexError if absent."""
    node = data
    for part in re.findall(r"[^.\[\]]+", path):
        node = node[int(part)] if part.isdigit() and isinstance(node, list) else node[part]
    return node


@pytest.fixture
def variant() -> Callable[..., ProductSecurityProfile]:
    """``variant(("users.mfa", {...}), ...)``: the test profile with those changes."""
    return lambda *changes: ProductSecurityProfile.model_validate(_variant(*changes))


@pytest.fixture
def derive_variant() -> Callable[..., Mds2Document]:
    return lambda *changes: derive(ProductSecurityProfile.model_validate(_variant(*changes)))


def _check_derivation(
    changes: list[tuple[str, Any]], question: str, expected: Any, cited: str | None
) -> None:
    """The variant answers ``question`` with ``expected`` citing ``cited`` (None: manual)."""
    answer = derive(ProductSecurityProfile.model_validate(_variant(*changes))).answer(question)
    if expected is None:
        assert answer is None, f"{question} should be left for manual entry, got {answer}"
        return
    assert answer is not None, f"{question} was not derived"
    assert answer.choice is expected
    assert answer.origin is Origin.DERIVED
    assert cited in answer.sources, answer.sources


@pytest.fixture
def check_derivation() -> Callable[..., None]:
    return _check_derivation


@pytest.fixture
def resolve() -> Callable[[Any, str], Any]:
    return _resolve


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes ``example`` runs once per example profile."""
    if "example" in metafunc.fixturenames:
        metafunc.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])


@pytest.fixture(scope="session")
def pump() -> ProductSecurityProfile:
    return load_profile(ROOT / "examples" / "infusion-pump.yaml")


@pytest.fixture(scope="session")
def pump_mds2(pump: ProductSecurityProfile) -> Mds2Document:
    return derive(pump)
