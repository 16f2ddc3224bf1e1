"""``security.txt`` (RFC 9116) from a profile's ``recovery.cvd``, and a validator for it.

>>> from medsec.profiles.loader import load_profile_text
>>> from medsec.profiles.psp import EXAMPLE_MINIMAL
>>> text = EXAMPLE_MINIMAL + '''recovery:
...   cvd:
...     contacts: ["mailto:psirt@example.com"]
...     expires: 2027-01-31
... '''
>>> print(render_security_txt(load_profile_text(text)).replace("\\r\\n", "\\n"), end="")
# security.txt for Example Medical (RFC 9116), generated from the Product Security Profile
# of Example Monitor 1.0.
Contact: mailto:psirt@example.com
Expires: 2027-01-31T23:59:59Z
Preferred-Languages: en
>>> validate_security_txt(render_security_txt(load_profile_text(text)))
[]

Lines end with CRLF. RFC 9116 §2.2 accepts CRLF or LF; CRLF is the canonical line
break of every ``text/*`` media type (RFC 2046 §4.1.1), which is how security.txt is
served, and it is the form an OpenPGP cleartext signature is computed over (RFC 4880
§7.1), so the file we write is byte-for-byte what a signer canonicalises to.

The validator is written by hand. The one maintained Python validator, ``sectxt`` (used by
internet.nl), is built around fetching a domain over HTTPS and brings requests, PGPy and
four more packages; the grammar of RFC 9116 §4 is a dozen ABNF lines, mirrored below.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from medsec.errors import Error
from medsec.profiles.psp import Cvd, ProductSecurityProfile

EOL = "\r\n"

#: Fields registered with IANA ("security.txt Fields"; CSAF was added by OASIS CSAF 2.0).
KNOWN_FIELDS = {
    name.lower(): name
    for name in (
        "Acknowledgments",
        "Canonical",
        "Contact",
        "CSAF",
        "Encryption",
        "Expires",
        "Hiring",
        "Policy",
        "Preferred-Languages",
    )
}
#: Fields that RFC 9116 says MUST NOT appear more than once.
SINGLE = ("Expires", "Preferred-Languages")
#: Fields whose value is a URI; a web URI there MUST use https (RFC 9116 §2.5).
URI_FIELDS = ("Acknowledgments", "Canonical", "Contact", "CSAF", "Encryption", "Hiring", "Policy")

# RFC 3986 §3.1 scheme, then anything without whitespace or controls.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]+$")
# RFC 3339 §5.6 date-time.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
# Well-formed BCP 47 (RFC 5646) tags, simplified: subtags of 1–8 letters/digits, the
# first of 2–8 letters (or the private-use "x" / grandfathered "i").
_LANGUAGE = re.compile(r"^([A-Za-z]{2,8}|[xXiI])(-[A-Za-z0-9]{1,8})*$")
# RFC 9116 §4: field = field-name fs SP value, then eol = *WSP [CR] LF. The field-name
# (RFC 5322 §3.6.8) is printable US-ASCII except ":".
_FIELD = re.compile(r"^([\x21-\x39\x3b-\x7e]+):(.*?)[ \t]*$")
# comment = "#" *(WSP / VCHAR / %x80-FFFFF): no control characters but tab.
_COMMENT_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class SecurityTxtError(Error):
    """The profile cannot produce a valid security.txt."""

    kind = "security-txt"
    status = 422
    title = "security.txt cannot be generated from this profile"


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    line: int


def expires_timestamp(day: dt.date) -> str:
    """The RFC 3339 timestamp for the last second of ``day`` in UTC."""
    return f"{day.isoformat()}T23:59:59Z"


def _cvd(profile: ProductSecurityProfile) -> tuple[Cvd, dt.date]:
    cvd = profile.recovery.cvd
    if cvd is None:
        raise SecurityTxtError(
            "the profile has no recovery.cvd section, so there is nothing to put in security.txt",
            hint="add recovery.cvd with at least contacts and expires",
        )
    if cvd.expires is None:
        raise SecurityTxtError(
            "recovery.cvd.expires is not set; RFC 9116 requires an Expires field",
            hint="set recovery.cvd.expires to a date (YYYY-MM-DD) less than a year ahead",
        )
    return cvd, cvd.expires


def render_security_txt(profile: ProductSecurityProfile, *, csaf: Sequence[str] = ()) -> str:
    """The security.txt text for ``profile``; raises :class:`SecurityTxtError` if impossible.

    Contacts keep the profile's order, which RFC 9116 §2.5.3 reads as preference. ``csaf``
    adds one ``CSAF:`` field per URL of a ``provider-metadata.json`` (CSAF 2.0 requirement 8),
    in the given order: put the ``/.well-known/csaf/`` one first.
    """
    cvd, expires = _cvd(profile)
    fields: list[tuple[str, str, str]] = [
        ("Contact", value, f"recovery.cvd.contacts[{i}]") for i, value in enumerate(cvd.contacts)
    ]
    fields.append(("Expires", expires_timestamp(expires), "recovery.cvd.expires"))
    for name, value, path in (
        ("Encryption", cvd.encryption, "recovery.cvd.encryption"),
        ("Acknowledgments", cvd.acknowledgments, "recovery.cvd.acknowledgments"),
        ("Policy", cvd.policy, "recovery.cvd.policy"),
    ):
        if value is not None:
            fields.append((name, value, path))
    if cvd.preferred_languages:
        fields.append(
            (
                "Preferred-Languages",
                ", ".join(cvd.preferred_languages),
                "recovery.cvd.preferred_languages",
            )
        )
    if cvd.canonical is not None:
        fields.append(("Canonical", cvd.canonical, "recovery.cvd.canonical"))
    fields.extend(("CSAF", url, f"csaf[{i}]") for i, url in enumerate(csaf))

    problems = [f"{path}: {p}" for name, value, path in fields for p in field_problems(name, value)]
    if problems:
        raise SecurityTxtError(
            "the profile's recovery.cvd cannot be written as security.txt:\n  "
            + "\n  ".join(problems),
            hint="e-mail addresses need 'mailto:', phone numbers 'tel:', web addresses 'https://'",
        )
    product = profile.product
    lines = [
        f"# security.txt for {product.manufacturer.name} (RFC 9116), generated from the "
        "Product Security Profile",
        f"# of {product.name} {product.version}.",
        *(f"{name}: {value}" for name, value, _ in fields),
    ]
    return "".join(_comment_safe(line) + EOL for line in lines)


def _comment_safe(line: str) -> str:
    """Keep a line on one line whatever a manufacturer's name contains."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", line)


