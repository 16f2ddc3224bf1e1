"""The port every SBOM format adapter implements, its limits and its error.

Adding a format is adding a module with a class that satisfies :class:`SbomReader`
and registering it in :mod:`medsec.sbom.read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from medsec.errors import DocumentError, Error, Location, Problem
from medsec.sbom.model import Sbom, SbomFormat

#: The line of a :class:`~medsec.errors.Location` whose line is not known (the place
#: is then given by its JSON pointer or SPDX id alone).
UNKNOWN_LINE = 0


@dataclass(frozen=True)
class Limits:
    """What a reader accepts before refusing a document as too large or too deep.

    ``max_bytes`` bounds documents read into memory (larger CycloneDX JSON goes through
    :mod:`medsec.sbom.stream`); ``max_depth`` the JSON/XML nesting; ``max_nesting`` the
    depth of nested components; ``max_components`` their number; ``max_problems`` how
    many problems are reported before the reader stops looking.
    """

    max_bytes: int = 256 * 1024 * 1024
    max_depth: int = 96
    max_nesting: int = 32
    max_components: int = 2_000_000
    max_problems: int = 100


DEFAULT_LIMITS = Limits()


class SbomReader(Protocol):
    """Reads one SBOM format into the :class:`~medsec.sbom.model.Sbom` model."""

    format: SbomFormat

    def read(self, data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Sbom:
        """Check ``data`` (the whole document) and return the SBOM it holds.

        Raises :class:`SbomError` listing every problem found (up to
        ``limits.max_problems``), or another :class:`~medsec.errors.Error`.
        """
        ...


class SbomError(DocumentError):
    """An SBOM is not valid. Problems whose line is unknown print without ``:0:0``."""

    kind = "invalid-sbom"
    title = "The SBOM is not valid"

    def diagnostics(self) -> str:
        return "\n".join(f"error: {format_problem(p)}" for p in self.problems)


class SbomTooLarge(Error):
    kind = "sbom-too-large"
    status = 413
    title = "The SBOM is too large"


def format_problem(problem: Problem) -> str:
    """``FILE:LINE:COL: path: message``, or ``FILE: path: message`` when the line is unknown."""
    loc = problem.location
    place = f"{loc.file}:{loc.line}:{loc.column}" if loc.line != UNKNOWN_LINE else loc.file
    path = f" {loc.path}:" if loc.path else ""
    return f"{place}:{path} {problem.message}"


def problem(
    source: str, message: str, path: str = "", line: int = UNKNOWN_LINE, column: int = 0
) -> Problem:
    """A :class:`~medsec.errors.Problem` at ``path`` (and ``line``/``column`` if known)."""
    return Problem(Location(source, line, column, path), message)
