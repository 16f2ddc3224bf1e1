"""The lint rules, one module per principle; importing this package registers them all."""

from medsec.profiles.lint.rules import (
    data,
    hardening,
    monitoring,
    network,
    recovery,
    updates,
    users,
)

__all__ = ["data", "hardening", "monitoring", "network", "recovery", "updates", "users"]
