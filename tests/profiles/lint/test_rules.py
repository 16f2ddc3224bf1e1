"""Each lint rule, specified by a variant of the compliant fixture that breaks exactly it.

Every row takes ``fixtures/compliant.yaml`` (which meets every rule, and to which every
rule applies), applies a few edits, and states which rule must fire and at which
path of the document. No other rule may fire, unless the row names it in ``also``.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from ruamel.yaml import YAML

from medsec.profiles.lint import RULES, LintReport, Principle

Edit = Callable[[Any], None]


def _parent(doc: Any, path: tuple[str | int, ...]) -> Any:
    node = doc
    for key in path[:-1]:
        node = node[key]
    return node


def drop(*path: str | int) -> Edit:
    """Remove the key or list item at ``path``."""

    def edit(doc: Any) -> None:
        del _parent(doc, path)[path[-1]]

    return edit


def put(*path: str | int, value: Any) -> Edit:
    """Set the key or list item at ``path`` to ``value``."""

    def edit(doc: Any) -> None:
        _parent(doc, path)[path[-1]] = value

    return edit


@dataclass(frozen=True)
class Case:
    rule: str
    edits: list[Edit]
    path: str
    also: frozenset[str] = field(default_factory=frozenset)
    name: str = ""


@functools.cache
def _round_trip(text: str) -> Any:
    return YAML(typ="rt").load(text)


def variant(text: str, edits: list[Edit]) -> str:
    """``text`` with ``edits`` applied, keeping its layout and comments."""
    yaml = YAML(typ="rt")
    doc = copy.deepcopy(_round_trip(text))
    for edit in edits:
        edit(doc)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


# Indexes refer to fixtures/compliant.yaml: services 0 link (outbound, tls), 1 service-web
# (inbound, optional), 2 ntp (outbound, cleartext with a compensating control);
# flows 0 vitals-out (PHI), 1 settings-in (high-sensitivity configuration).
CASES = [
    # 1 — segmenting networks
    Case(
        "PSP-NET-001",
        [drop("network", "services", 1, "expected_client")],
        "network.services[1].expected_client",
        name="inbound without client",
    ),
    Case(
        "PSP-NET-001",
        [drop("network", "services", 0, "server")],
        "network.services[0].server",
        name="outbound without server",
    ),
    Case("PSP-NET-002", [drop("network", "services", 0, "reason")], "network.services[0].reason"),
    Case(
        "PSP-NET-003", [drop("network", "remote_access")], "network.remote_access", name="missing"
    ),
    Case(
        "PSP-NET-003",
        [drop("network", "remote_access", "methods")],
        "network.remote_access.methods",
        name="neither methods nor none",
    ),
    Case(
        "PSP-NET-004",
        [drop("network", "services", 1, "authentication")],
        "network.services[1].authentication",
        name="authentication",
    ),
    Case(
        "PSP-NET-004",
        [drop("network", "services", 1, "encryption")],
        "network.services[1].encryption",
        name="encryption",
    ),
    Case(
        "PSP-NET-005",
        [drop("network", "remote_access", "methods", 0, "customer_controls")],
        "network.remote_access.methods[0].customer_controls",
    ),
    Case(
        "PSP-NET-006",
        [drop("network", "interfaces", 0, "can_be_disabled")],
        "network.interfaces[0].can_be_disabled",
    ),
    Case(
        "PSP-NET-007",
        [drop("network", "services", 0, "can_be_disabled")],
        "network.services[0].can_be_disabled",
    ),
    Case(
        "PSP-NET-008",
        [drop("network", "services", 0, "encryption")],
        "network.services[0].encryption",
    ),
    Case(
        "PSP-NET-009",
        [put("network", "services", 1, "authentication", value="none")],
        "network.services[1].compensating_controls",
    ),
    Case(
        "PSP-NET-010",
        [
            put("network", "interfaces", value=[]),
            put("network", "services", value=[]),
            drop("data", "flows"),
        ],
        "network.interfaces",
    ),
    Case("PSP-NET-011", [drop("network", "deployment")], "network.deployment"),
    Case("PSP-NET-012", [drop("network", "wireless")], "network.wireless"),
    # 2 — data types and flows
    Case(
        "PSP-DATA-001",
        [drop("data", "flows", 0, "integrity")],
        "data.flows[0].integrity",
        name="integrity",
    ),
    Case(
        "PSP-DATA-001",
        [drop("data", "flows", 0, "encryption"), drop("network", "services", 0, "encryption")],
        "data.flows[0].encryption",
        also=frozenset({"PSP-NET-008"}),
        name="encryption",
    ),
    Case(
        "PSP-DATA-002",
        [put("data", "flows", 0, "encryption", value="none")],
        "data.flows[0].encryption",
        name="over a service without controls",
    ),
    Case(
        "PSP-DATA-002",
        [put("data", "flows", 0, "encryption", value="none"), drop("data", "flows", 0, "service")],
        "data.flows[0].service",
        name="without a service",
    ),
    Case(
        "PSP-DATA-003",
        [put("data", "categories", value=[]), drop("data", "flows"), drop("data", "storage")],
        "data.categories",
        also=frozenset({"PSP-DATA-004"}),
    ),  # no categories → no flows
    Case("PSP-DATA-004", [drop("data", "flows")], "data.flows"),
    Case(
        "PSP-DATA-005",
        [put("data", "storage", 0, "encrypted_at_rest", value=False)],
        "data.storage[0].encrypted_at_rest",
    ),
    Case(
        "PSP-DATA-006",
        [put("data", "extra_network_functions", 0, "enabled_by_default", value=True)],
        "data.extra_network_functions[0].enabled_by_default",
    ),
    Case(
        "PSP-DATA-007",
        [drop("data", "extra_network_functions", 0, "can_be_disabled")],
        "data.extra_network_functions[0].can_be_disabled",
    ),
    Case("PSP-DATA-008", [drop("data", "flows", 1, "integrity")], "data.flows[1].integrity"),
    Case("PSP-DATA-009", [drop("data", "flows", 0, "timeliness")], "data.flows[0].timeliness"),
    # 3 — monitoring
    Case(
        "PSP-MON-001",
        [drop("monitoring", "events", 0, "recommended_action")],
        "monitoring.events[0].recommended_action",
        name="action",
    ),
    Case(
        "PSP-MON-001",
        [drop("monitoring", "events", 1, "meaning")],
        "monitoring.events[1].meaning",
        name="meaning",
    ),
    Case("PSP-MON-002", [put("monitoring", "events", value=[])], "monitoring.events"),
    Case("PSP-MON-003", [drop("monitoring", "sbom")], "monitoring.sbom", name="missing"),
    Case(
        "PSP-MON-003",
        [drop("monitoring", "sbom", "url")],
        "monitoring.sbom.url",
        name="nowhere to get it",
    ),
    Case("PSP-MON-004", [put("monitoring", "log_transport", value=[])], "monitoring.log_transport"),
    Case(
        "PSP-MON-005",
        [put("monitoring", "log_transport", 0, "protocol", value="syslog-rfc5424-udp")],
        "monitoring.log_transport[0].protocol",
    ),
    Case(
        "PSP-MON-006", [drop("monitoring", "identity_reporting")], "monitoring.identity_reporting"
    ),
    Case(
        "PSP-MON-007",
        [put("monitoring", "events", 0, "category", value="security")],
        "monitoring.events",
    ),
    Case("PSP-MON-008", [drop("product", "cpe")], "product.cpe"),
    # 4 — user management
    Case(
        "PSP-USR-001",
        [put("users", "default_password", "change_enforced", value=False)],
        "users.default_password.change_enforced",
    ),
    Case("PSP-USR-002", [drop("users", "default_password")], "users.default_password"),
    Case("PSP-USR-003", [drop("users", "password_policy")], "users.password_policy"),
    Case(
        "PSP-USR-004",
        [put("users", "password_policy", "min_length", value=6)],
        "users.password_policy.min_length",
    ),
    Case(
        "PSP-USR-005",
        [put("users", "password_policy", "blocklist", value=False)],
        "users.password_policy.blocklist",
        name="no blocklist",
    ),
    Case(
        "PSP-USR-005",
        [put("users", "password_policy", "max_age_days", value=90)],
        "users.password_policy.max_age_days",
        name="periodic expiry",
    ),
    Case(
        "PSP-USR-005",
        [
            put("users", "password_policy", "min_length", value=12),
            put("users", "mfa", "supported", value=False),
            drop("users", "mfa", "required_for"),
        ],
        "users.password_policy.min_length",
        name="single factor under 15",
    ),
    Case(
        "PSP-USR-006",
        [put("users", "reset", "logged", value=False)],
        "users.reset.logged",
        name="not logged",
    ),
    Case(
        "PSP-USR-006",
        [put("users", "reset", "wipes", value=["phi"])],
        "users.reset.wipes",
        name="keeps keys",
    ),
    Case(
        "PSP-USR-006",
        [drop("users", "reset", "safe_operation")],
        "users.reset.safe_operation",
        name="safety unstated",
    ),
    Case("PSP-USR-006", [drop("users", "reset")], "users.reset", name="missing"),
    Case("PSP-USR-007", [drop("users", "configuration_backup")], "users.configuration_backup"),
    Case(
        "PSP-USR-008", [drop("users", "returned_device_privacy")], "users.returned_device_privacy"
    ),
    Case("PSP-USR-009", [drop("users", "mfa")], "users.mfa"),
    Case(
        "PSP-USR-010",
        [put("users", "roles", value=[]), drop("users", "mfa", "required_for")],
        "users.roles",
    ),
    Case("PSP-USR-011", [drop("users", "administration")], "users.administration"),
    Case("PSP-USR-012", [drop("users", "audit")], "users.audit"),
    # 5 — hardening
    Case("PSP-HARD-001", [drop("hardening", "secure_by_default")], "hardening.secure_by_default"),
    Case(
        "PSP-HARD-002",
        [drop("hardening", "measures", 0, "functional_impact")],
        "hardening.measures[0].functional_impact",
        name="impact",
    ),
    Case(
        "PSP-HARD-002",
        [drop("hardening", "measures", 0, "risk_if_not_applied")],
        "hardening.measures[0].risk_if_not_applied",
        name="risk",
    ),
    Case("PSP-HARD-003", [put("hardening", "measures", value=[])], "hardening.measures"),
    Case(
        "PSP-HARD-004",
        [drop("hardening", "measures", 0, "reversible")],
        "hardening.measures[0].reversible",
    ),
    Case(
        "PSP-HARD-005",
        [drop("hardening", "endpoint_protection", 0, "configuration")],
        "hardening.endpoint_protection[0].configuration",
    ),
    Case(
        "PSP-HARD-006",
        [put("network", "services", 1, "enabled_by_default", value=True)],
        "network.services[1].enabled_by_default",
    ),
    # 6 — updating
    Case(
        "PSP-UPD-001",
        [drop("updates", "priority_scale", 0, "expected_action")],
        "updates.priority_scale[0].expected_action",
        name="level unexplained",
    ),
    Case(
        "PSP-UPD-001",
        [put("updates", "priority_scale", value=[])],
        "updates.priority_scale",
        name="no scale",
    ),
    Case(
        "PSP-UPD-002",
        [drop("updates", "lifecycle", "end_of_support"), drop("updates", "lifecycle", "plan")],
        "updates.lifecycle.end_of_support",
    ),
    Case("PSP-UPD-003", [put("updates", "channels", value=[])], "updates.channels"),
    Case("PSP-UPD-004", [drop("updates", "procedure")], "updates.procedure"),
    Case(
        "PSP-UPD-005", [drop("updates", "third_party_monitoring")], "updates.third_party_monitoring"
    ),
    Case(
        "PSP-UPD-006",
        [
            drop("updates", "lifecycle", "end_of_sale"),
            put("updates", "lifecycle", "end_of_support", value=dt.date(2025, 12, 31)),
        ],
        "updates.lifecycle.end_of_support",
    ),
    Case("PSP-UPD-007", [drop("updates", "validated_patches")], "updates.validated_patches"),
    Case("PSP-UPD-008", [drop("updates", "preparation")], "updates.preparation"),
    # 7 — recovery and escalation
    Case("PSP-REC-001", [drop("recovery", "cvd")], "recovery.cvd", name="missing"),
    Case(
        "PSP-REC-001",
        [drop("recovery", "cvd", "encryption"), drop("recovery", "cvd", "contacts", 1)],
        "recovery.cvd.encryption",
        name="no secure channel",
    ),
    Case(
        "PSP-REC-002",
        [put("recovery", "support_contacts", value=[])],
        "recovery.support_contacts",
        name="none",
    ),
    Case(
        "PSP-REC-002",
        [drop("recovery", "support_contacts", 0, "email")],
        "recovery.support_contacts[0]",
        name="unreachable",
    ),
    Case(
        "PSP-REC-003",
        [put("recovery", "incident_information", value=[])],
        "recovery.incident_information",
    ),
    Case(
        "PSP-REC-004",
        [put("recovery", "cvd", "expires", value=dt.date(2025, 12, 31))],
        "recovery.cvd.expires",
        name="expired",
    ),
    Case(
        "PSP-REC-004", [drop("recovery", "cvd", "expires")], "recovery.cvd.expires", name="missing"
    ),
    Case("PSP-REC-005", [drop("recovery", "cvd", "policy")], "recovery.cvd.policy"),
    Case("PSP-REC-006", [drop("recovery", "recovery_procedure")], "recovery.recovery_procedure"),
    Case(
        "PSP-REC-007",
        [put("recovery", "advisory_channels", value=[])],
        "recovery.advisory_channels",
    ),
    Case(
        "PSP-REC-008",
        [put("recovery", "cvd", "contacts", 0, value="psirt@example.com")],
        "recovery.cvd.contacts[0]",
        name="bare e-mail address",
    ),
    Case(
        "PSP-REC-008",
        [
            put("recovery", "cvd", "contacts", 1, value="http://example.com/report"),
            drop("recovery", "cvd", "encryption"),
        ],
        "recovery.cvd.contacts[1]",
        also=frozenset({"PSP-REC-001"}),
        name="plain http",
    ),
    Case("PSP-REC-009", [drop("recovery", "sla")], "recovery.sla"),
    Case(
        "PSP-REC-010",
        [drop("recovery", "cvd", "acknowledge_within_days")],
        "recovery.cvd.acknowledge_within_days",
    ),
]


def _id(case: Case) -> str:
    return f"{case.rule} {case.name}".strip()


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_variant_fails_exactly_its_rule(
    case: Case, compliant_text: str, lint_text: Callable[[str], LintReport]
) -> None:
    text = variant(compliant_text, case.edits)
    report = lint_text(text)
    fired = {f.rule for f in report.findings}
    assert fired == {case.rule} | case.also
    own = [f for f in report.findings if f.rule == case.rule]
    assert case.path in [f.location.path for f in own]
    for finding in own:
        assert finding.severity is RULES[case.rule].severity
        assert finding.principle is RULES[case.rule].principle
        assert finding.location.file == "variant.yaml"
        assert finding.location.line > 1, "found a real place in the file, not the fallback 1:1"
        assert finding.message


def test_every_rule_has_a_failing_variant() -> None:
    assert set(RULES) == {case.rule for case in CASES}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_compliant_fixture_meets_rule(rule_id: str, compliant_report: LintReport) -> None:
    assert [str(f) for f in compliant_report.findings if f.rule == rule_id] == []


def test_every_rule_applies_to_the_compliant_fixture(compliant_report: LintReport) -> None:
    report = compliant_report
    per_principle = {p: sum(1 for r in RULES.values() if r.principle is p) for p in Principle}
    assert {c.principle: c.applicable for c in report.coverage} == per_principle
    assert all(c.satisfied == c.applicable and c.score == 1.0 for c in report.coverage)


def test_a_finding_points_at_the_key_it_names(
    compliant_text: str, lint_text: Callable[[str], LintReport]
) -> None:
    text = variant(
        compliant_text, [put("users", "default_password", "change_enforced", value=False)]
    )
    (finding,) = lint_text(text).findings
    line = text.splitlines()[finding.location.line - 1]
    assert line[finding.location.column - 1 :].startswith("change_enforced: false")


def test_a_missing_key_is_reported_at_its_parent(
    compliant_text: str, lint_text: Callable[[str], LintReport]
) -> None:
    text = variant(compliant_text, [drop("network", "services", 0, "reason")])
    (finding,) = lint_text(text).findings
    line = text.splitlines()[finding.location.line - 1]
    assert finding.location.path == "network.services[0].reason"
    assert line.strip() == "- id: link"


def test_coverage_counts_an_unsatisfied_rule_once(
    compliant_text: str, lint_text: Callable[[str], LintReport]
) -> None:
    # Two listening-service gaps in one rule: two findings, one unsatisfied rule.
    text = variant(
        compliant_text,
        [
            drop("network", "services", 1, "authentication"),
            drop("network", "services", 1, "encryption"),
        ],
    )
    report = lint_text(text)
    assert [f.rule for f in report.findings] == ["PSP-NET-004", "PSP-NET-004"]
    network = report.coverage[0]
    assert network.satisfied == network.applicable - 1


def test_a_rule_that_does_not_apply_is_not_counted(
    compliant_text: str, lint_text: Callable[[str], LintReport]
) -> None:
    # Without remote access methods, "methods state customer controls" has nothing to check.
    text = variant(
        compliant_text,
        [
            drop("network", "remote_access", "methods"),
            put("network", "remote_access", "none", value=True),
        ],
    )
    report = lint_text(text)
    assert report.findings == ()
    network = report.coverage[0]
    assert (
        network.applicable == sum(1 for r in RULES.values() if r.principle is Principle.NETWORK) - 1
    )
    assert network.score == 1.0
