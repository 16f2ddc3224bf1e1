"""Reports are sealed with a key of their own, derived from the instance secret."""

from __future__ import annotations

import pytest

from medsec.accounts.sealing import Sealer
from medsec.disclosure.encryption import ReportSealer
from medsec.errors import ConfigurationError

SECRET = b"s" * 48


def test_sealed_text_round_trips_and_hides_the_plaintext() -> None:
    sealer = ReportSealer(SECRET)
    token = sealer.seal_text("buffer overflow in the drug library import")
    assert "overflow" not in token
    assert sealer.open_text(token) == "buffer overflow in the drug library import"
    assert sealer.open(sealer.seal(b"\x00\xff")) == b"\x00\xff"


def test_another_instance_secret_cannot_open_it() -> None:
    token = ReportSealer(SECRET).seal_text("x")
    with pytest.raises(ConfigurationError, match="cannot be decrypted"):
        ReportSealer(b"t" * 48).open_text(token)


def test_the_key_is_not_the_mfa_seeds_key() -> None:
    """A separate HKDF purpose: the MFA sealer of the same instance cannot read reports."""
    token = ReportSealer(SECRET).seal_text("x")
    with pytest.raises(ConfigurationError):
        Sealer(SECRET).unseal(token)
