"""The examples in the findings/VEX/priority module docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "medsec.vulns.findings",
        "medsec.vulns.priority",
        "medsec.vulns.sarif",
        "medsec.vulns.vex",
        "medsec.vulns.vex.model",
        "medsec.vulns.vex.documents",
        "medsec.vulns.vex.cyclonedx",
        "medsec.vulns.vex.openvex",
        "medsec.vulns.vex.csaf",
        "medsec.vulns.sources.csaf",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))

    assert result.attempted > 0
    assert result.failed == 0
