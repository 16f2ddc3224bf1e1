"""The OpenPGP signer: the instance key, sealed at rest, signing and verifying."""

from __future__ import annotations

import stat
from pathlib import Path

import pysequoia
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.advisories.signing.interfaces import SignatureError, Signer
from medsec.advisories.signing.openpgp import (
    KeyStore,
    OpenPgpSigner,
    key_passphrase,
    load_certificate,
    verify_detached,
)
from medsec.errors import ConfigurationError, Error

SECRET = b"signing-tests-instance-secret-0123456789ab"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> KeyStore:
    store = KeyStore(tmp_path_factory.mktemp("instance"), SECRET)
    store.create("Example Medical PSIRT <psirt@example.com>")
    return store


def test_the_key_is_ed25519_with_a_40_hex_fingerprint(store: KeyStore) -> None:
    info = store.info()
    assert info.algorithm == "EdDSA (Ed25519)"
    assert len(info.fingerprint) == 40
    assert info.fingerprint == info.fingerprint.upper()
    assert info.user_ids == ("Example Medical PSIRT <psirt@example.com>",)
    assert info.expires is None


def test_the_secret_key_is_encrypted_at_rest_and_readable_by_the_owner_only(
    store: KeyStore,
) -> None:
    sealed = store.secret_path.read_bytes()
    assert sealed.startswith(b"-----BEGIN PGP MESSAGE-----")
    assert b"PRIVATE KEY" not in sealed
    assert stat.S_IMODE(store.secret_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    decrypted = pysequoia.decrypt(sealed, passwords=[key_passphrase(SECRET)]).bytes
    assert decrypted is not None
    assert decrypted.startswith(b"-----BEGIN PGP PRIVATE KEY BLOCK-----")


def test_the_passphrase_is_derived_not_the_instance_secret_itself() -> None:
    assert key_passphrase(SECRET) != SECRET.decode()
    assert key_passphrase(SECRET) == key_passphrase(SECRET)
    assert key_passphrase(SECRET) != key_passphrase(SECRET + b"x")


def test_another_instance_secret_cannot_load_the_key(store: KeyStore) -> None:
    other = KeyStore(store.directory.parents[1], b"not-the-instance-secret-0123456789abcdef")
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        other.signer()


def test_a_signature_verifies_with_the_exported_key_and_nothing_else(store: KeyStore) -> None:
    signer: Signer = store.signer()
    signature = signer.sign_detached(b"advisory bytes").encode()
    assert signature.startswith(b"-----BEGIN PGP SIGNATURE-----")
    cert = load_certificate(signer.public_key_armored().encode())
    assert verify_detached(b"advisory bytes", signature, [cert]) == signer.key.fingerprint
    with pytest.raises(SignatureError, match="does not verify"):
        verify_detached(b"advisory bytez", signature, [cert])
    stranger = pysequoia.Tsk.generate("Stranger <s@example.com>").extract_certificate()
    with pytest.raises(SignatureError):
        verify_detached(b"advisory bytes", signature, [stranger])


def test_the_public_key_has_no_secret_part(store: KeyStore) -> None:
    armored = store.public_key_armored()
    assert "PRIVATE" not in armored
    packets = pysequoia.packet.PacketPile.from_bytes(armored.encode())
    tags = {str(packet.tag) for packet in packets}
    assert "Tag.PublicKey" in tags
    assert not tags & {"Tag.SecretKey", "Tag.SecretSubkey"}
    assert store.public_path.read_text() == armored


def test_an_existing_key_is_replaced_only_with_force(tmp_path: Path) -> None:
    store = KeyStore(tmp_path, SECRET)
    first = store.create("A <a@example.com>")
    with pytest.raises(Error, match="already exists"):
        store.create("B <b@example.com>")
    assert store.info().fingerprint == first.fingerprint
    second = store.create("B <b@example.com>", force=True)
    assert second.fingerprint != first.fingerprint
    assert store.info().fingerprint == second.fingerprint


@pytest.mark.parametrize("user_id", ["", "   ", "two\nlines"])
def test_a_user_id_must_be_one_line(tmp_path: Path, user_id: str) -> None:
    with pytest.raises(Error, match="one non-empty line"):
        KeyStore(tmp_path, SECRET).create(user_id)
    assert not (tmp_path / "csaf").exists()


def test_no_key_yet_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        KeyStore(tmp_path, SECRET).signer()
    assert "medsec csaf key create" in caught.value.diagnostics()


def test_a_signer_wraps_any_tsk() -> None:
    tsk = pysequoia.Tsk.generate("RSA <r@example.com>", cipher_suite=pysequoia.CipherSuite.RSA3k)
    signer = OpenPgpSigner(tsk)
    assert signer.key.algorithm == "RSA"
    cert = load_certificate(signer.public_key_armored().encode())
    assert verify_detached(b"x", signer.sign_detached(b"x").encode(), [cert])


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_verifying_garbage_raises_only_a_medsec_error(signature: bytes) -> None:
    cert = pysequoia.Tsk.generate("G <g@example.com>").extract_certificate()
    with pytest.raises(Error):
        verify_detached(b"data", signature, [cert])


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_loading_garbage_as_a_key_raises_only_a_medsec_error(data: bytes) -> None:
    with pytest.raises(Error):
        load_certificate(data)
