"""The derivation rules, one module per group of MDS2 sections; :data:`RULES` has them all.

Each rule reads profile fields and returns a :class:`~medsec.mds2.rules.registry.Derived`
that cites them, or None when the profile does not say.
"""

from __future__ import annotations

from medsec.mds2.rules import (
    audit,
    confidentiality,
    document,
    hardening,
    network,
    personal_data,
    updates,
    users,
)
from medsec.mds2.rules.registry import Context, Derived, Rule, merge

RULES: dict[str, Rule] = merge(
    module.book
    for module in (
        document,
        personal_data,
        confidentiality,
        audit,
        users,
        network,
        updates,
        hardening,
    )
)

__all__ = ["RULES", "Context", "Derived", "Rule"]
