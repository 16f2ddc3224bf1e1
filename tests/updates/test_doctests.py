"""The examples in the module docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "medsec.updates.ranges",
        "medsec.updates.applicability",
        "medsec.updates.windows",
        "medsec.updates.planner",
        "medsec.updates.tasks",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))

    assert result.attempted > 0
    assert result.failed == 0
