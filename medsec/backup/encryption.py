"""age encryption of backups (pyrage): to a passphrase (scrypt) or to recipients' public keys
(``age1…`` X25519 or ``ssh-ed25519``/``ssh-rsa``), decrypted with the passphrase or an
identity file.

age authenticates every 64 KiB chunk and marks the last one, so a changed byte, a wrong
key and a cut-off file all fail decryption; nothing unauthenticated reaches the parser.

>>> key = pyrage.x25519.Identity.generate()
>>> box = encrypt(b"snapshot", Recipients((str(key.to_public()),)))
>>> decrypt(box, Identities((key,)), source="doc.age")
b'snapshot'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from medsec.errors import Error

#: A passphrase protects a backup against offline guessing only as far as it is long.
MIN_PASSPHRASE = 12


class BackupError(Error):
    kind = "backup"
    status = 400
    title = "The backup cannot be used"


@dataclass(frozen=True)
class Passphrase:
    value: str = field(repr=False)


@dataclass(frozen=True)
class Recipients:
    """Public keys the backup is encrypted to (any one of their identities decrypts it)."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class Identities:
    """Private keys (pyrage identity objects) tried in turn to decrypt."""

    keys: tuple[Any, ...] = field(repr=False)


def _recipient(text: str) -> Any:
    try:
        if text.startswith("age1"):
            return pyrage.x25519.Recipient.from_str(text)
        if text.startswith("ssh-"):
            return pyrage.ssh.Recipient.from_str(text)
    except pyrage.RecipientError as e:
        raise BackupError(f"recipient {text[:24]}…: not a valid public key ({e})") from e
    raise BackupError(
        f"recipient {text[:24]}…: not an age or SSH public key",
        hint="give an age public key (age1…, from `age-keygen -y`) or an ssh-ed25519 line",
    )


def check_passphrase(passphrase: Passphrase) -> None:
    if len(passphrase.value) < MIN_PASSPHRASE:
        raise BackupError(
            f"the backup passphrase has {len(passphrase.value)} characters; "
            f"at least {MIN_PASSPHRASE} are needed",
            hint="use a long random passphrase kept in a password manager",
        )


def encrypt(data: bytes, to: Passphrase | Recipients) -> bytes:
    """The age file (binary format) holding ``data``."""
    if isinstance(to, Passphrase):
        check_passphrase(to)
        return bytes(pyrage.passphrase.encrypt(data, to.value))
    if not to.keys:
        raise BackupError("no recipient given")
    return bytes(pyrage.encrypt(data, [_recipient(k) for k in to.keys]))


def decrypt(data: bytes, key: Passphrase | Identities, *, source: str) -> bytes:
    """The plaintext of an age file; :class:`BackupError` when it cannot be decrypted."""
    if not data.startswith(b"age-encryption.org/v1\n"):
        raise BackupError(
            f"{source}: not an age-encrypted medsec backup (no age header)",
            hint="the file may be truncated, or it is not a backup made by `medsec backup`",
        )
    try:
        if isinstance(key, Passphrase):
            return bytes(pyrage.passphrase.decrypt(data, key.value))
        return bytes(pyrage.decrypt(data, list(key.keys)))
    except pyrage.DecryptError as e:
        hint = (
            "check the passphrase (the variable named by --passphrase-env)"
            if isinstance(key, Passphrase)
            else "check that --identity holds a private key the backup was encrypted to"
        )
        raise BackupError(
            f"{source}: cannot decrypt ({e}): wrong key, or the file was changed or cut off",
            hint=hint,
        ) from e


def load_identities(path: Path) -> Identities:
    """An age identity file (``AGE-SECRET-KEY-1…`` lines, ``#`` comments) or an
    unencrypted OpenSSH private key."""
    try:
        text = path.read_text()
    except OSError as e:
        raise BackupError(f"{path}: cannot read the identity file ({e.strerror})") from e
    try:
        if text.lstrip().startswith("-----BEGIN OPENSSH PRIVATE KEY-----"):
            return Identities((pyrage.ssh.Identity.from_buffer(text.encode()),))
        keys = []
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            try:
                keys.append(pyrage.x25519.Identity.from_str(stripped))
            except pyrage.IdentityError as e:
                raise BackupError(
                    f"{path}:{number}: expected an age secret key (AGE-SECRET-KEY-1…): {e}"
                ) from e
    except pyrage.IdentityError as e:
        raise BackupError(f"{path}: not a usable SSH private key: {e}") from e
    if not keys:
        raise BackupError(f"{path}: no identity found", hint="expected AGE-SECRET-KEY-1… lines")
    return Identities(tuple(keys))
