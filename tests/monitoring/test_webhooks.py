"""Where alert webhooks may post (SSRF guard): https only, http only to loopback when the
setting allows it, no credentials, no private/loopback/link-local/multicast/reserved
address unless MEDSEC_ALERT_WEBHOOK_ALLOW names it, checked afresh at each lookup."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from medsec.monitoring.webhooks import WebhookPolicy, WebhookRefused

ADDRESSES = {
    "hooks.example": ["93.184.216.34"],
    "siem.hospital.internal": ["10.20.4.5"],
    "metadata.example": ["169.254.169.254"],
    "localhost": ["127.0.0.1", "::1"],
    "mixed.example": ["93.184.216.34", "192.168.1.10"],
}


def resolver(host: str, port: int) -> list[str]:
    return ADDRESSES.get(host, [host])  # an IP literal resolves to itself


def policy(allow: str = "", http_loopback: bool = False) -> WebhookPolicy:
    return WebhookPolicy.of(allow, allow_http_loopback=http_loopback, resolver=resolver)


@pytest.mark.parametrize(
    ("url", "allow", "http_loopback", "complaint"),
    [
        ("https://hooks.example/medsec", "", False, None),
        ("https://93.184.216.34:8443/x?y=1", "", False, None),
        ("http://hooks.example/medsec", "", False, "must use https"),
        ("ftp://hooks.example/medsec", "", False, "must use https, not ftp"),
        ("hooks.example/medsec", "", False, "must use https, not no scheme"),
        ("https://user:secret@hooks.example/", "", False, "user name or password"),
        ("https://token@hooks.example/", "", False, "user name or password"),
        ("https:///nohost", "", False, "no host"),
        ("https://siem.hospital.internal/in", "", False, "resolves to 10.20.4.5"),
        ("https://siem.hospital.internal/in", "10.20.0.0/16", False, None),
        ("https://siem.hospital.internal/in", "siem.hospital.internal", False, None),
        ("https://siem.hospital.internal/in", "10.30.0.0/16", False, "resolves to 10.20.4.5"),
        ("https://metadata.example/latest", "", False, "resolves to 169.254.169.254"),
        ("https://169.254.169.254/latest/meta-data", "", False, "169.254.169.254"),
        ("https://100.64.1.1/", "", False, "resolves to 100.64.1.1"),
        ("https://[fe80::1]/", "", False, "resolves to fe80::1"),
        ("https://[fc00::5]/", "", False, "resolves to fc00::5"),
        ("https://[ff02::1]/", "", False, "resolves to ff02::1"),
        ("https://224.0.0.1/", "", False, "resolves to 224.0.0.1"),
        ("https://0.0.0.0/", "", False, "resolves to 0.0.0.0"),
        ("https://[::ffff:10.0.0.1]/", "", False, "resolves to 10.0.0.1"),
        ("https://mixed.example/", "", False, "resolves to 192.168.1.10"),
        ("https://localhost/", "", False, "resolves to 127.0.0.1"),
        ("http://127.0.0.1:8080/hook", "", False, "http only to loopback"),
        ("http://127.0.0.1:8080/hook", "", True, None),
        ("http://localhost:8080/hook", "", True, None),
        ("http://hooks.example/hook", "", True, "http only to loopback"),
        ("http://10.20.4.5/hook", "10.20.0.0/16", True, "http only to loopback"),
    ],
)  # fmt: skip
def test_webhook_urls(url: str, allow: str, http_loopback: bool, complaint: str | None) -> None:
    checked = policy(allow, http_loopback)
    if complaint is None:
        target = checked.target(url)
        assert target.url == url
        return
    with pytest.raises(WebhookRefused, match=re.escape(complaint)) as refused:
        checked.target(url)
    assert refused.value.status == 422 and refused.value.kind == "webhook-refused"


def test_the_request_goes_to_the_checked_address_with_the_name_for_tls_and_host() -> None:
    target = policy().target("https://hooks.example:8443/in?x=1")
    assert target.connect_url() == "https://93.184.216.34:8443/in?x=1"
    assert (target.host, target.host_header()) == ("hooks.example", "hooks.example:8443")
    assert policy().target("https://hooks.example/").host_header() == "hooks.example"
    assert policy().target("https://[2606:4700::1111]/").connect_url().startswith("https://[")


def test_dns_rebinding_is_caught_at_the_next_lookup() -> None:
    """Regression: a name checked once at save time must not be trusted at delivery."""
    answers: Iterator[list[str]] = iter([["93.184.216.34"], ["169.254.169.254"]])
    rebinding = WebhookPolicy.of(resolver=lambda host, port: next(answers))
    rebinding.target("https://hooks.example/")  # saved: public
    with pytest.raises(WebhookRefused, match=re.escape("169.254.169.254")):
        rebinding.target("https://hooks.example/")  # delivery: metadata


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "siem hospital", "http://x/"])
def test_a_bad_allow_entry_is_a_clear_error(entry: str) -> None:
    with pytest.raises(WebhookRefused, match="MEDSEC_ALERT_WEBHOOK_ALLOW"):
        WebhookPolicy.of(entry)


def test_an_unresolvable_host_is_refused_with_its_name() -> None:
    with pytest.raises(WebhookRefused, match="does not resolve"):
        WebhookPolicy.of().target("https://no-such-host.invalid/")
