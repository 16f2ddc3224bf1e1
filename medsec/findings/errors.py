"""Errors of the findings domain."""

from __future__ import annotations

from medsec.errors import Error


class VexNotAboutVersion(Error):
    """A VEX document none of whose statements is about the product version."""

    kind = "vex-not-about-version"
    title = "The VEX document is not about this product version"
    status = 422


class InvalidTriage(Error):
    """A triage decision that is incomplete (``not_affected`` without a justification)."""

    kind = "invalid-triage"
    title = "The triage decision is not complete"
    status = 422
