"""The derivation rules, one module per group of MDS2 sections; :data:`RULES` has them all.

Each rule reads profile fields and returns a :class:`~medsec.mds2.rules.registry.Derived`
that cites them, or None when the profile does not say.
"""

from __future__ import annotations

from medsec.mds2.rules import (
    accounts,
    audit,
    confidentiality,
    document,
    hardening,
    malware,
    network,
    personal_data,
    physical,
    remote,
    sbom,
    storage,
    updates,
    users,
)
from medsec.mds2.rules.registry import Context, Derived, Rule, merge

RULES: dict[str, Rule] = merge(
    module.book
    for module in (
        document,
        personal_data,
        storage,
        confidentiality,
        audit,
        users,
        accounts,
        network,
        remote,
        updates,
        sbom,
        hardening,
        malware,
        physical,
    )
)

__all__ = ["RULES", "Context", "Derived", "Rule"]
