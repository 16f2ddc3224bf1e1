"""The instance's security.txt is valid RFC 9116, as read by an independent parser
(``sectxt``, the validator behind internet.nl) and by our own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sectxt

from medsec.disclosure.securitytxt import instance_security_txt
from medsec.documents.securitytxt import SecurityTxtError, parse_security_txt, validate_security_txt
from medsec.settings import Settings

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def settings(**values: object) -> Settings:
    return Settings(data_dir=Path("/tmp/medsec-sectxt"), **values)  # type: ignore[arg-type]


FULL = settings(
    base_url="https://medsec.example.org",
    disclosure_contacts=["mailto:psirt@example.org", "https://example.org/report"],
    disclosure_encryption="https://example.org/psirt.asc",
    disclosure_policy="https://example.org/cvd-policy",
    disclosure_languages=["en", "de"],
)


@pytest.mark.parametrize(
    "config", [FULL, settings(base_url="https://medsec.example.org")], ids=["full", "defaults"]
)
def test_sectxt_finds_no_error(config: Settings) -> None:
    text = instance_security_txt(config, NOW)
    parser = sectxt.Parser(
        text.encode(), urls="https://medsec.example.org/.well-known/security.txt"
    )
    assert parser.errors == []
    assert parser.is_valid()
    assert validate_security_txt(text, now=NOW) == []


def test_fields_come_from_the_settings() -> None:
    fields = {(f.name, f.value) for f in parse_security_txt(instance_security_txt(FULL, NOW))[0]}
    assert fields == {
        ("Contact", "mailto:psirt@example.org"),
        ("Contact", "https://example.org/report"),
        ("Expires", "2027-06-01T12:00:00Z"),
        ("Encryption", "https://example.org/psirt.asc"),
        ("Policy", "https://example.org/cvd-policy"),
        ("Preferred-Languages", "en, de"),
        ("Canonical", "https://medsec.example.org/.well-known/security.txt"),
    }


def test_the_default_contact_is_the_report_form() -> None:
    text = instance_security_txt(settings(base_url="https://m.example.org/"), NOW)
    assert "Contact: https://m.example.org/disclosure\r\n" in text


def test_expires_is_always_within_a_year() -> None:
    longest = settings(base_url="https://m.example.org", disclosure_expires_days=365)
    value = next(
        f.value
        for f in parse_security_txt(instance_security_txt(longest, NOW))[0]
        if f.name == "Expires"
    )
    assert dt.datetime.fromisoformat(value) - NOW <= dt.timedelta(days=365)
    with pytest.raises(ValueError, match="less than or equal to 365"):
        settings(disclosure_expires_days=400)


@pytest.mark.parametrize(
    ("config", "why"),
    [
        (settings(base_url="http://m.example.org"), "not https"),
        (
            settings(base_url="https://m.example.org", disclosure_contacts=["psirt@example.org"]),
            "not a URI",
        ),
        (
            settings(base_url="https://m.example.org", disclosure_policy="http://example.org/p"),
            "must begin with https",
        ),
    ],
)
def test_settings_that_cannot_make_a_valid_file_are_refused(config: Settings, why: str) -> None:
    with pytest.raises(SecurityTxtError, match=why):
        instance_security_txt(config, NOW)


def test_an_http_development_instance_with_contacts_leaves_canonical_out() -> None:
    config = settings(
        base_url="http://127.0.0.1:8000", disclosure_contacts=["mailto:a@example.org"]
    )
    text = instance_security_txt(config, NOW)
    assert "Canonical" not in text
    assert sectxt.Parser(text.encode()).is_valid()
