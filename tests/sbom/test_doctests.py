"""The examples in the module docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "medsec.sbom",
        "medsec.sbom.model",
        "medsec.sbom.identifiers",
        "medsec.sbom.positions",
        "medsec.sbom.cyclonedx",
        "medsec.sbom.detect",
        "medsec.sbom.read",
        "medsec.sbom.stream",
        "medsec.sbom.ntia",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))

    assert result.attempted > 0
    assert result.failed == 0
