"""The examples in the documents modules' docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "medsec.documents",
        "medsec.documents.guide",
        "medsec.documents.diagram",
        "medsec.documents.html",
        "medsec.documents.markdown",
        "medsec.documents.securitytxt",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
