"""security.txt (RFC 9116): generated from recovery.cvd, checked by our own validator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.documents import SecurityTxtError, render_security_txt, validate_security_txt
from medsec.documents.securitytxt import expiry_warnings, parse_security_txt
from medsec.profiles.psp import Cvd, ProductSecurityProfile, Recovery

#: The `edited` fixture (conftest.py): the example profile after an edit of its data.
Build = Callable[[Callable[[dict[str, Any]], None]], ProductSecurityProfile]

PUMP_SECURITY_TXT = (
    "# security.txt for Northwind Infusion Systems (RFC 9116), generated from the Product "
    "Security Profile\r\n"
    "# of Northwind LVP 3000 4.2.1.\r\n"
    "Contact: mailto:psirt@northwind-infusion.example\r\n"
    "Contact: https://psirt.northwind-infusion.example/report\r\n"
    "Expires: 2027-06-30T23:59:59Z\r\n"
    "Encryption: https://psirt.northwind-infusion.example/pgp-key.asc\r\n"
    "Acknowledgments: https://psirt.northwind-infusion.example/thanks\r\n"
    "Policy: https://psirt.northwind-infusion.example/disclosure-policy\r\n"
    "Preferred-Languages: en, de\r\n"
    "Canonical: https://www.northwind-infusion.example/.well-known/security.txt\r\n"
)


def test_pump_security_txt(pump: ProductSecurityProfile) -> None:
    assert render_security_txt(pump) == PUMP_SECURITY_TXT


def test_generated_file_is_valid(pump: ProductSecurityProfile) -> None:
    assert validate_security_txt(render_security_txt(pump)) == []


def test_csaf_fields_come_last_in_the_given_order(pump: ProductSecurityProfile) -> None:
    first = "https://www.example.com/.well-known/csaf/provider-metadata.json"
    second = "https://psirt.example.com/csaf/provider-metadata.json"
    text = render_security_txt(pump, csaf=[first, second])
    assert text == PUMP_SECURITY_TXT + f"CSAF: {first}\r\nCSAF: {second}\r\n"
    assert validate_security_txt(text) == []


def test_a_csaf_url_that_is_not_a_provider_metadata_is_refused(
    pump: ProductSecurityProfile,
) -> None:
    with pytest.raises(SecurityTxtError, match=r"csaf\[0\]: CSAF value"):
        render_security_txt(pump, csaf=["https://www.example.com/csaf/"])


def test_every_line_ends_with_crlf(pump: ProductSecurityProfile) -> None:
    text = render_security_txt(pump)
    assert text.endswith("\r\n")
    assert text.count("\n") == text.count("\r\n") == text.count("\r")


def test_contacts_keep_the_profile_order(edited: Build) -> None:
    order = ["tel:+49-30-1234", "https://example.com/a", "mailto:a@example.com"]
    text = render_security_txt(edited(lambda d: d["recovery"]["cvd"].update(contacts=order)))
    fields, _ = parse_security_txt(text)
    assert [f.value for f in fields if f.name == "Contact"] == order


def _cvd(**values: Any) -> Any:
    def edit(d: dict[str, Any]) -> None:
        d["recovery"]["cvd"].update(values)
        for key in [k for k, v in values.items() if v is None]:
            del d["recovery"]["cvd"][key]

    return edit


def test_missing_expires_tells_the_author_what_to_set(edited: Build) -> None:
    with pytest.raises(SecurityTxtError) as raised:
        render_security_txt(edited(_cvd(expires=None)))
    assert "recovery.cvd.expires" in raised.value.diagnostics()


def test_missing_cvd_section_is_an_error(pump: ProductSecurityProfile) -> None:
    profile = pump.model_copy(update={"recovery": Recovery()})
    with pytest.raises(SecurityTxtError, match=r"no recovery\.cvd section"):
        render_security_txt(profile)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"contacts": ["psirt@example.com"]}, "recovery.cvd.contacts[0]: Contact value"),
        ({"contacts": ["http://example.com/report"]}, "must begin with https://"),
        ({"contacts": ["mailto:a@example.com\nPolicy: https://evil"]}, "line break"),
        ({"policy": "http://example.com/policy"}, "recovery.cvd.policy: Policy value"),
        ({"encryption": "not a uri"}, "recovery.cvd.encryption"),
        ({"canonical": "http://example.com/.well-known/security.txt"}, "recovery.cvd.canonical"),
        ({"preferred_languages": ["en", "not a tag"]}, "not RFC 5646 language tags"),
    ],
)
def test_values_that_would_make_an_invalid_file_are_refused(
    edited: Build, values: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SecurityTxtError) as raised:
        render_security_txt(edited(_cvd(**values)))
    assert problem in raised.value.diagnostics()


@pytest.mark.parametrize(
    ("expires", "warning"),
    [
        (dt.date(2026, 3, 1), "is in the past"),
        (dt.date(2027, 6, 30), "more than a year ahead"),
        (dt.date(2026, 12, 31), None),
    ],
)
def test_expiry_warnings(
    pump: ProductSecurityProfile, expires: dt.date, warning: str | None
) -> None:
    assert pump.recovery.cvd is not None
    cvd = pump.recovery.cvd.model_copy(update={"expires": expires})
    profile = pump.model_copy(update={"recovery": pump.recovery.model_copy(update={"cvd": cvd})})
    warnings = expiry_warnings(profile, today=dt.date(2026, 3, 15))
    if warning is None:
        assert warnings == []
    else:
        [message] = warnings
        assert warning in message


# --------------------------------------------------------------------------- the validator

VALID = "Contact: mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Expires: 2030-01-01T00:00:00Z\n", "the required field Contact is missing"),
        ("Contact: mailto:a@example.com\n", "the required field Expires is missing"),
        (VALID + "Expires: 2031-01-01T00:00:00Z\n", "Expires appears 2 times"),
        (
            VALID + "Preferred-Languages: en\nPreferred-Languages: de\n",
            "Preferred-Languages appears 2 times",
        ),
        ("Contact: mailto:a@example.com\nExpires: 2030-01-01\n", "not an RFC 3339 date-time"),
        ("Contact: mailto:a@example.com\nExpires: 2030-02-30T00:00:00Z\n", "not a real date"),
        ("Contact: http://example.com\nExpires: 2030-01-01T00:00:00Z\n", "https://"),
        ("Contact: a@example.com\nExpires: 2030-01-01T00:00:00Z\n", "line 1: Contact value"),
        (VALID + "Policy: http://example.com/p\n", "line 3: Policy value"),
        (VALID + "Hiring: http://example.com/jobs\n", "line 3: Hiring value"),
        (VALID + "Preferred-Languages: en,, de\n", "language tags"),
        (VALID + "Color: blue\n", "line 3: unknown field 'Color'"),
        (VALID + "just some words\n", "line 3: neither a comment nor a 'Field: value' line"),
        (VALID.rstrip("\n"), "the last line does not end with a line break"),
        ("Contact: mailto:a@example.com\rExpires: 2030-01-01T00:00:00Z\n", "carriage return"),
        (
            "Contact:mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n",
            "line 1: the ':' after Contact must be followed by a space",
        ),
        (
            "Contact:  mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n",
            "line 1: Contact value ' mailto:a@example.com' is not a URI",
        ),
        (
            "Contact : mailto:a@example.com\nExpires: 2030-01-01T00:00:00Z\n",
            "line 1: neither a comment nor",
        ),
        ("# bell \x07\n" + VALID, "line 1: a comment contains a control character"),
        ("-----BEGIN PGP SIGNED MESSAGE-----\n" + VALID, "PGP SIGNED MESSAGE without"),
        (VALID + "CSAF: /provider-metadata.json\n", "CSAF value '/provider-metadata.json' is not"),
        (VALID + "CSAF: https://example.com/csaf/\n", "must be the URL of a provider-metadata"),
        (VALID + "CSAF: http://example.com/provider-metadata.json\n", "must begin with https"),
    ],
)
def test_validator_finds(text: str, problem: str) -> None:
    problems = validate_security_txt(text)
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        VALID.replace("\n", "\r\n"),
        "# a comment\n\n" + VALID + "\n# trailing comment\n",
        "contact: mailto:a@example.com\nEXPIRES: 2030-01-01T00:00:00+02:00\n",
        "Contact: tel:+1-201-555-0123\nContact: https://example.com/report\n"
        "Expires: 2030-01-01t00:00:00.5z\nCSAF: https://example.com/provider-metadata.json\n",
        "Contact: mailto:a@example.com  \nExpires: 2030-01-01T00:00:00Z\t\r\n",
        (
            "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
            + VALID
            + '- # a dash-escaped line (RFC 4880 §7.1) loses its "- "\n'
            "-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n"
        ),
    ],
    ids=["lf", "crlf", "comments", "case-insensitive", "more-fields", "trailing-space", "signed"],
)
def test_validator_accepts(text: str) -> None:
    assert validate_security_txt(text) == []


def test_stale_expires_is_reported_only_when_now_is_given() -> None:
    now = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    assert validate_security_txt(VALID) == []
    assert validate_security_txt(VALID, now=now) == [
        "line 2: Expires 2030-01-01T00:00:00Z has passed (stale)"
    ]


def test_signed_file_reports_lines_of_the_whole_file() -> None:
    signed = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
        "Contact: mailto:a@example.com\nExpires: soon\n"
        "-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n"
    )
    assert validate_security_txt(signed) == [
        "line 5: Expires value 'soon' is not an RFC 3339 date-time like 2027-06-30T23:59:59Z"
    ]


@given(st.text())
def test_validator_never_raises(text: str) -> None:
    problems = validate_security_txt(text, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert all(isinstance(p, str) for p in problems)


CONTACTS = st.one_of(
    st.from_regex(r"\Amailto:[a-z0-9.]{1,20}@[a-z0-9]{1,20}\.example\Z"),
    st.from_regex(r"\Ahttps://[a-z0-9]{1,20}\.example/[a-z0-9/]{0,20}\Z"),
    st.from_regex(r"\Atel:\+[0-9]{5,15}\Z"),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50)
@given(
    contacts=st.lists(CONTACTS, min_size=1, max_size=4),
    expires=st.dates(dt.date(2000, 1, 1), dt.date(9999, 12, 31)),
    languages=st.lists(st.from_regex(r"\A[a-z]{2,3}(-[A-Z]{2})?\Z"), max_size=3),
)
def test_any_valid_cvd_renders_a_valid_file(
    pump: ProductSecurityProfile, contacts: list[str], expires: dt.date, languages: list[str]
) -> None:
    cvd = Cvd(contacts=contacts, expires=expires, preferred_languages=languages)
    profile = pump.model_copy(update={"recovery": Recovery(cvd=cvd)})
    text = render_security_txt(profile)
    assert validate_security_txt(text) == []
    fields, _ = parse_security_txt(text)
    assert [f.value for f in fields if f.name == "Contact"] == contacts
    assert [f.value for f in fields if f.name == "Expires"] == [f"{expires}T23:59:59Z"]
