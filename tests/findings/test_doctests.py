"""The examples in the findings modules' docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "medsec.findings.chart",
        "medsec.findings.vex",
        "medsec.findings.exports",
        "medsec.findings.context",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))

    assert result.attempted > 0
    assert result.failed == 0
