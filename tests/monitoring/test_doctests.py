"""The examples in the monitoring modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "medsec.monitoring",
    "medsec.monitoring.catalog",
    "medsec.monitoring.exports.cef",
    "medsec.monitoring.syslog.framing",
    "medsec.monitoring.syslog.message",
    "medsec.monitoring.syslog.parser",
    "medsec.monitoring.syslog.rfc3164",
    "medsec.monitoring.syslog.rfc5424",
    "medsec.monitoring.webhooks",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
