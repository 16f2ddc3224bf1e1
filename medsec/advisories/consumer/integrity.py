"""Is a downloaded document the one the provider published? Hash file first (SHA-512, else
SHA-256), then the detached OpenPGP signature against the key pinned for the subscription —
never against a key the provider offers at download time, so a provider (or whoever took
its server over) cannot swap the key together with the documents.

A failure is a :class:`Tampered` with a stable reason; the document goes to quarantine and
is never imported.

>>> import hashlib
>>> check_hash(b"{}", hashlib.sha256(b"{}").hexdigest() + "  a.json\\n", "sha256", "a.json")
>>> try:
...     check_hash(b"{ }", hashlib.sha256(b"{}").hexdigest(), "sha256", "a.json")
... except Tampered as e:
...     print(e.reason.value, e.reason.releasable)
hash-mismatch False
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from typing import Final

import pysequoia

from medsec.advisories.signing.interfaces import SignatureError
from medsec.advisories.signing.openpgp import verify_detached
from medsec.errors import Error

_HEX: Final = re.compile(r"^[0-9a-fA-F]+$")
ALGORITHMS: Final = {"sha512": "SHA-512", "sha256": "SHA-256"}


class Reason(enum.StrEnum):
    """Why a document was quarantined. Only :attr:`MANDATORY_TESTS` may be released."""

    HASH_MISMATCH = "hash-mismatch"
    SIGNATURE_INVALID = "signature-invalid"
    SIGNATURE_MISSING = "signature-missing"
    UNREADABLE = "unreadable"
    MANDATORY_TESTS = "mandatory-tests"

    @property
    def releasable(self) -> bool:
        return self is Reason.MANDATORY_TESTS

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS: Final = {
    Reason.HASH_MISMATCH: "the document differs from the hash the provider published: "
    "changed in transit or on the server",
    Reason.SIGNATURE_INVALID: "the signature does not verify with the pinned key: the "
    "document was changed or signed by someone else",
    Reason.SIGNATURE_MISSING: "the provider serves no signature for it, so it cannot be "
    "checked against the pinned key",
    Reason.UNREADABLE: "not a CSAF 2.0 document medsec can read",
    Reason.MANDATORY_TESTS: "authentic, but fails mandatory tests of CSAF 2.0; an analyst "
    "may release it after reading the findings",
}


class Tampered(Error):
    kind = "csaf-tampered"
    status = 422
    title = "The document is not the one the provider signed"

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message, hint=reason.meaning)
        self.reason = reason


def check_hash(data: bytes, hash_file: str, algorithm: str, source: str) -> None:
    """``hash_file`` is ``<hex>  <name>`` (sha256sum format) or the bare hex digest."""
    name = ALGORITHMS[algorithm]
    tokens = hash_file.split()
    expected = tokens[0] if tokens else ""
    if not _HEX.match(expected):
        raise Tampered(Reason.HASH_MISMATCH, f"{source}: the {name} hash file holds no digest")
    actual = hashlib.new(algorithm, data).hexdigest()
    if not hmac.compare_digest(actual, expected.lower()):
        raise Tampered(
            Reason.HASH_MISMATCH,
            f"{source}: the {name} in the hash file does not match the document",
        )


def check_signature(data: bytes, signature: bytes, pinned: pysequoia.Cert, source: str) -> str:
    """The fingerprint that verified; :class:`Tampered` when the pinned key does not."""
    try:
        return verify_detached(data, signature, [pinned])
    except SignatureError as e:
        raise Tampered(Reason.SIGNATURE_INVALID, f"{source}: {e.message}") from e
