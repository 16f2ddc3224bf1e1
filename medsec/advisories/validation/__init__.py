"""Validator adapters, one module per engine. :func:`default_validator` is the one medsec uses."""

from __future__ import annotations

from medsec.advisories.interfaces import CsafValidator


def default_validator() -> CsafValidator:
    """The ``csaf`` package (pinned in pyproject.toml) validating CSAF 2.0."""
    from medsec.advisories.validation.csaf_lib import CsafLibValidator

    return CsafLibValidator()
