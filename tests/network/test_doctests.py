"""The examples in the network modules' docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "medsec.network.site",
        "medsec.network.site_yaml",
        "medsec.network.flowmap",
        "medsec.network.mud.export",
        "medsec.network.mud.importer",
        "medsec.network.database",
        "medsec.network.diagram",
        "medsec.flows.sample",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))

    assert result.attempted > 0
    assert result.failed == 0
