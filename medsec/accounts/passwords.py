"""Passwords the NIST SP 800-63B way: long, not known to attackers, hashed with argon2id.

There are no composition rules ("one digit, one symbol") and no forced expiry.
:func:`check_password` refuses a new password only for reasons a person can act on:

* it is shorter than 12 or longer than 128 characters (counted in Unicode code
  points after NFKC normalisation, §3.1.1.2);
* it is one of zxcvbn's 30 000 most common passwords (shipped offline in the
  ``zxcvbn`` package);
* at least half of its letters spell the user's or the organization's names, even
  with digits, symbols and basic leetspeak (``Acme-Hospital-2024!``, ``4l1c3.5m1th``);
* a :class:`~medsec.accounts.interfaces.BreachedPasswordCheck` knows it;
* zxcvbn still scores it below 3 of 4 ("easy to guess"), with zxcvbn's advice.

>>> check_password("correct horse battery staple")
>>> try:
...     check_password("Acme Hospital 2024!", context_words=["Acme Hospital"])
... except WeakPassword as e:
...     print(e.weakness, "-", e.message)
context - the password is made from your name, user name or organization name
>>> hasher = PasswordHasher()
>>> stored = hasher.hash("correct horse battery staple")
>>> hasher.verify(stored, "correct horse battery staple"), hasher.verify(stored, "wrong")
(True, False)
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import argon2
import zxcvbn
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from medsec.accounts.interfaces import BreachedPasswordCheck
from medsec.errors import ConfigurationError, Error


class Weakness(StrEnum):
    """Why a password was refused; stable codes for the UI and the tests."""

    TOO_SHORT = "too-short"
    TOO_LONG = "too-long"
    COMMON = "common"
    CONTEXT = "context"
    BREACHED = "breached"
    GUESSABLE = "guessable"


class WeakPassword(Error):
    """A new password does not meet the policy. The message says why, never the password."""

    kind = "weak-password"
    status = 422
    title = "The password is not accepted"

    def __init__(self, weakness: Weakness, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.weakness = weakness


class InvalidPasswordHash(ConfigurationError):
    """A stored password hash is not an argon2 hash (corrupt or foreign data)."""

    kind = "invalid-password-hash"


@dataclass(frozen=True)
class PasswordPolicy:
    """Limits for new passwords. SP 800-63B: minimum ≥ 8, accept at least 64."""

    min_length: int = 12
    max_length: int = 128
    #: zxcvbn score (0–4) a password must reach.
    min_score: int = 3

    def __post_init__(self) -> None:
        if self.min_length < 8:
            raise ConfigurationError(
                f"password policy: min_length is {self.min_length}, SP 800-63B requires ≥ 8"
            )
        if self.max_length < max(64, self.min_length):
            raise ConfigurationError(
                f"password policy: max_length is {self.max_length}; it must be at least 64 "
                "and at least min_length (SP 800-63B)"
            )
        if not 0 <= self.min_score <= 4:
            raise ConfigurationError(
                f"password policy: min_score is {self.min_score}, expected 0–4 (zxcvbn score)"
            )


#: The policy used when none is given (frozen, so sharing it is safe).
DEFAULT_POLICY = PasswordPolicy()


def normalize_password(password: str) -> str:
    """NFKC, as SP 800-63B §3.1.1.2 asks before hashing and comparing."""
    return unicodedata.normalize("NFKC", password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the 30 000 most common passwords (lower case)."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(
    password: str,
    *,
    context_words: Sequence[str] = (),
    policy: PasswordPolicy = DEFAULT_POLICY,
    breached: BreachedPasswordCheck | None = None,
) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may be chosen as a new password.

    ``context_words`` are what an attacker knows about the account: user name, e-mail
    address or its local part, full name, organization name.
    """
    normalized = normalize_password(password)
    length = len(normalized)
    if length < policy.min_length:
        raise WeakPassword(
            Weakness.TOO_SHORT,
            f"the password has {length} characters; at least {policy.min_length} are needed",
            hint="a passphrase of several unrelated words is long and easy to remember",
        )
    if length > policy.max_length:
        raise WeakPassword(
            Weakness.TOO_LONG,
            f"the password has {length} characters; at most {policy.max_length} are accepted",
        )
    folded = normalized.casefold()
    if folded in common_passwords() or re.sub(r"\s+", "", folded) in common_passwords():
        raise WeakPassword(
            Weakness.COMMON,
            "the password is one of the most commonly used passwords",
            hint="choose something that is not a well-known password",
        )
    tokens = _context_tokens(context_words)
    if _built_from(normalized, tokens):
        raise WeakPassword(
            Weakness.CONTEXT,
            "the password is made from your name, user name or organization name",
            hint="leave out names that other people know",
        )
    if breached is not None and breached.is_breached(password):
        raise WeakPassword(
            Weakness.BREACHED,
            "the password appears in a list of passwords exposed in data breaches",
            hint="choose a password you have never used anywhere else",
        )
    score, warning, suggestions = _zxcvbn(normalized, [*context_words, *tokens], policy)
    if score < policy.min_score:
        raise WeakPassword(
            Weakness.GUESSABLE,
            "the password is easy to guess" + (f": {warning}" if warning else ""),
            hint=" ".join(suggestions) or "add another word or two; uncommon words are better",
        )


