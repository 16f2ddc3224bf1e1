"""The password policy (NIST SP 800-63B), breached-password lists and argon2id hashing."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import unicodedata
from pathlib import Path

import argon2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.accounts.interfaces import BreachedPasswordCheck
from medsec.accounts.passwords import (
    InvalidPasswordHash,
    OfflineBreachedPasswords,
    PasswordHasher,
    PasswordPolicy,
    Weakness,
    WeakPassword,
    check_password,
)
from medsec.errors import ConfigurationError, Error

#: Cheap argon2id parameters so the hashing tests run fast; the defaults are tested once.
FAST = argon2.Parameters(
    type=argon2.Type.ID,
    version=19,
    salt_len=16,
    hash_len=32,
    time_cost=1,
    memory_cost=8,
    parallelism=1,
)

ALICE = ["alice", "alice.smith@example.org", "Alice Smith", "Acme Hospital"]


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("correct horse battery staple", id="four random words"),
        pytest.param("alice likes purple giraffes at dawn", id="a name inside a passphrase"),
        pytest.param("Tr0ub4dor&3xyz", id="short but not guessable"),
        pytest.param("Acme Hospital is where I fix pumps every day", id="org name in a sentence"),
        pytest.param("the quick brown fox jumps over the lazy dog again and again! 42x", id="64"),
        pytest.param("y" + "ourpasswordisthisverylongsentence" * 3 + "!" * 28, id="128 (maximum)"),
        pytest.param("Grüße aus dem schönen Bärental", id="German passphrase"),
        pytest.param("日本語のパスフレーズはとても長い", id="Japanese passphrase"),
        pytest.param("ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ", id="full-width letters (NFKC)"),
    ],
)
def test_accepted_passwords(password: str) -> None:
    check_password(password, context_words=ALICE)


@pytest.mark.parametrize(
    ("password", "weakness", "says"),
    [
        pytest.param("", Weakness.TOO_SHORT, "0 characters", id="empty"),
        pytest.param("elevenchars", Weakness.TOO_SHORT, "at least 12", id="11 characters"),
        pytest.param(
            "パスワードパスワード", Weakness.TOO_SHORT, "10 characters", id="10 code points"
        ),
        pytest.param("x" * 129, Weakness.TOO_LONG, "at most 128", id="129 characters"),
        pytest.param("qazwsxedcrfv", Weakness.COMMON, "most commonly used", id="common"),
        pytest.param("LeaveMeAlone", Weakness.COMMON, "most commonly used", id="common, any case"),
        pytest.param("leave me alone", Weakness.COMMON, "most commonly used", id="common, spaced"),
        pytest.param("password1234", Weakness.COMMON, "most commonly used", id="password1234"),
        pytest.param("Acme-Hospital-2024!", Weakness.CONTEXT, "organization", id="org + year"),
        pytest.param("AcmeHospitalRocks!", Weakness.CONTEXT, "organization", id="mostly org"),
        pytest.param("4l1c3.5m1th.1990", Weakness.CONTEXT, "your name", id="leetspeak name"),
        pytest.param("Smith&Alice1990", Weakness.CONTEXT, "your name", id="name reversed"),
        pytest.param("alice.smith@example", Weakness.CONTEXT, "user name", id="e-mail address"),
        pytest.param("ALICEALICEALICE", Weakness.CONTEXT, "user name", id="user name thrice"),
        pytest.param("aaaaaaaaaaaaaaaa", Weakness.GUESSABLE, "Repeats", id="repeats"),
        pytest.param("abcdefghijklmnop", Weakness.GUESSABLE, "Sequences", id="sequence"),
        pytest.param("iloveyou123456", Weakness.GUESSABLE, "commonly used", id="near common"),
        pytest.param("hunter2hunter2", Weakness.GUESSABLE, "Repeats", id="repeated word"),
    ],
)
def test_rejected_passwords_say_why(password: str, weakness: Weakness, says: str) -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password(password, context_words=ALICE)

    assert caught.value.weakness is weakness
    assert says in caught.value.diagnostics()
    assert isinstance(caught.value, Error)
    assert caught.value.status == 422
    if password:
        assert password not in caught.value.diagnostics()


def test_guessable_passwords_carry_zxcvbn_advice() -> None:
    with pytest.raises(WeakPassword) as caught:
        check_password("abcdefghijklmnop")

    assert caught.value.hint is not None
    assert "Avoid sequences" in caught.value.hint


def test_without_context_words_names_are_judged_by_zxcvbn_only() -> None:
    check_password("Acme-Hospital-2024!")


def test_length_counts_code_points_after_nfkc() -> None:
    decomposed = unicodedata.normalize("NFD", "éléphant rosé")  # 13 letters, 16 code points
    assert len(decomposed) > 13

    check_password(decomposed, policy=PasswordPolicy(min_length=13))
    with pytest.raises(WeakPassword, match="13 characters"):
        check_password(decomposed, policy=PasswordPolicy(min_length=14))


def test_a_stricter_policy_applies() -> None:
    policy = PasswordPolicy(min_length=16, max_length=64, min_score=4)

    with pytest.raises(WeakPassword, match="at least 16"):
        check_password("Tr0ub4dor&3xyz", policy=policy)
    with pytest.raises(WeakPassword, match="at most 64"):
        check_password("correct horse battery staple " * 3, policy=policy)


@pytest.mark.parametrize(
    ("limits", "says"),
    [
        pytest.param({"min_length": 6}, "≥ 8", id="minimum below 8"),
        pytest.param({"max_length": 32}, "at least 64", id="maximum below 64"),
        pytest.param({"min_length": 80, "max_length": 70}, "at least min_length", id="max < min"),
        pytest.param({"min_score": 5}, "0–4", id="score out of range"),
    ],
)
def test_a_policy_against_sp_800_63b_is_refused(limits: dict[str, int], says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        PasswordPolicy(**limits)


# -- breached passwords -------------------------------------------------------------


class KnownToAttackers:
    """A hand-written fake of the port, as an online check would plug in."""

    name = "fake"

    def __init__(self, *passwords: str) -> None:
        self.passwords = set(passwords)
        self.asked: list[str] = []

    def is_breached(self, password: str) -> bool:
        self.asked.append(password)
        return password in self.passwords


def test_a_breached_password_check_plugs_in() -> None:
    breached = KnownToAttackers("purple giraffes dance at dawn")
    assert isinstance(breached, BreachedPasswordCheck)

    check_password("purple giraffes sing at dawn", breached=breached)
    with pytest.raises(WeakPassword) as caught:
        check_password("purple giraffes dance at dawn", breached=breached)

    assert caught.value.weakness is Weakness.BREACHED
    assert breached.asked == ["purple giraffes sing at dawn", "purple giraffes dance at dawn"]


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()


def test_offline_check_knows_the_common_list_without_any_file() -> None:
    offline = OfflineBreachedPasswords()

    assert offline.is_breached("Qwerty123456")
    assert not offline.is_breached("purple giraffes dance at dawn")
    assert not OfflineBreachedPasswords(include_common=False).is_breached("qwerty123456")


def test_offline_check_reads_pwned_passwords_range_files(tmp_path: Path) -> None:
    leaked = sha1("purple giraffes dance at dawn")
    neighbour = leaked[:5] + "0" * 35
    (tmp_path / f"{leaked[:5]}.txt").write_text(f"{neighbour[5:]}:3\r\n{leaked[5:]}:12\r\n")
    (tmp_path / f"{sha1('a safe passphrase here')[:5]}.txt").write_text(f"{'F' * 35}:1\r\n")
    offline = OfflineBreachedPasswords(tmp_path)

    assert offline.is_breached("purple giraffes dance at dawn")
    assert not offline.is_breached("a safe passphrase here")
    with pytest.raises(WeakPassword) as caught:
        check_password("purple giraffes dance at dawn", breached=offline)
    assert caught.value.weakness is Weakness.BREACHED


def test_a_missing_range_file_is_not_taken_as_not_breached(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="is missing") as caught:
        OfflineBreachedPasswords(tmp_path).is_breached("purple giraffes dance at dawn")

    assert "incomplete" in caught.value.diagnostics()


@settings(max_examples=60, deadline=None)
@given(
    leaked=st.sets(st.text(min_size=1, max_size=20), max_size=40),
    others=st.sets(st.text(min_size=1, max_size=20), max_size=10),
    filler=st.sets(st.binary(min_size=20, max_size=20), max_size=60),
)
def test_the_sorted_hash_file_finds_exactly_its_hashes(
    leaked: set[str], others: set[str], filler: set[bytes]
) -> None:
    digests = {sha1(p) for p in leaked} | {d.hex().upper() for d in filler}
    lines = "".join(f"{digest}:{n}\n" for n, digest in enumerate(sorted(digests)))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "pwnedpasswords.txt"
        path.write_text(lines)
        offline = OfflineBreachedPasswords(path, include_common=False)

        for password in leaked:
            assert offline.is_breached(password)
        for password in others - leaked:
            assert offline.is_breached(password) == (sha1(password) in digests)


def test_a_hash_file_in_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "passwords.txt"
    path.write_text("123456\npassword\n")

    with pytest.raises(ConfigurationError, match=r"passwords.txt:1: expected `SHA1:COUNT`"):
        OfflineBreachedPasswords(path)


def test_a_missing_hash_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        OfflineBreachedPasswords(tmp_path / "nothing-here")


# -- hashing -----------------------------------------------------------------------


def test_hash_and_verify() -> None:
    hasher = PasswordHasher(FAST)
    stored = hasher.hash("correct horse battery staple")

    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "correct horse battery staple")
    assert not hasher.verify(stored, "correct horse battery stapler")
    assert not hasher.verify(stored, "")


def test_the_same_password_hashes_differently_each_time() -> None:
    hasher = PasswordHasher(FAST)

    assert hasher.hash("correct horse battery staple") != hasher.hash(
        "correct horse battery staple"
    )


@pytest.mark.parametrize(
    ("chosen", "typed"),
    [
        pytest.param("café crème brûlée", "café crème brûlée", id="NFC / NFD"),
        pytest.param("ｃｏｒｒｅｃｔ ｈｏｒｓｅ", "correct horse", id="full-width / ASCII"),
        pytest.param("ﬁve ﬂuﬀy ﬁsh", "five fluffy fish", id="ligatures"),
    ],
)
def test_unicode_passwords_are_normalised_before_hashing(chosen: str, typed: str) -> None:
    chosen = unicodedata.normalize("NFC", chosen)
    typed = unicodedata.normalize("NFD", typed)
    hasher = PasswordHasher(FAST)

    assert hasher.verify(hasher.hash(chosen), typed)


def test_long_and_unicode_passphrases_round_trip() -> None:
    hasher = PasswordHasher(FAST)
    for password in ["p" * 64, "日本語のパスフレーズはとても長い" * 4, "🦒 giraffes 🦒" * 9]:
        assert hasher.verify(hasher.hash(password), password)


def test_rehash_is_needed_when_parameters_change() -> None:
    old = PasswordHasher(FAST)
    stored = old.hash("correct horse battery staple")
    stronger = PasswordHasher(dataclasses.replace(FAST, time_cost=2, memory_cost=16))

    assert not old.needs_rehash(stored)
    assert stronger.needs_rehash(stored)
    assert stronger.verify(stored, "correct horse battery staple")  # old hashes still work
    assert not stronger.needs_rehash(stronger.hash("correct horse battery staple"))


def test_the_default_parameters_are_rfc_9106_low_memory() -> None:
    hasher = PasswordHasher()
    stored = hasher.hash("correct horse battery staple")

    assert "$argon2id$v=19$m=65536,t=3,p=4$" in stored
    assert PasswordHasher(FAST).needs_rehash(stored)


@pytest.mark.parametrize("stored", ["", "not a hash", "$2b$12$abcdefghijklmnopqrstuv", "!"])
def test_a_stored_value_that_is_no_argon2_hash_is_reported(stored: str) -> None:
    hasher = PasswordHasher(FAST)

    with pytest.raises(InvalidPasswordHash):
        hasher.verify(stored, "correct horse battery staple")
    with pytest.raises(InvalidPasswordHash):
        hasher.needs_rehash(stored)


def test_a_damaged_hash_does_not_verify() -> None:
    hasher = PasswordHasher(FAST)
    stored = hasher.hash("correct horse battery staple")
    damaged = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")

    assert not hasher.verify(damaged, "correct horse battery staple")


def test_dummy_verify_is_always_false() -> None:
    assert PasswordHasher(FAST).dummy_verify("correct horse battery staple") is False


def test_only_argon2id_is_accepted() -> None:
    argon2i = dataclasses.replace(FAST, type=argon2.Type.I)

    with pytest.raises(ConfigurationError, match="argon2id"):
        PasswordHasher(argon2i)
