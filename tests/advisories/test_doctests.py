"""The examples in the advisories modules' docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "medsec.advisories.interfaces",
        "medsec.advisories.document",
        "medsec.advisories.explain",
        "medsec.advisories.readability",
        "medsec.advisories.authoring",
        "medsec.advisories.authoring.plain",
        "medsec.advisories.provider.layout",
        "medsec.advisories.provider.report",
        "medsec.advisories.signing.interfaces",
        "medsec.advisories.consumer.integrity",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
