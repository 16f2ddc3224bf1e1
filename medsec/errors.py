"""The one root error type of medsec.

Every failure a person can act on is an :class:`Error`. Its :meth:`Error.diagnostics`
returns the human explanation (what went wrong, where, and how to fix it); the CLI
prints it and exits non-zero without a traceback, and the API maps each subclass to an
RFC 9457 problem document whose ``type`` is the subclass's stable :attr:`Error.kind`.

>>> try:
...     raise Error("the profile has no product section", hint="add `product:`")
... except Error as e:
...     print(e.diagnostics())
the profile has no product section
hint: add `product:`
"""

from __future__ import annotations

from dataclasses import dataclass


class Error(Exception):
    """Base of every medsec error. Subclasses set ``kind`` and ``status``."""

    kind: str = "error"
    #: HTTP status used when this error reaches the API.
    status: int = 400
    title: str = "Request could not be processed"
    #: Keep the transaction's writes even though the request fails (a failed login's
    #: audit event and failure counter must be stored).
    keep_changes: bool = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """The explanation shown to a person, without a traceback."""
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file: 1-based line and column, and a JSON-style path."""

    file: str
    line: int
    column: int
    path: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, at one place."""

    location: Location
    message: str

    def __str__(self) -> str:
        path = f" {self.location.path}:" if self.location.path else ""
        return f"{self.location}:{path} {self.message}"


class DocumentError(Error):
    """A document (profile, SBOM, advisory…) is not valid. Carries every problem found."""

    kind = "invalid-document"
    status = 422
    title = "The document is not valid"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = sorted(problems, key=lambda p: (p.location, p.message))
        count = len(self.problems)
        super().__init__(f"{source}: {count} problem{'s' if count != 1 else ''}")

    def diagnostics(self) -> str:
        return "\n".join(f"error: {p}" for p in self.problems)


class NotFound(Error):
    kind = "not-found"
    status = 404
    title = "Not found"


class Conflict(Error):
    kind = "conflict"
    status = 409
    title = "Conflict"


class PermissionDenied(Error):
    kind = "forbidden"
    status = 403
    title = "Forbidden"


class AuthenticationRequired(Error):
    kind = "unauthenticated"
    status = 401
    title = "Authentication required"


class RateLimited(Error):
    kind = "rate-limited"
    status = 429
    title = "Too many requests"


class ConfigurationError(Error):
    kind = "configuration"
    status = 500
    title = "The service is not configured correctly"
