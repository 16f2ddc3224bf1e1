"""Adapter: OpenPGP signing with pysequoia (Sequoia PGP; no gpg needed).

The instance key
    :func:`create_key` generates an OpenPGP key with an **Ed25519** primary/signing key and a
    **Cv25519** (X25519) encryption subkey (Sequoia's default suite). Why not RSA-3072: the
    security level is the same (~128 bit), but keys and signatures are a few hundred bytes
    instead of kilobytes, signing takes microseconds, and Ed25519 has no padding choices to get
    wrong. It is also what the gocsaf reference provider generates, and every OpenPGP
    implementation a CSAF downloader uses (gopenpgp, Sequoia, GnuPG ≥ 2.1) verifies it. The key
    does not expire; rotate it with ``medsec csaf key create --force``.

At rest
    The transferable secret key is stored as an OpenPGP message encrypted with a passphrase
    (SKESK, :func:`pysequoia.encrypt` with ``passwords``) in
    ``data_dir/csaf/openpgp/secret-key.pgp`` (mode 0600). The passphrase is derived by HKDF
    from the instance secret (``MEDSEC_SECRET_KEY`` or ``data_dir/secret_key``, as for the
    sealed MFA seeds), so wiping the instance secret makes the key unusable. The secret key is
    never logged, printed or exported; only its public part is.

Errors from pysequoia are ``RuntimeError`` with a Rust backtrace; only their first line is
kept, inside a :class:`~medsec.errors.Error`.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Final

import pysequoia
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pysequoia.packet import PacketPile, Tag

from medsec.advisories.signing.interfaces import KeyInfo, SignatureError
from medsec.errors import ConfigurationError, Error

#: Where the key lives under the instance data directory.
KEY_DIR: Final = Path("csaf") / "openpgp"
SECRET_FILE: Final = "secret-key.pgp"  # noqa: S105 - a file name, not a secret
PUBLIC_FILE: Final = "public-key.asc"
_ALGORITHMS: Final = {"EdDSA": "EdDSA (Ed25519)", "RSAEncryptSign": "RSA", "ECDSA": "ECDSA"}


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def key_passphrase(instance_secret: bytes) -> str:
    """The passphrase of the stored key: HKDF-SHA256 of the instance secret, for this purpose
    only (never the instance secret itself)."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"medsec:csaf-openpgp-key"
    ).derive(instance_secret)
    return base64.urlsafe_b64encode(key).decode()


def key_info(cert: pysequoia.Cert) -> KeyInfo:
    """What may be shown about a certificate (public part only)."""
    algorithm, created = "unknown", None
    for packet in PacketPile.from_bytes(bytes(cert)):
        if packet.tag in (Tag.PublicKey, Tag.SecretKey):
            name = str(packet.key_algorithm).rsplit(".", 1)[-1]
            algorithm, created = _ALGORITHMS.get(name, name), packet.key_created
            break
    return KeyInfo(
        fingerprint=cert.fingerprint.upper(),
        algorithm=algorithm,
        user_ids=tuple(str(u) for u in cert.user_ids),
        created=created,
        expires=cert.expiration,
    )


class OpenPgpSigner:
    """:class:`~medsec.advisories.signing.interfaces.Signer` with one OpenPGP key."""

    def __init__(self, tsk: pysequoia.Tsk, password: str | None = None) -> None:
        try:
            self._signer = tsk.signer(password)
        except RuntimeError as e:
            raise ConfigurationError(
                f"the CSAF signing key cannot be used: {_first_line(e)}",
                hint="the key has no usable signing subkey or the passphrase is wrong; "
                "create a new one with: medsec csaf key create --force",
            ) from e
        self._cert = tsk.extract_certificate()
        self._key = key_info(self._cert)

    @property
    def key(self) -> KeyInfo:
        return self._key

    def sign_detached(self, data: bytes) -> str:
        signature = pysequoia.sign(self._signer, data, mode=pysequoia.SignatureMode.DETACHED)
        return signature.decode("ascii")

    def public_key_armored(self) -> str:
        return str(self._cert)


