"""Errors of the vulnerability domain: each says what is wrong, where, and how to fix it."""

from __future__ import annotations

from medsec.errors import DocumentError, Error


class UnknownEcosystem(Error):
    """An ecosystem name medsec has no version ordering for."""

    kind = "unknown-ecosystem"
    title = "Unknown ecosystem"


class InvalidVersion(Error):
    """A version string that is not valid in its ecosystem."""

    kind = "invalid-version"
    title = "Invalid version"


class InvalidCpe(Error):
    """A CPE 2.3 formatted string that does not parse."""

    kind = "invalid-cpe"
    title = "Invalid CPE"


class InvalidRecord(DocumentError):
    """A vulnerability record (OSV, KEV, NVD) that is not valid; names file and JSON pointer."""

    kind = "invalid-vulnerability-record"


class UnsafeArchive(Error):
    """A zip archive over the member-count, size or compression-ratio limits."""

    kind = "unsafe-archive"
    title = "The archive is refused"
    status = 413


class SourceUnreadable(Error):
    """A vulnerability source path that is missing or of an unknown kind."""

    kind = "vulnerability-source-unreadable"
    title = "The vulnerability source cannot be read"
