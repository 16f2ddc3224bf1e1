"""Encryption at rest of the few secrets the database must keep readable (TOTP seeds).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with a key derived by HKDF from
the instance secret; wiping the instance secret (``medsec reset --wipe-secrets``) makes
every sealed value unreadable.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from medsec.errors import ConfigurationError


class Sealer:
    def __init__(self, instance_secret: bytes, purpose: str = "mfa-seeds") -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"medsec:{purpose}".encode()
        ).derive(instance_secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def unseal(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as e:
            raise ConfigurationError(
                "a stored secret cannot be decrypted with this instance's secret key",
                hint="the secret key changed; the user must re-enrol MFA (medsec admin reset-mfa)",
            ) from e
