"""The examples in the escalation and education modules' docstrings run."""

from __future__ import annotations

import doctest

import pytest

from medsec.education import risk, training
from medsec.escalation import kinds, sla


@pytest.mark.parametrize("module", [sla, kinds, training, risk], ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert failures == 0