def load_certificate(armored: bytes, source: str = "public key") -> pysequoia.Cert:
    """Parse a public key (certificate), binary or armoured."""
    try:
        return pysequoia.Cert.from_bytes(armored)
    except (RuntimeError, ValueError) as e:
        raise Error(f"{source}: not an OpenPGP public key ({_first_line(e)})") from e


def verify_detached(data: bytes, signature: bytes, certificates: list[pysequoia.Cert]) -> str:
    """The upper-case fingerprint of the certificate whose key made ``signature`` over
    ``data``; raises :class:`SignatureError` when none of ``certificates`` verifies it."""
    try:
        sig = pysequoia.Sig.from_bytes(signature)
    except (RuntimeError, ValueError) as e:
        raise SignatureError(f"not an OpenPGP signature ({_first_line(e)})") from e
    try:
        result = pysequoia.verify(data, store=lambda _ids: certificates, signature=sig)
    except (RuntimeError, ValueError) as e:
        raise SignatureError(
            f"the signature does not verify: {_first_line(e)}",
            hint="the file changed after signing, or it was signed with another key",
        ) from e
    if not result.valid_sigs:
        raise SignatureError("the signature does not verify with the given keys")
    return str(result.valid_sigs[0].certificate).upper()


class KeyStore:
    """The instance's CSAF signing key under ``data_dir/csaf/openpgp/``."""

    def __init__(self, data_dir: Path, instance_secret: bytes) -> None:
        self.directory = data_dir / KEY_DIR
        self._passphrase = key_passphrase(instance_secret)

    @property
    def secret_path(self) -> Path:
        return self.directory / SECRET_FILE

    @property
    def public_path(self) -> Path:
        return self.directory / PUBLIC_FILE

    def exists(self) -> bool:
        return self.secret_path.exists()

    def create(self, user_id: str, *, force: bool = False) -> KeyInfo:
        """Generate a new key and store it; refuses to replace one unless ``force``."""
        if self.exists() and not force:
            raise Error(
                f"a CSAF signing key already exists in {self.directory}",
                hint="pass --force to replace it (documents signed with the old key then need "
                "a rebuild, and consumers that pinned the old fingerprint must re-pin)",
            )
        if not user_id.strip() or any(c in user_id for c in "\r\n"):
            raise Error(
                "the key's user ID must be one non-empty line",
                hint="e.g. --user-id 'ACME PSIRT <psirt@acme.example>'",
            )
        tsk = pysequoia.Tsk.generate(user_id, cipher_suite=pysequoia.CipherSuite.Cv25519)
        sealed = pysequoia.encrypt(str(tsk).encode("ascii"), passwords=[self._passphrase])
        public = str(tsk.extract_certificate())
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomic(self.secret_path, sealed, 0o600)
        _write_atomic(self.public_path, public.encode("ascii"), 0o644)
        return key_info(tsk.extract_certificate())

    def _tsk(self) -> pysequoia.Tsk:
        if not self.exists():
            raise ConfigurationError(
                f"this instance has no CSAF signing key ({self.secret_path} does not exist)",
                hint="create one with: medsec csaf key create --user-id 'NAME <email>'",
            )
        try:
            plain = pysequoia.decrypt(self.secret_path.read_bytes(), passwords=[self._passphrase])
        except RuntimeError as e:
            raise ConfigurationError(
                f"the CSAF signing key in {self.secret_path} cannot be decrypted "
                f"({_first_line(e)})",
                hint="the instance secret changed since the key was created; create a new key "
                "with: medsec csaf key create --force",
            ) from e
        if plain.bytes is None:  # pragma: no cover - bytes input always gives bytes
            raise ConfigurationError(f"{self.secret_path}: decrypted to nothing")
        return pysequoia.Tsk.from_bytes(plain.bytes)

    def signer(self) -> OpenPgpSigner:
        return OpenPgpSigner(self._tsk())

    def info(self) -> KeyInfo:
        return self.signer().key

    def public_key_armored(self) -> str:
        return self.signer().public_key_armored()


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
