"""TOTP (RFC 6238) with replay protection, QR codes, and recovery codes."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from medsec.accounts.mfa import (
    RECOVERY_ALPHABET,
    generate_recovery_codes,
    hash_recovery_code,
    new_totp_secret,
    normalize_recovery_code,
    provisioning_uri,
    qr_svg,
    totp_code,
    verify_totp,
)
from medsec.accounts.mfa import (
    verify_recovery_code as verify_recovery,
)
from medsec.errors import ConfigurationError

#: RFC 6238 Appendix B's SHA-1 key, "12345678901234567890", in base32.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
NOON = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)  # a step boundary: 1748779200 / 30
STEP = int(NOON.timestamp()) // 30


def at(seconds: float) -> dt.datetime:
    return NOON + dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time: int, code: str) -> None:
    moment = dt.datetime.fromtimestamp(unix_time, dt.UTC)

    assert totp_code(RFC_SECRET, moment) == code
    assert verify_totp(RFC_SECRET, code, last_used_step=None, at=moment) == unix_time // 30


def test_new_secrets_are_160_bit_base32_and_differ() -> None:
    secrets = {new_totp_secret() for _ in range(20)}

    assert len(secrets) == 20
    assert all(re.fullmatch(r"[A-Z2-7]{32}", s) for s in secrets)  # 32 × 5 bits


def test_the_provisioning_uri_names_account_and_issuer() -> None:
    uri = provisioning_uri(RFC_SECRET, "alice@example.org", "medsec (Acme Hospital)")
    parts = urlsplit(uri)
    query = parse_qs(parts.query)

    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/medsec (Acme Hospital):alice@example.org"
    assert query["secret"] == [RFC_SECRET]
    assert query["issuer"] == ["medsec (Acme Hospital)"]
    assert pyotp.parse_uri(uri).secret == RFC_SECRET


def test_the_qr_code_is_an_inline_svg() -> None:
    svg = qr_svg(provisioning_uri(RFC_SECRET, "alice", "medsec"))

    assert svg.startswith("<svg ")
    assert svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg
    assert "<title>" in svg


@pytest.mark.parametrize(
    ("code_time", "check_time", "expected"),
    [
        pytest.param(0, 0, STEP, id="same step"),
        pytest.param(0, 29, STEP, id="end of the step"),
        pytest.param(-30, 0, STEP - 1, id="one step late"),
        pytest.param(30, 0, STEP + 1, id="one step early"),
        pytest.param(-60, 0, None, id="two steps late"),
        pytest.param(60, 0, None, id="two steps early"),
    ],
)
def test_one_step_of_clock_drift_is_accepted(
    code_time: int, check_time: int, expected: int | None
) -> None:
    code = totp_code(RFC_SECRET, at(code_time))

    assert verify_totp(RFC_SECRET, code, last_used_step=None, at=at(check_time)) == expected


@pytest.mark.parametrize(
    ("last_used_step", "expected"),
    [
        pytest.param(None, STEP, id="never used"),
        pytest.param(STEP - 1, STEP, id="an earlier code was used"),
        pytest.param(STEP, None, id="replay of the same code"),
        pytest.param(STEP + 1, None, id="a later code was already used"),
    ],
)
def test_a_code_cannot_be_used_twice(last_used_step: int | None, expected: int | None) -> None:
    code = totp_code(RFC_SECRET, NOON)

    assert verify_totp(RFC_SECRET, code, last_used_step=last_used_step, at=NOON) == expected


def test_after_a_code_is_used_the_previous_steps_code_is_refused() -> None:
    previous = totp_code(RFC_SECRET, at(-30))
    used = verify_totp(RFC_SECRET, totp_code(RFC_SECRET, NOON), last_used_step=None, at=NOON)

    assert used == STEP
    assert verify_totp(RFC_SECRET, previous, last_used_step=used, at=NOON) is None


@pytest.mark.parametrize(
    "typed",
    ["", "12345", "1234567", "abcdef", "12 34 5x", "１２３４５６"],
    ids=["empty", "5 digits", "7 digits", "letters", "mixed", "full-width digits"],
)
def test_malformed_codes_are_refused(typed: str) -> None:
    assert verify_totp(RFC_SECRET, typed, last_used_step=None, at=NOON) is None


def test_spaces_in_a_code_are_ignored() -> None:
    code = totp_code(RFC_SECRET, NOON)

    assert verify_totp(RFC_SECRET, f" {code[:3]} {code[3:]} ", last_used_step=None, at=NOON)


def test_now_is_the_default_time() -> None:
    with time_machine.travel(at(10), tick=False):
        code = totp_code(RFC_SECRET, dt.datetime.now(dt.UTC))
        assert verify_totp(RFC_SECRET, code, last_used_step=None) == STEP


def test_a_naive_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_totp(RFC_SECRET, "123456", last_used_step=None, at=dt.datetime(2025, 6, 1))


def test_a_corrupt_stored_secret_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="base32"):
        verify_totp("not base32!", "123456", last_used_step=None, at=NOON)


# -- recovery codes ------------------------------------------------------------------


def test_recovery_codes_are_two_groups_of_five_unambiguous_characters() -> None:
    codes = generate_recovery_codes()

    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}", code), code
    assert not set("ilou") & set(RECOVERY_ALPHABET)
    assert len(RECOVERY_ALPHABET) == 32


def test_a_recovery_code_is_found_by_index() -> None:
    codes = generate_recovery_codes(3)
    hashes = [hash_recovery_code(code) for code in codes]

    assert [verify_recovery(code, hashes) for code in codes] == [0, 1, 2]
    assert all(code not in stored for code, stored in zip(codes, hashes, strict=True))


def test_used_codes_can_stay_in_place_as_none() -> None:
    codes = generate_recovery_codes(3)
    hashes: list[str | None] = [hash_recovery_code(code) for code in codes]
    hashes[1] = None  # used

    assert verify_recovery(codes[1], hashes) is None
    assert verify_recovery(codes[2], hashes) == 2


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        pytest.param("7WQ2M-E0KX9", "7wq2m-e0kx9", id="upper case"),
        pytest.param("7wq2me0kx9", "7wq2m-e0kx9", id="without the dash"),
        pytest.param(" 7wq2m e0kx9 ", "7wq2m-e0kx9", id="spaces"),
        pytest.param("7wq2m-eokx9", "7wq2m-e0kx9", id="letter o for zero"),
        pytest.param("7wq2m-eIkx9", "7wq2m-e1kx9", id="letter I for one"),
        pytest.param("7wq2m-elkx9", "7wq2m-e1kx9", id="letter l for one"),
    ],
)
def test_recovery_codes_forgive_how_they_are_typed(typed: str, stored: str) -> None:
    assert verify_recovery(typed, [hash_recovery_code(stored)]) == 0


@pytest.mark.parametrize(
    "typed",
    ["", "7wq2m", "7wq2m-e0kx9-abcde", "7wq2m-e0kx!", "7wq2m-e0kxu"],
    ids=["empty", "half", "too long", "symbol", "letter u"],
)
def test_malformed_recovery_codes_match_nothing(typed: str) -> None:
    assert normalize_recovery_code(typed) is None
    assert verify_recovery(typed, [hash_recovery_code("7wq2m-e0kx9")]) is None


def test_a_wrong_recovery_code_matches_nothing() -> None:
    hashes = [hash_recovery_code(code) for code in generate_recovery_codes(2)]

    assert verify_recovery("00000-00000", hashes) is None


def test_recovery_codes_are_hashed_with_argon2id_and_a_salt_each() -> None:
    first, second = hash_recovery_code("7wq2m-e0kx9"), hash_recovery_code("7wq2m-e0kx9")

    assert first.startswith("$argon2id$")
    assert first != second


def test_only_recovery_codes_can_be_hashed() -> None:
    with pytest.raises(ValueError, match="not a recovery code"):
        hash_recovery_code("hunter2")


@given(st.text(max_size=30))
def test_normalising_any_input_never_crashes(typed: str) -> None:
    normalized = normalize_recovery_code(typed)

    assert normalized is None or (
        len(normalized) == 10 and set(normalized) <= set(RECOVERY_ALPHABET)
    )