def expiry_warnings(profile: ProductSecurityProfile, today: dt.date) -> list[str]:
    """Advice about ``recovery.cvd.expires`` relative to ``today`` (RFC 9116 §2.5.5)."""
    cvd = profile.recovery.cvd
    if cvd is None or cvd.expires is None:
        return []
    if cvd.expires < today:
        return [
            f"recovery.cvd.expires {cvd.expires} is in the past: readers treat this "
            "security.txt as stale; set a new date and publish again"
        ]
    if cvd.expires > today + dt.timedelta(days=366):
        return [
            f"recovery.cvd.expires {cvd.expires} is more than a year ahead; RFC 9116 "
            "recommends less than a year so the file is reviewed regularly"
        ]
    return []


# --------------------------------------------------------------------------- validation


def field_problems(name: str, value: str) -> list[str]:
    """What is wrong with one field's value (empty when nothing is)."""
    canonical = KNOWN_FIELDS.get(name.lower(), name)
    if any(c in value for c in "\r\n"):
        return [f"{canonical} value contains a line break"]
    if canonical in URI_FIELDS:
        if not _URI.match(value):
            return [f"{canonical} value {value!r} is not a URI (RFC 3986)"]
        if value.lower().startswith("http:"):
            return [f"{canonical} value {value!r} is a web URI, so it must begin with https://"]
    if canonical == "CSAF" and not value.endswith("/provider-metadata.json"):
        return [
            f"CSAF value {value!r} must be the URL of a provider-metadata.json (CSAF 2.0 §7.1.8)"
        ]
    if canonical == "Expires":
        return _expires_problems(value)
    if canonical == "Preferred-Languages":
        tags = [t.strip() for t in value.split(",")]
        bad = [t for t in tags if not _LANGUAGE.match(t)]
        if bad:
            return [f"Preferred-Languages has tags that are not RFC 5646 language tags: {bad}"]
    return []


