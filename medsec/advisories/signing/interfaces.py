"""The signer port: a detached, ASCII-armoured signature of some bytes, and the public key
that verifies it.

>>> from dataclasses import FrozenInstanceError
>>> info = KeyInfo("A" * 40, "EdDSA (Ed25519)", ("CSAF <psirt@example.com>",), None, None)
>>> info.fingerprint[:4], info.to_json()["userIds"]
('AAAA', ['CSAF <psirt@example.com>'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from medsec.errors import Error


class SignatureError(Error):
    """A signature does not verify (wrong key, changed data, not a signature at all)."""

    kind = "bad-signature"
    status = 422
    title = "The signature does not verify"


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a signing key: never any secret part."""

    #: Upper-case hex fingerprint of the primary key (as CSAF provider metadata lists it).
    fingerprint: str
    algorithm: str
    user_ids: tuple[str, ...]
    created: dt.datetime | None
    expires: dt.datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "algorithm": self.algorithm,
            "userIds": list(self.user_ids),
            "created": self.created.isoformat() if self.created else None,
            "expires": self.expires.isoformat() if self.expires else None,
        }


class Signer(Protocol):
    """Makes detached signatures with one key and publishes that key's public part."""

    @property
    def key(self) -> KeyInfo: ...

    def sign_detached(self, data: bytes) -> str:
        """An ASCII-armoured detached signature (``-----BEGIN PGP SIGNATURE-----``) of data."""
        ...

    def public_key_armored(self) -> str:
        """The ASCII-armoured public key (certificate) that verifies the signatures."""
        ...
