"""Second factors: TOTP (RFC 6238) authenticator apps and single-use recovery codes.

The service stores, per user, the TOTP secret, the last time step accepted (so a code
cannot be replayed) and the hashes of the unused recovery codes.

>>> import datetime as dt
>>> secret = new_totp_secret()
>>> at = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
>>> step = verify_totp(secret, totp_code(secret, at), last_used_step=None, at=at)
>>> verify_totp(secret, totp_code(secret, at), last_used_step=step, at=at) is None  # replay
True
>>> codes = generate_recovery_codes(2)
>>> verify_recovery_code(codes[1].upper(), [hash_recovery_code(c) for c in codes])
1
"""

from __future__ import annotations

import binascii
import datetime as dt
import hmac
import re
import secrets
from collections.abc import Sequence

import argon2
import pyotp
import segno

from medsec.accounts.passwords import PasswordHasher
from medsec.errors import ConfigurationError

#: Codes one step (30 s) early or late are accepted, for clock drift and slow typing
#: (RFC 6238 §5.2 recommends at most one step).
VALID_WINDOW = 1
TOTP_DIGITS = 6


def new_totp_secret() -> str:
    """A fresh base32 secret of 160 bits, the HMAC-SHA1 key size RFC 4226 §4 recommends."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """``uri`` as an inline ``<svg>`` element (no XML declaration), ready for a page."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="Authenticator setup code"))


def totp_code(secret: str, at: dt.datetime) -> str:
    """The code an authenticator shows at ``at`` (for tests and the setup page)."""
    totp = _totp(secret)
    return totp.generate_otp(_step(totp, at))


def verify_totp(
    secret: str, code: str, *, last_used_step: int | None, at: dt.datetime | None = None
) -> int | None:
    """The time step ``code`` belongs to, or ``None`` if it is wrong or already used.

    Only steps later than ``last_used_step`` count, so a code — or an older one still
    inside the window — cannot be used twice (RFC 6238 §5.2). Store the returned step
    as the new ``last_used_step``. ``at`` must be timezone-aware; it defaults to now.
    """
    code = re.sub(r"\s", "", code)
    if not re.fullmatch(f"[0-9]{{{TOTP_DIGITS}}}", code):
        return None
    totp = _totp(secret)
    now = _step(totp, at or dt.datetime.now(dt.UTC))
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _totp(secret: str) -> pyotp.TOTP:
    try:
        return pyotp.TOTP(secret, digits=TOTP_DIGITS)
    except (binascii.Error, ValueError) as e:
        raise ConfigurationError("a stored TOTP secret is not valid base32") from e


def _step(totp: pyotp.TOTP, at: dt.datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware; a naive time would shift the TOTP step")
    return totp.timecode(at)


# -- recovery codes ------------------------------------------------------------------

#: Crockford's base32 alphabet: no i, l, o or u, so nothing is mistaken for 1 or 0
#: when read from paper; :func:`normalize_recovery_code` maps those letters back.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_CROCKFORD_ALIASES = str.maketrans({"o": "0", "i": "1", "l": "1"})
_GROUP = 5
_GROUPS = 2

#: Recovery codes carry 50 random bits each, far beyond what a guessing attack against
#: a rate-limited sign-in can reach, so they do not need the memory-hard cost of
#: passwords. argon2id still protects a stolen database (2^49 argon2 calls per code)
#: and, unlike HMAC with a server-wide key, needs no extra secret to manage or rotate;
#: the salt is per code and lives in the hash string. OWASP's minimum argon2id profile
#: (19 MiB, t=2, p=1) keeps checking ten codes well under a second.
_RECOVERY_HASHER = PasswordHasher(
    argon2.Parameters(
        type=argon2.Type.ID,
        version=19,
        salt_len=16,
        hash_len=32,
        time_cost=2,
        memory_cost=19 * 1024,
        parallelism=1,
    )
)


def generate_recovery_codes(n: int = 10) -> list[str]:
    """``n`` codes like ``7wq2m-e0kx9`` (two groups of five, 50 bits each)."""
    return [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(_GROUP))
            for _ in range(_GROUPS)
        )
        for _ in range(n)
    ]


def normalize_recovery_code(code: str) -> str | None:
    """Lower case, without dashes or spaces, Crockford aliases mapped; ``None`` if malformed."""
    cleaned = re.sub(r"[\s-]", "", code).lower().translate(_CROCKFORD_ALIASES)
    if len(cleaned) != _GROUP * _GROUPS or any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        return None
    return cleaned


def hash_recovery_code(code: str) -> str:
    normalized = normalize_recovery_code(code)
    if normalized is None:
        raise ValueError("not a recovery code produced by generate_recovery_codes()")
    return _RECOVERY_HASHER.hash(normalized)


def verify_recovery_code(code: str, hashes: Sequence[str | None]) -> int | None:
    """The index in ``hashes`` of the code's hash, or ``None``.

    Used codes may be left in place as ``None`` so the indices stay stable. The caller
    must then mark the returned index as used: each code works once.
    """
    normalized = normalize_recovery_code(code)
    if normalized is None:
        return None
    for index, stored in enumerate(hashes):
        if stored is not None and _RECOVERY_HASHER.verify(stored, normalized):
            return index
    return None
