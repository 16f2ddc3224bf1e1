"""SIEM exports of a profile's event catalog: Sigma rules that pySigma loads, validates and
converts (Splunk backend), Wazuh decoder and rules that are well-formed and consistent,
and the CEF/LEEF mapping with the spec's escaping."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from defusedxml.ElementTree import fromstring
from hypothesis import given, settings
from hypothesis import strategies as st
from sigma.backends.splunk import SplunkBackend

from medsec.errors import Error
from medsec.monitoring.catalog import ProductRef
from medsec.monitoring.enrich import EnrichedEvent, Uncatalogued
from medsec.monitoring.exports import cef, samples, sigma, wazuh
from medsec.monitoring.interfaces import Asset
from medsec.monitoring.syslog.parser import read_message
from medsec.profiles.loader import load_profile, load_profile_text

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
PUMP = Path(__file__).resolve().parents[2] / "examples" / "infusion-pump.yaml"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_sigma_rules_load_validate_and_convert_to_splunk(example: Path) -> None:
    profile = load_profile(example)
    files = sigma.rules(profile)
    assert len(files) == len(profile.monitoring.events)
    collection = sigma.validate([f.text for f in files])
    queries = SplunkBackend().convert(collection)
    assert len(queries) == len(files)
    for event, query in zip(profile.monitoring.events, queries, strict=True):
        assert f'msgid="{event.id}"' in query


def test_a_sigma_rule_reads_as_the_catalog_says() -> None:
    profile = load_profile(PUMP)
    rule = yaml.safe_load(sigma.rules(profile)[-1].text)
    assert rule["logsource"] == {
        "product": "northwind-infusion-systems-northwind-lvp-3000", "service": "syslog",
    }  # fmt: skip
    assert rule["detection"] == {
        "selection_msgid": {"msgid": "CONFIG-CHANGED"},
        "selection_match_rule": {"app_name": "pumpd", "msg|re": "configuration (changed|updated)"},
        "condition": "selection_msgid or selection_match_rule",
    }
    assert rule["level"] == "low"
    assert "Compare with the change record." in rule["description"]


def test_sigma_rule_ids_are_stable_across_exports() -> None:
    first = [yaml.safe_load(f.text)["id"] for f in sigma.rules(load_profile(PUMP))]
    again = [yaml.safe_load(f.text)["id"] for f in sigma.rules(load_profile(PUMP))]
    assert first == again and len(set(first)) == len(first)


@pytest.mark.parametrize(
    ("severity", "level"),
    [(0, "critical"), (1, "critical"), (2, "critical"), (3, "high"), (4, "medium"),
     (5, "low"), (6, "informational"), (7, "informational")],
)  # fmt: skip
def test_sigma_level_from_severity(severity: int, level: str) -> None:
    assert sigma.level(severity) == level


def test_pysigma_validation_failures_are_reported() -> None:
    bad = "title: t\nlogsource: {product: p}\ndetection: {sel: {a: 1}, condition: sel}\n"
    with pytest.raises(Error, match="IdentifierExistenceIssue"):
        sigma.validate([bad])


# --------------------------------------------------------------------------- Wazuh


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_wazuh_files_are_well_formed_and_consistent(example: Path) -> None:
    profile = load_profile(example)
    files = wazuh.export(profile)
    rules = fromstring(f"<r>{files.rules}</r>")
    ids = [int(r.get("id")) for r in rules.iter("rule")]
    assert ids == list(range(wazuh.DEFAULT_RULE_BASE, wazuh.DEFAULT_RULE_BASE + len(ids)))
    by_msgid = {r.findtext("field[@name='msgid']"): r for r in rules.iter("rule")}
    for event in profile.monitoring.events:
        rule = by_msgid[f"^{wazuh._pcre_literal(event.id)}$"]
        assert rule.get("level") == str(wazuh.LEVELS[event.severity])


def test_wazuh_regexes_are_escaped_in_xml() -> None:
    profile = load_profile_text(
        "psp_version: 1\nproduct: {manufacturer: {name: M}, name: P, version: '1'}\n"
        "monitoring:\n  events:\n    - {id: E, severity: 3, category: system, description: d,\n"
        "       match: {regex: '<a> & (b)'}}\n"
    )
    rules = fromstring(f"<r>{wazuh.rules(profile)}</r>")
    assert [r.findtext("regex") for r in rules.iter("rule")] == [None, None, "<a> & (b)"]


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ('<rule id="100100" level="3"><if_sid>100099</if_sid><description>d</description>'
         "</rule>", "if_sid 100099 is not an earlier rule"),
        ('<rule id="5" level="3"><description>d</description></rule>', "outside the local"),
        ('<rule id="100100" level="16"><description>d</description></rule>', "not in 0–15"),
        ('<rule id="100100" level="1"><decoded_as>x</decoded_as><description>d</description>'
         "</rule>", "unknown decoder x"),
        ('<rule id="100100" level="1"><description>d</description></rule>'
         '<rule id="100100" level="1"><description>d</description></rule>', "used twice"),
        ("<rule", "not well-formed"),
    ],
)  # fmt: skip
def test_the_wazuh_check_finds_inconsistencies(rules: str, problem: str) -> None:
    with pytest.raises(Error, match=problem):
        wazuh.check(wazuh.WazuhFiles(wazuh.decoders(), rules))


def test_wazuh_rule_ids_must_fit_the_local_range() -> None:
    with pytest.raises(Error, match="outside Wazuh's local range"):
        wazuh.rules(load_profile(PUMP), rule_base=119999)


# --------------------------------------------------------------------------- CEF / LEEF


@pytest.mark.parametrize(
    ("value", "header", "extension"),
    [
        ("plain", "plain", "plain"),
        ("a|b", "a\\|b", "a|b"),
        ("C:\\x", "C:\\\\x", "C:\\\\x"),
        ("k=v", "k=v", "k\\=v"),
        ("one\ntwo\r\nthree", "one two three", "one\\ntwo\\r\\nthree"),
        ("\\|=", "\\\\\\|=", "\\\\|\\="),
    ],
)
def test_cef_escaping(value: str, header: str, extension: str) -> None:
    assert cef.header_escape(value) == header
    assert cef.extension_escape(value) == extension


def _event(**extra: object) -> EnrichedEvent:
    message = read_message(
        b'<36>1 2026-03-02T10:00:00Z LVP-3000 pumpd 812 AUTH-FAIL [nw@1 serial="NW1"] '
        b"login failed for user=tech\nsecond line",
        source="10.20.1.7",
    )
    fields: dict[str, object] = {
        "message": message, "status": "catalogued",
        "asset": Asset("icu|7", "LVP 3000", "4.2", serial="NW1"), "attributed_by": "serial",
        "product": ProductRef("North|wind", "LVP 3000", "4.2"), "event_id": "AUTH-FAIL",
        "severity": 4, "category": "authentication", "description": "Login failed",
        "meaning": "a=b", "recommended_action": "Check\\ who",
    }  # fmt: skip
    return EnrichedEvent(**{**fields, **extra})  # type: ignore[arg-type]


def test_cef_record() -> None:
    record = cef.cef(_event())
    stamp = int(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC).timestamp() * 1000)
    assert record == (
        "CEF:0|North\\|wind|LVP 3000|4.2|AUTH-FAIL|Login failed|5|"
        f"rt={stamp} dvchost=LVP-3000 dvc=10.20.1.7 deviceProcessName=pumpd dvcpid=812 "
        "cat=authentication deviceExternalId=NW1 cs3Label=asset cs3=icu|7 cs1Label=meaning "
        "cs1=a\\=b cs2Label=recommended action cs2=Check\\\\ who cs4Label=syslog MSGID "
        "cs4=AUTH-FAIL msg=login failed for user\\=tech\\nsecond line"
    )


def test_cef_record_of_an_uncatalogued_message() -> None:
    event = _event(
        status="uncatalogued", event_id=None, severity=None, category=None, meaning=None,
        recommended_action=None, reason=Uncatalogued.NO_EVENT, reason_text="no event",
    )  # fmt: skip
    record = cef.cef(event)
    assert record.startswith(
        "CEF:0|North\\|wind|LVP 3000|4.2|medsec:uncatalogued|Uncatalogued message (no-event)|5|"
    )
    assert "cs5Label=uncatalogued reason cs5=no event" in record


def test_leef_record() -> None:
    record = cef.leef(_event())
    head, body = record.split("|x09|")
    assert head == "LEEF:2.0|North\\|wind|LVP 3000|4.2|AUTH-FAIL"
    attrs = dict(a.split("=", 1) for a in body.split("\t"))
    assert attrs["sev"] == "5" and attrs["src"] == "10.20.1.7"
    assert attrs["msg"] == "login failed for user\\=tech\\nsecond line"


def test_cef_mapping_lists_every_event() -> None:
    profile = load_profile(PUMP)
    mapping = cef.mapping(profile)
    assert [e["id"] for e in mapping["events"]] == [e.id for e in profile.monitoring.events]
    assert mapping["events"][0]["cef_header"] == (
        "CEF:0|Northwind Infusion Systems|Northwind LVP 3000|4.2.1|AUTH-FAIL|"
        "A service login failed.|5|"
    )
    assert mapping["cef"]["severity_map"] == {
        "0": 10, "1": 9, "2": 8, "3": 7, "4": 5, "5": 3, "6": 1, "7": 0,
    }  # fmt: skip


def test_samples_keep_rfc5424_samples_and_build_the_others() -> None:
    found = samples.samples(load_profile(PUMP))
    assert found[0].synthetic is False and found[0].line.startswith("<36>1 2026-03-02T10:00:00Z")
    assert found[1].line == (
        "<131>1 2026-03-02T00:00:00.000000Z northwind-lvp-3000 northwind-lvp-3000 - "
        "AUTH-LOCKOUT - The service account was locked after repeated failures."
    )


def _cef_split(record: str) -> tuple[list[str], dict[str, str]]:
    """Read a CEF record back (written from the CEF spec, independently of the code under
    test): seven header fields split on unescaped ``|``, then ``key=value`` pairs whose
    values run to the next unescaped ``=``'s key."""
    fields, field, i = [], "", 0
    while len(fields) < 7:
        c = record[i]
        if c == "\\":
            field += record[i + 1]
            i += 2
            continue
        if c == "|":
            fields.append(field)
            field = ""
        else:
            field += c
        i += 1
    extension = record[i:]
    pairs: dict[str, str] = {}
    for match in re.finditer(r"(\w+)=((?:\\.|[^\\=])*?)(?= \w+=|$)", extension):
        value = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), match[2])
        pairs[match[1]] = value
    return fields, pairs


cef_text = st.text(
    st.one_of(st.sampled_from(list("|\\=\n\r ")), st.characters(exclude_categories=["Cs"])),
    min_size=1, max_size=20,
).filter(lambda s: s.strip() == s and "\r\n" not in s)  # fmt: skip


@settings(deadline=None)  # no timed assertions: the machine is shared
@given(vendor=cef_text, description=cef_text, meaning=cef_text, text=cef_text)
def test_cef_records_read_back_to_their_values(
    vendor: str, description: str, meaning: str, text: str
) -> None:
    message = read_message(f"<36>1 - host app - ID - {text}".encode())
    event = EnrichedEvent(
        message, "catalogued", product=ProductRef(vendor, "P", "1"), event_id="ID",
        severity=3, category="system", description=description, meaning=meaning,
    )  # fmt: skip
    fields, pairs = _cef_split(cef.cef(event))
    flat = {"\n": " ", "\r": " "}
    assert fields[:7] == [
        "CEF:0", vendor.translate(str.maketrans(flat)), "P", "1", "ID",
        description.translate(str.maketrans(flat)), "7",
    ]  # fmt: skip
    assert pairs["cs1"] == meaning
    assert pairs["msg"] == message.msg
