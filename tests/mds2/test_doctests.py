"""The examples in the mds2 modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "medsec.mds2",
    "medsec.mds2.answers",
    "medsec.mds2.compare",
    "medsec.mds2.derive",
    "medsec.mds2.fleet",
    "medsec.mds2.form",
    "medsec.mds2.importer",
    "medsec.mds2.rules.registry",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