def _expires_problems(value: str) -> list[str]:
    if not _DATE_TIME.match(value):
        return [f"Expires value {value!r} is not an RFC 3339 date-time like 2027-06-30T23:59:59Z"]
    try:
        dt.datetime.fromisoformat(value.upper())
    except ValueError as e:
        return [f"Expires value {value!r} is not a real date and time ({e})"]
    return []


def parse_expires(value: str) -> dt.datetime:
    """The moment an Expires value names (assumes :func:`field_problems` found nothing)."""
    return dt.datetime.fromisoformat(value.upper())


def _signed_body(lines: list[str]) -> tuple[list[str], list[str]]:
    """The signed text of an OpenPGP cleartext-signed file (RFC 4880 §7), and problems."""
    rest = lines[1:]
    try:
        start = rest.index("") + 1  # armor headers ("Hash: SHA512") end at a blank line
        end = rest.index("-----BEGIN PGP SIGNATURE-----")
    except ValueError:
        return [], ["line 1: a PGP SIGNED MESSAGE without a header block or signature"]
    body = [line[2:] if line.startswith("- ") else line for line in rest[start:end]]
    return body, []


def parse_security_txt(text: str) -> tuple[list[Field], list[str]]:
    """The fields of a security.txt and the syntax problems found on the way."""
    problems: list[str] = []
    if text and not text.endswith("\n"):
        problems.append("the last line does not end with a line break (CRLF or LF)")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    lines = []
    for number, line in enumerate(raw, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if "\r" in line:
            problems.append(f"line {number}: a carriage return without a line feed")
        lines.append(line)
    offset = 0
    if lines and lines[0] == "-----BEGIN PGP SIGNED MESSAGE-----":
        body, signed_problems = _signed_body(lines)
        problems += signed_problems
        offset = lines.index("") + 1 if "" in lines else 0
        lines = body
    fields = []
    for number, line in enumerate(lines, start=1 + offset):
        if line.startswith("#"):
            if _COMMENT_CONTROL.search(line):
                problems.append(f"line {number}: a comment contains a control character")
            continue
        if not line.strip():
            continue
        match = _FIELD.match(line)
        if match is None:
            problems.append(f"line {number}: neither a comment nor a 'Field: value' line")
            continue
        name, rest = match.groups()
        if not rest.startswith(" "):
            problems.append(f"line {number}: the ':' after {name} must be followed by a space")
        fields.append(Field(name, rest[1:] if rest.startswith(" ") else rest, number))
    return fields, problems


def validate_security_txt(text: str, *, now: dt.datetime | None = None) -> list[str]:
    """Every RFC 9116 problem of ``text``; empty when the file is valid.

    Unknown fields are reported too (readers must ignore them, so in a file we publish
    they are mistakes). With ``now``, an Expires in the past is reported as stale.
    """
    fields, problems = parse_security_txt(text)
    counts = Counter(KNOWN_FIELDS.get(f.name.lower(), f.name) for f in fields)
    for required in ("Contact", "Expires"):
        if counts[required] == 0:
            problems.append(f"the required field {required} is missing")
    problems.extend(
        f"{name} appears {counts[name]} times; it may appear at most once"
        for name in SINGLE
        if counts[name] > 1
    )
    for field in fields:
        canonical = KNOWN_FIELDS.get(field.name.lower())
        if canonical is None:
            problems.append(f"line {field.line}: unknown field {field.name!r}")
            continue
        found = field_problems(canonical, field.value)
        problems.extend(f"line {field.line}: {p}" for p in found)
        if canonical == "Expires" and not found and now is not None:
            if parse_expires(field.value) < now:
                problems.append(f"line {field.line}: Expires {field.value} has passed (stale)")
    return problems
