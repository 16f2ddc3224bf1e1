"""The TOTP secret of an MFA enrolment in progress, kept in a signed short-lived cookie.

Nothing is stored in the database until the person proves, with a code, that their
authenticator has the secret (:func:`medsec.accounts.authentication.confirm_mfa_enrolment`).
Between showing the QR code and that confirmation, the secret rides in an ``HttpOnly``
cookie whose value is ``<secret>.<expiry>.<mac>``: the MAC is HMAC-SHA256, keyed by a key
derived from the instance secret, over the secret, the expiry *and the login session's id*.
So the browser cannot choose the secret, swap in one from another session, or keep one past
its expiry. (The secret is shown on the page anyway, for manual entry; the cookie protects
its integrity, not its confidentiality.)

>>> key = b"k" * 32
>>> value = sign(key, session_id=7, secret="JBSWY3DPEHPK3PXP", now=1000)
>>> read(key, session_id=7, value=value, now=1100)
'JBSWY3DPEHPK3PXP'
>>> read(key, session_id=8, value=value, now=1100) is None     # another session
True
>>> read(key, session_id=7, value=value, now=1000 + LIFETIME_SECONDS + 1) is None
True
"""

from __future__ import annotations

import hashlib
import hmac

COOKIE = "medsec_mfa_pending"
COOKIE_PATH = "/mfa/enrol"
#: Long enough to install an authenticator app and scan the code.
LIFETIME_SECONDS = 15 * 60
_PURPOSE = b"medsec:web:mfa-enrolment:v1"


def _key(instance_secret: bytes) -> bytes:
    # A key for this purpose only, so this MAC never equals one made elsewhere with the
    # same instance secret.
    return hmac.new(instance_secret, _PURPOSE, hashlib.sha256).digest()


def _mac(instance_secret: bytes, session_id: int, secret: str, expires: int) -> str:
    message = f"{session_id}|{secret}|{expires}".encode()
    return hmac.new(_key(instance_secret), message, hashlib.sha256).hexdigest()


def sign(instance_secret: bytes, *, session_id: int, secret: str, now: int) -> str:
    """The cookie value carrying ``secret`` for ``session_id`` until ``now`` + lifetime."""
    expires = now + LIFETIME_SECONDS
    return f"{secret}.{expires}.{_mac(instance_secret, session_id, secret, expires)}"


def read(instance_secret: bytes, *, session_id: int, value: str | None, now: int) -> str | None:
    """The secret in ``value`` if it was signed for ``session_id`` and has not expired."""
    if not value or value.count(".") != 2:
        return None
    secret, expires_text, mac = value.split(".")
    if not expires_text.isdigit():
        return None
    expires = int(expires_text)
    expected = _mac(instance_secret, session_id, secret, expires)
    if not hmac.compare_digest(mac.encode(), expected.encode()) or expires < now:
        return None
    return secret
