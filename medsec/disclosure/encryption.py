"""Sealing of reports at rest: Fernet with a key derived by HKDF from the instance secret
for the purpose ``disclosure-reports`` (a key of its own, not the MFA seeds' key).

What it protects against: a copy of the database (a dump, a backup of the database alone,
a read-only SQL injection) reveals no report text, contact, key, message or attachment.
What it does not: someone holding the instance secret as well (the ``secret_key`` file or
``MEDSEC_SECRET_KEY``) — the running service, which must decrypt for the triage pages.

>>> sealer = ReportSealer(b"k" * 48)
>>> sealer.open_text(sealer.seal_text("hello"))
'hello'
>>> "hello" in sealer.seal_text("hello")
False
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from medsec.errors import ConfigurationError

PURPOSE = b"medsec:disclosure-reports"


class ReportSealer:
    def __init__(self, instance_secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
            instance_secret
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode("ascii")

    def open(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError) as e:
            raise ConfigurationError(
                "a stored vulnerability report cannot be decrypted with this instance's secret",
                hint="the instance secret changed (or was wiped); reports sealed with the old "
                "secret can only be read with it",
            ) from e

    def seal_text(self, plaintext: str) -> str:
        return self.seal(plaintext.encode("utf-8"))

    def open_text(self, token: str) -> str:
        return self.open(token).decode("utf-8")
