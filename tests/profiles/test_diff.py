"""``medsec.profiles.diff``: what changed between two profile versions, for a customer."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from medsec.cli.profile_render import diff_command
from medsec.profiles.diff import Change, ChangeKind, Severity, diff_profiles
from medsec.profiles.loader import ParsedDocument, SourceMap, build_profile, parse_document
from medsec.profiles.psp import ProductSecurityProfile

K = ChangeKind
BREAKING, ATTENTION, INFO = Severity.BREAKING, Severity.ATTENTION, Severity.INFO

PUMP = Path(__file__).resolve().parents[2] / "examples" / "infusion-pump.yaml"
DATA: dict[str, Any] = parse_document(PUMP.read_text("utf-8"), str(PUMP)).data

Edit = Callable[[dict[str, Any]], None]


def _walk(data: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container holding ``path``'s last step, and that step."""
    steps: list[str | int] = [
        int(index) if index else key for key, index in re.findall(r"(\w+)|\[(\d+)\]", path)
    ]
    node: Any = data
    for step in steps[:-1]:
        node = node[step]
    return node, steps[-1]


def put(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        node, last = _walk(data, path)
        node[last] = value

    return edit


def drop(path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        node, last = _walk(data, path)
        del node[last]

    return edit


def append(path: str, item: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        node, last = _walk(data, path)
        node[last].append(item)

    return edit


def both(*edits: Edit) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for one in edits:
            one(data)

    return edit


def profile(edit: Edit | None = None) -> ProductSecurityProfile:
    """The infusion-pump example after ``edit``, validated and cross-checked like a file."""
    data = copy.deepcopy(DATA)
    if edit is not None:
        edit(data)
    return build_profile(ParsedDocument(data, SourceMap("edited.yaml")))


SSH = {
    "id": "ssh",
    "name": "ssh",
    "description": "Service shell.",
    "protocol": "tcp",
    "interface": "eth-service",
    "direction": "inbound",
    "expected_client": ["biomed-laptop"],
    "default_port": 22,
    "enabled_by_default": False,
}
DICOM = {
    "id": "dicom-out",
    "name": "dicom",
    "description": "Reports to PACS.",
    "protocol": "tcp",
    "interface": "wlan0",
    "direction": "outbound",
    "server": ["pump-server"],
    "default_port": 104,
}
VPN = {"id": "vpn", "description": "Manufacturer VPN", "initiated_by": "manufacturer"}
PSIRT = "mailto:psirt@northwind-infusion.example"


@dataclass(frozen=True)
class Case:
    kind: ChangeKind
    severity: Severity
    path: str
    new: Edit | None  # applied to the example to make the new version
    old: Edit | None = None  # applied to the example to make the old version


CASES = [
    # principle 1: network
    Case(K.SERVICE_ADDED, ATTENTION, "network.services[4]", append("network.services", DICOM)),
    Case(
        K.INBOUND_SERVICE_ADDED, ATTENTION, "network.services[4]", append("network.services", SSH)
    ),
    Case(K.SERVICE_REMOVED, ATTENTION, "network.services[1]", drop("network.services[1]")),
    Case(
        K.PORT_CHANGED,
        BREAKING,
        "network.services[0].default_port",
        put("network.services[0].default_port", 9443),
    ),
    Case(
        K.PORT_RANGE_CHANGED,
        INFO,
        "network.services[0].configurable_range",
        put("network.services[0].configurable_range", {"min": 8000, "max": 9000}),
    ),
    Case(
        K.DIRECTION_CHANGED,
        BREAKING,
        "network.services[2].direction",
        both(
            put("network.services[2].direction", "inbound"),
            put("network.services[2].server", []),
            put("network.services[2].expected_client", ["syslog-collector"]),
        ),
    ),
    Case(
        K.PORT_OPENED,
        ATTENTION,
        "network.services[3].enabled_by_default",
        put("network.services[3].enabled_by_default", True),
    ),
    Case(
        K.PORT_CLOSED,
        INFO,
        "network.services[3].enabled_by_default",
        new=None,
        old=put("network.services[3].enabled_by_default", True),
    ),
    Case(
        K.SERVICE_ENABLED_BY_DEFAULT,
        ATTENTION,
        "network.services[2].enabled_by_default",
        put("network.services[2].enabled_by_default", True),
    ),
    Case(
        K.SERVICE_DISABLED_BY_DEFAULT,
        INFO,
        "network.services[1].enabled_by_default",
        put("network.services[1].enabled_by_default", False),
    ),
    Case(
        K.SERVICE_CANNOT_BE_DISABLED,
        ATTENTION,
        "network.services[0].can_be_disabled",
        put("network.services[0].can_be_disabled", False),
    ),
    Case(
        K.AUTHENTICATION_WEAKENED,
        BREAKING,
        "network.services[0].authentication",
        put("network.services[0].authentication", "none"),
    ),
    Case(
        K.AUTHENTICATION_STRENGTHENED,
        INFO,
        "network.services[1].authentication",
        put("network.services[1].authentication", "NTS (RFC 8915)"),
    ),
    Case(
        K.AUTHENTICATION_CHANGED,
        ATTENTION,
        "network.services[0].authentication",
        put("network.services[0].authentication", "A shared password."),
    ),
    Case(
        K.ENCRYPTION_WEAKENED,
        BREAKING,
        "network.services[0].encryption",
        put("network.services[0].encryption", "none"),
    ),
    Case(
        K.ENCRYPTION_STRENGTHENED,
        INFO,
        "network.services[1].encryption",
        put("network.services[1].encryption", "other"),
    ),
    Case(
        K.ENCRYPTION_CHANGED,
        ATTENTION,
        "network.services[0].encryption",
        put("network.services[0].encryption_detail", "TLS 1.0 or later"),
    ),
    Case(
        K.REMOTE_ACCESS_ADDED,
        ATTENTION,
        "network.remote_access.methods[0]",
        put("network.remote_access", {"methods": [VPN]}),
    ),
    Case(
        K.REMOTE_ACCESS_REMOVED,
        INFO,
        "network.remote_access.methods[0]",
        new=None,
        old=put("network.remote_access", {"methods": [VPN]}),
    ),
    # principle 2: data
    Case(
        K.FLOW_ADDED,
        ATTENTION,
        "data.flows[4]",
        append(
            "data.flows",
            {
                "id": "config-out",
                "source": "device",
                "destination": "pump-server",
                "categories": ["device-config"],
            },
        ),
    ),
    Case(K.FLOW_REMOVED, INFO, "data.flows[3]", drop("data.flows[3]")),
    Case(
        K.FLOW_REDIRECTED,
        ATTENTION,
        "data.flows[3].destination",
        put("data.flows[3].destination", "pump-server"),
    ),
    Case(
        K.FLOW_CATEGORIES_CHANGED,
        ATTENTION,
        "data.flows[1].categories",
        append("data.flows[1].categories", "infusion-orders"),
    ),
    Case(
        K.FLOW_ENCRYPTION_DROPPED,
        BREAKING,
        "data.flows[0].encryption",
        put("data.flows[0].encryption", "none"),
    ),
    Case(
        K.FLOW_ENCRYPTION_ADDED,
        INFO,
        "data.flows[0].encryption",
        new=None,
        old=drop("data.flows[0].encryption"),
    ),
    Case(
        K.PHI_STORED_UNENCRYPTED,
        BREAKING,
        "data.storage[0].encrypted_at_rest",
        put("data.storage[0].encrypted_at_rest", False),
    ),
    Case(
        K.PHI_ENCRYPTED_AT_REST,
        INFO,
        "data.storage[0].encrypted_at_rest",
        new=None,
        old=put("data.storage[0].encrypted_at_rest", False),
    ),
    # principle 3: monitoring
    Case(
        K.EVENT_ADDED,
        INFO,
        "monitoring.events[7]",
        append(
            "monitoring.events",
            {
                "id": "USB-INSERTED",
                "severity": 5,
                "category": "security",
                "description": "USB inserted.",
            },
        ),
    ),
    Case(K.EVENT_REMOVED, BREAKING, "monitoring.events[2]", drop("monitoring.events[2]")),
    Case(
        K.EVENT_SEVERITY_CHANGED,
        ATTENTION,
        "monitoring.events[0].severity",
        put("monitoring.events[0].severity", 2),
    ),
    Case(K.SBOM_ADDED, INFO, "monitoring.sbom", new=None, old=drop("monitoring.sbom")),
    Case(K.SBOM_REMOVED, ATTENTION, "monitoring.sbom", drop("monitoring.sbom")),
    Case(
        K.SBOM_MOVED,
        ATTENTION,
        "monitoring.sbom",
        put("monitoring.sbom.url", "https://example.com/sbom.json"),
    ),
    # principle 4: users
    Case(K.MFA_DROPPED, BREAKING, "users.mfa.supported", put("users.mfa", {"supported": False})),
    Case(
        K.MFA_ADDED,
        INFO,
        "users.mfa.supported",
        new=None,
        old=put("users.mfa", {"supported": False}),
    ),
    Case(
        K.MFA_NO_LONGER_REQUIRED,
        BREAKING,
        "users.mfa.required_for",
        put("users.mfa.required_for", ["biomed"]),
    ),
    Case(
        K.MFA_NOW_REQUIRED,
        INFO,
        "users.mfa.required_for",
        append("users.mfa.required_for", "clinician"),
    ),
    Case(
        K.DEFAULT_PASSWORD_ENFORCEMENT_DROPPED,
        BREAKING,
        "users.default_password.change_enforced",
        put("users.default_password.change_enforced", False),
    ),
    Case(
        K.DEFAULT_PASSWORD_INTRODUCED,
        ATTENTION,
        "users.default_password.exists",
        new=None,
        old=put("users.default_password", {"exists": False}),
    ),
    Case(
        K.DEFAULT_PASSWORD_REMOVED,
        INFO,
        "users.default_password.exists",
        put("users.default_password", {"exists": False}),
    ),
    Case(
        K.PASSWORD_MIN_LENGTH_LOWERED,
        ATTENTION,
        "users.password_policy.min_length",
        put("users.password_policy.min_length", 8),
    ),
    Case(
        K.PASSWORD_MIN_LENGTH_RAISED,
        INFO,
        "users.password_policy.min_length",
        put("users.password_policy.min_length", 15),
    ),
    # principle 6: updates
    Case(
        K.END_OF_SUPPORT_EARLIER,
        BREAKING,
        "updates.lifecycle.end_of_security_updates",
        put("updates.lifecycle.end_of_security_updates", "2032-12-31"),
    ),
    Case(
        K.END_OF_SUPPORT_LATER,
        INFO,
        "updates.lifecycle.end_of_support",
        put("updates.lifecycle.end_of_support", "2036-12-31"),
    ),
    Case(
        K.END_OF_SUPPORT_ANNOUNCED,
        ATTENTION,
        "updates.lifecycle.end_of_support",
        new=None,
        old=drop("updates.lifecycle.end_of_support"),
    ),
    Case(
        K.END_OF_SUPPORT_WITHDRAWN,
        ATTENTION,
        "updates.lifecycle.end_of_support",
        drop("updates.lifecycle.end_of_support"),
    ),
    # principle 7: recovery
    Case(
        K.CVD_CONTACT_CHANGED,
        ATTENTION,
        "recovery.cvd.contacts",
        put("recovery.cvd.contacts", ["mailto:security@northwind-infusion.example"]),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.kind.value for c in CASES])
def test_each_kind_of_change(case: Case) -> None:
    old, new = profile(case.old), profile(case.new)
    changes = diff_profiles(old, new)
    assert [(c.kind, c.severity, c.path) for c in changes] == [
        (case.kind, case.severity, case.path)
    ]
    assert changes[0].message


def test_the_table_covers_every_kind() -> None:
    assert sorted(c.kind for c in CASES) == sorted(ChangeKind)


def test_a_profile_has_no_changes_against_itself() -> None:
    assert diff_profiles(profile(), profile()) == []


def test_messages_name_what_changed() -> None:
    new = profile(put("network.services[0].default_port", 9443))
    [change] = diff_profiles(profile(), new)
    assert change.message == (
        "service 'pump-link' moved from tcp/8443 to tcp/9443; update firewall rules"
    )
    assert str(change) == (
        "breaking: port-changed: network.services[0].default_port: " + change.message
    )


def test_breaking_changes_come_first_then_profile_order() -> None:
    new = profile(
        both(
            append(
                "monitoring.events",
                {"id": "NEW", "severity": 6, "category": "system", "description": "New."},
            ),
            put("users.password_policy.min_length", 8),
            put("data.flows[0].encryption", "none"),
            put("network.services[0].default_port", 9443),
        )
    )
    assert [c.kind for c in diff_profiles(profile(), new)] == [
        K.PORT_CHANGED,
        K.FLOW_ENCRYPTION_DROPPED,
        K.PASSWORD_MIN_LENGTH_LOWERED,
        K.EVENT_ADDED,
    ]


SERVICE_IDS = [s["id"] for s in DATA["network"]["services"]]


@given(st.sets(st.sampled_from(SERVICE_IDS)))
def test_removed_services_are_reported_removed_and_added_in_reverse(gone: set[str]) -> None:
    old = profile()
    # model_copy skips the cross-checks, which would reject flows to a missing service.
    new = old.model_copy(
        update={
            "network": old.network.model_copy(
                update={"services": [s for s in old.network.services if s.id not in gone]}
            )
        }
    )
    forward = diff_profiles(old, new)
    backward = diff_profiles(new, old)
    assert {c.message.split("'")[1] for c in forward} == gone
    assert {c.kind for c in forward} <= {K.SERVICE_REMOVED}
    assert {c.kind for c in backward} <= {K.SERVICE_ADDED, K.INBOUND_SERVICE_ADDED}
    assert len(backward) == len(gone)


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("diff")(diff_command)
    app.command("noop")(lambda: None)  # two commands, so "diff" is a subcommand
    return app


def write(tmp_path: Path, name: str, edit: Edit | None = None) -> Path:
    from ruamel.yaml import YAML

    data = copy.deepcopy(DATA)
    if edit is not None:
        edit(data)
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as f:
        YAML().dump(data, f)
    return path


def test_cli_text_prints_one_line_per_change_and_exits_0(cli: typer.Typer, tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml")
    new = write(
        tmp_path,
        "new.yaml",
        both(put("network.services[0].default_port", 9443), drop("monitoring.events[2]")),
    )
    result = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "breaking: port-changed: network.services[0].default_port: service 'pump-link' moved "
        "from tcp/8443 to tcp/9443; update firewall rules",
        "breaking: event-removed: monitoring.events[2]: event 'LIB-SIG-FAIL' was removed; "
        "SIEM rules matching MSGID LIB-SIG-FAIL will no longer fire",
    ]


def test_cli_json_is_a_list_of_change_objects(cli: typer.Typer, tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml")
    new = write(tmp_path, "new.yaml", put("users.password_policy.min_length", 8))
    result = CliRunner().invoke(cli, ["diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "kind": "password-min-length-lowered",
            "severity": "attention",
            "message": "minimum password length lowered from 12 to 8",
            "path": "users.password_policy.min_length",
        }
    ]


def test_cli_reports_no_changes(cli: typer.Typer, tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml")
    result = CliRunner().invoke(cli, ["diff", str(old), str(old)])
    assert result.exit_code == 0
    assert result.stdout == "no changes that matter to a customer\n"
    json_result = CliRunner().invoke(cli, ["diff", str(old), str(old), "-f", "json"])
    assert json.loads(json_result.stdout) == []


def test_cli_exits_1_when_a_profile_does_not_load(cli: typer.Typer, tmp_path: Path) -> None:
    old = write(tmp_path, "old.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("psp_version: 1\nproduct: 3\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(old), str(broken)])
    assert result.exit_code == 1
    assert f"error: {broken}:2:1: product:" in result.stderr
    missing = CliRunner().invoke(cli, ["diff", str(tmp_path / "nope.yaml"), str(old)])
    assert missing.exit_code == 1
    assert "no such file" in missing.stderr


def test_change_is_immutable() -> None:
    change = Change(K.FLOW_ADDED, ATTENTION, "m", "data.flows[0]")
    with pytest.raises(AttributeError):
        change.message = "x"  # type: ignore[misc]


def test_docstring_examples() -> None:
    import doctest

    import medsec.profiles.diff

    result = doctest.testmod(medsec.profiles.diff)
    assert result.attempted > 0
    assert result.failed == 0
