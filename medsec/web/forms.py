"""Errors shown on a form: one message per field (tied to its input by
``aria-describedby``) and messages about the form as a whole, listed in a summary at the
top that links to each field (the GOV.UK Design System's error-summary pattern)."""

from __future__ import annotations

from dataclasses import dataclass, field

from medsec.errors import Error


def explain(error: Error) -> str:
    """The message a person reads: what went wrong and, when known, what to do."""
    return f"{error.message}. {error.hint}" if error.hint else error.message


@dataclass
class FormErrors:
    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def add(self, name: str | None, message: str) -> None:
        """Attach ``message`` to field ``name`` (or to the whole form when None)."""
        if name is None:
            self.general.append(message)
        else:
            self.fields.setdefault(name, message)

    def require(self, name: str, value: str, label: str) -> None:
        if not value.strip():
            self.add(name, f"Enter {label}.")

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)