# -- names in the password ----------------------------------------------------------

#: Basic leetspeak; "1" stands for "i" or "l", so both readings are tried.
_LEET = {
    "0": "o",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "+": "t",
    "|": "l",
}
_LEET_TABLES = (str.maketrans({**_LEET, "1": "i"}), str.maketrans({**_LEET, "1": "l"}))
#: Context words shorter than this (initials, "Li") are too common to hold against anyone.
_MIN_TOKEN = 3


def _readings(text: str) -> set[str]:
    """The letters of ``text`` as written and with leetspeak undone, case-folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    variants = {folded, *(folded.translate(table) for table in _LEET_TABLES)}
    return {"".join(ch for ch in variant if ch.isalpha()) for variant in variants}


def _context_tokens(words: Iterable[str]) -> list[str]:
    """The names in ``words`` ("Alice Smith" → alice, smith, alicesmith), longest first."""
    tokens: set[str] = set()
    for word in words:
        folded = unicodedata.normalize("NFKC", word).casefold()
        for variant in {folded, *(folded.translate(table) for table in _LEET_TABLES)}:
            parts = re.split(r"[^\w]|[\d_]", variant)
            tokens.update(part for part in [*parts, "".join(parts)] if len(part) >= _MIN_TOKEN)
    return sorted(tokens, key=lambda t: (-len(t), t))


def _built_from(password: str, tokens: Sequence[str]) -> bool:
    """Whether names spell at least half of the password's letters, in any reading.

    "Acme-Hospital-2024!", "4l1c3.5m1th.1990" and "AcmeHospitalRocks" are made from
    names; "alice likes purple giraffes at dawn" is not.
    """
    if not tokens:
        return False
    names = re.compile("|".join(re.escape(token) for token in tokens))
    for letters in _readings(password):
        covered = sum(len(match) for match in names.findall(letters))
        if covered and 2 * covered >= len(letters):
            return True
    return False


# -- zxcvbn -----------------------------------------------------------------------

#: zxcvbn keeps the user inputs of the current call in a module-level dictionary
#: (``matching.RANKED_DICTIONARIES["user_inputs"]``), so concurrent calls from a
#: threaded web server would see each other's names. One call at a time.
_ZXCVBN_LOCK = threading.Lock()


def _zxcvbn(
    password: str, user_inputs: list[str], policy: PasswordPolicy
) -> tuple[int, str, list[str]]:
    with _ZXCVBN_LOCK:
        result = zxcvbn.zxcvbn(password, user_inputs=user_inputs, max_length=policy.max_length)
    feedback = result["feedback"]
    return int(result["score"]), str(feedback["warning"]), [str(s) for s in feedback["suggestions"]]


# -- breached passwords, offline ------------------------------------------------------


class OfflineBreachedPasswords:
    """A :class:`BreachedPasswordCheck` that needs no network.

    Always knows zxcvbn's common-password list. Given ``hashes``, it also looks the
    password's SHA-1 up in a Pwned Passwords download (``PwnedPasswordsDownloader``):

    * a **directory** of range files ``XXXXX.txt`` (the first five hex digits of the
      SHA-1), each holding ``SUFFIX:COUNT`` lines — the k-anonymity range format the
      online API returns, so an online check can replace this one unchanged;
    * a single **file** of ``SHA1:COUNT`` lines sorted by hash (the downloader's
      default), searched by bisection without loading it.

    A missing range file means an incomplete download and raises
    :class:`~medsec.errors.ConfigurationError` rather than answering "not breached".
    """

    name = "offline"

    def __init__(self, hashes: Path | None = None, *, include_common: bool = True) -> None:
        self.hashes = hashes
        self.include_common = include_common
        if hashes is not None and not hashes.exists():
            raise ConfigurationError(
                f"breached passwords: {hashes} does not exist",
                hint="give a Pwned Passwords range directory or a sorted SHA1:COUNT file",
            )
        if hashes is not None and hashes.is_file():
            with hashes.open("rb") as f:
                first = f.readline()
            if first and _hash_of(first) is None:
                raise ConfigurationError(
                    f"{hashes}:1: expected `SHA1:COUNT` (40 hex digits), found {first[:60]!r}"
                )

    def is_breached(self, password: str) -> bool:
        if self.include_common and normalize_password(password).casefold() in common_passwords():
            return True
        if self.hashes is None:
            return False
        digests = {_sha1(password), _sha1(normalize_password(password))}
        if self.hashes.is_dir():
            return any(self._in_range_file(digest) for digest in digests)
        return any(self._in_sorted_file(digest) for digest in digests)

    def _in_range_file(self, digest: str) -> bool:
        assert self.hashes is not None  # noqa: S101 (checked by the caller)
        prefix, suffix = digest[:5], digest[5:]
        for candidate in (self.hashes / f"{prefix}.txt", self.hashes / prefix):
            if candidate.is_file():
                text = candidate.read_text(encoding="ascii", errors="replace")
                return any(line.split(":")[0].strip().upper() == suffix for line in text.split())
        raise ConfigurationError(
            f"breached passwords: range file {prefix}.txt is missing from {self.hashes}",
            hint="the Pwned Passwords download is incomplete; download it again",
        )

    def _in_sorted_file(self, digest: str) -> bool:
        assert self.hashes is not None  # noqa: S101 (checked by the caller)
        target = digest.encode("ascii")
        with self.hashes.open("rb") as f:
            size = f.seek(0, 2)
            # Smallest offset whose next whole line is ≥ target; lines are sorted, so
            # "the line at offset" only grows with the offset and bisection applies.
            low, high = 0, size
            while low < high:
                middle = (low + high) // 2
                found = _hash_of(_line_at(f, middle))
                if found is None or found >= target:
                    high = middle
                else:
                    low = middle + 1
            return _hash_of(_line_at(f, low)) == target


def _sha1(password: str) -> str:
    # SHA-1 because that is the published format of Pwned Passwords, not for secrecy.
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def _line_at(f: BinaryIO, offset: int) -> bytes:
    """The first whole line starting at or after ``offset`` (b"" past the end)."""
    if offset == 0:
        f.seek(0)
    else:
        f.seek(offset - 1)
        f.readline()
    return f.readline()


def _hash_of(line: bytes) -> bytes | None:
    digest = line.split(b":", 1)[0].strip().upper()
    if len(digest) != 40 or not re.fullmatch(rb"[0-9A-F]{40}", digest):
        return None
    return digest


# -- hashing -------------------------------------------------------------------------


class PasswordHasher:
    """argon2id hashing of NFKC-normalised passwords.

    The default parameters are RFC 9106's second recommendation (t=3, 64 MiB, p=4).
    Changing them makes :meth:`needs_rehash` true for older hashes, so the service can
    re-hash at the next successful sign-in.
    """

    def __init__(self, parameters: argon2.Parameters = argon2.profiles.RFC_9106_LOW_MEMORY) -> None:
        if parameters.type is not argon2.Type.ID:
            raise ConfigurationError(f"password hashing must use argon2id, not {parameters.type}")
        self.parameters = parameters
        self._hasher = argon2.PasswordHasher.from_parameters(parameters)

    def hash(self, password: str) -> str:
        return self._hasher.hash(normalize_password(password))

    def verify(self, encoded_hash: str, password: str) -> bool:
        """Whether ``password`` matches; a mismatch is ``False``, never an exception.

        Raises :class:`InvalidPasswordHash` when ``encoded_hash`` is not an argon2 hash.
        """
        try:
            return self._hasher.verify(encoded_hash, normalize_password(password))
        except InvalidHashError as e:
            raise InvalidPasswordHash("a stored password hash is not a valid argon2 hash") from e
        except VerificationError:
            return False

    def needs_rehash(self, encoded_hash: str) -> bool:
        """Whether ``encoded_hash`` was made with other parameters than this hasher's."""
        try:
            return self._hasher.check_needs_rehash(encoded_hash)
        except InvalidHashError as e:
            raise InvalidPasswordHash("a stored password hash is not a valid argon2 hash") from e

    def dummy_verify(self, password: str) -> bool:
        """Spend the time of one verification and return ``False``.

        Call it when the user name is unknown, so the response time does not tell an
        attacker which accounts exist.
        """
        self.verify(self._dummy_hash, password)
        return False

    @functools.cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash("no account has this password, it only costs time")
