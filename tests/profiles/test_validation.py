"""What `medsec profile validate` refuses, and exactly where it says the problem is.

Every bad profile below is ``fixtures/minimal.yaml`` (a small valid profile) with one
text edit. Each row states the problem an author must see: its ``LINE:COL``, its path
in the document, and a fragment of the message — the ``FILE:LINE:COL: path: message``
line the CLI prints. One edit makes one problem, so the rows double as a catalogue of
what validation checks (lint, which reports incompleteness, is tested elsewhere).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from medsec.errors import DocumentError, Problem
from medsec.profiles.loader import load_profile_text
from medsec.profiles.psp import ProductSecurityProfile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL_YAML = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
MINIMAL_JSON = (FIXTURES / "minimal.json").read_text(encoding="utf-8")
FILE = "bad.yaml"

#: ``old`` value meaning "replace the whole document with ``new``".
WHOLE = "<whole document>"


@dataclass(frozen=True)
class Bad:
    """One edit of the minimal profile and the one problem it must cause."""

    old: str
    new: str
    at: str  # "LINE:COL" of the problem
    path: str  # JSON-style path of the problem ("" for the document itself)
    message: str  # a fragment of the message


def edited(base: str, old: str, new: str) -> str:
    if old == WHOLE:
        return new
    count = base.count(old)
    assert count == 1, f"the edit must match the fixture exactly once, matched {count}: {old!r}"
    return base.replace(old, new)


def only_problem(text: str, file: str = FILE) -> Problem:
    with pytest.raises(DocumentError) as caught:
        load_profile_text(text, file)
    problems = caught.value.problems
    assert len(problems) == 1, "expected exactly one problem, got:\n" + "\n".join(
        map(str, problems)
    )
    return problems[0]


def assert_reported(problem: Problem, file: str, at: str, path: str, message: str) -> None:
    prefix = f"{file}:{at}: {path}: " if path else f"{file}:{at}: "
    shown = str(problem)
    assert shown.startswith(prefix), f"{shown!r} should start with {prefix!r}"
    assert message in shown[len(prefix) :], f"{shown!r} should say {message!r}"
    assert problem.location.path == path


def case(case_id: str, old: str, new: str, at: str, path: str, message: str) -> object:
    return pytest.param(Bad(old, new, at, path, message), id=case_id)


SERVICE_1_PORT = "      default_port: 443\n"
LIFECYCLE = (
    "    end_of_sale: 2030-12-31\n"
    "    end_of_support: 2033-12-31\n"
    "    end_of_security_updates: 2033-12-31\n"
)
PRODUCT = (
    "product:\n"
    "  manufacturer: {name: Example Medical}\n"
    "  name: Example Monitor\n"
    "  models: [EM-1]\n"
    '  version: "1.0"\n'
    "  release_date: 2026-01-15\n"
)

# Two lines per row (edit; expected place, path and message) read as a table: keep the
# formatter from spreading each row over eight lines.
# fmt: off
BAD_PROFILES = [
    # --- not a profile document at all
    case("yaml-syntax-error", "  name: Example Monitor", "  name: Example: Monitor",
         "7:16", "", "syntax error: mapping values are not allowed here"),
    case("yaml-duplicate-key", "  name: Example Monitor\n",
         "  name: Example Monitor\n  name: Other Monitor\n",
         "8:3", "", 'syntax error: found duplicate key "name"'),
    case("yaml-duplicate-key-in-list-item", "      kind: ethernet\n",
         "      kind: ethernet\n      kind: usb\n",
         "15:7", "", 'syntax error: found duplicate key "kind"'),
    case("empty-document", WHOLE, "", "1:1", "", "found an empty document"),
    case("comments-only", WHOLE, "# nothing yet\n", "1:1", "", "found an empty document"),
    case("top-level-list", WHOLE, "- psp_version: 1\n", "1:1", "",
         "a profile is a mapping with psp_version: 1 (found list)"),
    case("top-level-scalar", WHOLE, "just a sentence\n", "1:1", "", "(found str)"),
    case("psp-version-2", "psp_version: 1", "psp_version: 2", "4:1", "psp_version",
         "psp_version must be 1 (found 2)"),
    case("psp-version-string", "psp_version: 1", 'psp_version: "1"', "4:1", "psp_version",
         "psp_version must be 1 (found '1')"),
    # --- required and unknown keys
    case("missing-product", PRODUCT, "", "1:1", "product", "required key is missing"),
    case("missing-service-description",
         "      description: Vital signs to the central station.\n", "",
         "31:7", "network.services[0].description", "required key is missing"),
    case("unknown-key-with-suggestion", "  models: [EM-1]", "  modle: [EM-1]",
         "8:3", "product.modle", "unknown key 'modle'; did you mean 'models'?"),
    case("unknown-nested-key-with-suggestion", "    supported: true\n",
         "    supported: true\n    supportd: true\n",
         "129:5", "users.mfa.supportd", "unknown key 'supportd'; did you mean 'supported'?"),
    case("unknown-key-lists-valid-keys", "  models: [EM-1]", "  colour: blue",
         "8:3", "product.colour", "unknown key 'colour' (valid keys: manufacturer, name, models"),
    # --- wrong types
    case("string-for-port", SERVICE_1_PORT, "      default_port: https\n",
         "48:7", "network.services[1].default_port", "valid integer"),
    case("float-for-version-string", '  version: "1.0"', "  version: 1.0",
         "9:3", "product.version", "Input should be a valid string (found 1.0)"),
    case("bool-for-list", "  models: [EM-1]", "  models: true",
         "8:3", "product.models", "Input should be a valid list (found True)"),
    case("string-for-list", "privileges: [View vitals]", "privileges: View vitals",
         "123:7", "users.roles[0].privileges", "valid list (found 'View vitals')"),
    case("word-for-bool", "      encrypted_at_rest: true", "      encrypted_at_rest: maybe",
         "99:7", "data.storage[0].encrypted_at_rest", "valid boolean"),
    case("mapping-for-string", "  name: Example Monitor", "  name: {first: Example}",
         "7:3", "product.name", "Input should be a valid string (found dict)"),
    case("word-for-severity", "      severity: 4\n", "      severity: high\n",
         "110:7", "monitoring.events[0].severity", "valid integer"),
    case("identifier-with-space", "    - id: hl7-out", "    - id: hl7 out",
         "31:7", "network.services[0].id", "String should match pattern"),
    case("blank-description", "      description: Vital signs to the central station.",
         '      description: "  "',
         "33:7", "network.services[0].description", "at least 1 character"),
    case("invalid-date-string", "  release_date: 2026-01-15", "  release_date: next tuesday",
         "10:3", "product.release_date", "valid date"),
    case("unknown-protocol", "      protocol: icmp", "      protocol: tcpp",
         "62:7", "network.services[3].protocol", "Input should be 'tcp', 'udp'"),
    case("unknown-direction", "      direction: inbound", "      direction: both",
         "46:7", "network.services[1].direction", "'inbound' or 'outbound' (found 'both')"),
    # --- references to things that are not defined
    case("unknown-interface", "      interface: eth0\n      direction: inbound",
         "      interface: eth1\n      direction: inbound",
         "45:7", "network.services[1].interface", "unknown interface 'eth1'; known: eth0, usb0"),
    case("unknown-expected-client", "expected_client: [laptop]", "expected_client: [lapt0p]",
         "47:25", "network.services[1].expected_client[0]", "unknown endpoint 'lapt0p'"),
    case("unknown-server", "server: [central]", "server: [centrl]",
         "37:16", "network.services[0].server[0]", "unknown endpoint 'centrl'"),
    case("unknown-flow-source", "      source: device\n      destination: central",
         "      source: centrl\n      destination: device",
         "85:7", "data.flows[0].source", "unknown endpoint 'centrl'"),
    case("unknown-flow-destination", "      destination: central", "      destination: centrl",
         "86:7", "data.flows[0].destination", "unknown endpoint 'centrl'"),
    case("unknown-category-in-flow", "categories: [vitals]", "categories: [vital]",
         "87:20", "data.flows[0].categories[0]",
         "unknown data category 'vital'; known: config, logs, vitals"),
    case("unknown-category-in-storage", "    - category: vitals", "    - category: vital",
         "97:7", "data.storage[0].category", "unknown data category 'vital'"),
    case("unknown-service-in-flow", "      service: hl7-out", "      service: hl7-in",
         "88:7", "data.flows[0].service", "unknown service 'hl7-in'"),
    case("unknown-service-in-remote-access", "        service: web", "        service: webb",
         "68:9", "network.remote_access.methods[0].service", "unknown service 'webb'"),
    case("unknown-service-in-extra-function", "interface.\n      service: web",
         "interface.\n      service: webb",
         "103:7", "data.extra_network_functions[0].service", "unknown service 'webb'"),
    case("unknown-service-in-log-transport", "      service: syslog\n  events",
         "      service: syslg\n  events",
         "107:7", "monitoring.log_transport[0].service", "unknown service 'syslg'"),
    case("unknown-role-in-mfa", "required_for: [admin]", "required_for: [admn]",
         "129:20", "users.mfa.required_for[0]", "unknown role 'admn'; known: admin, nurse"),
    # --- duplicate ids (reported at the second use, naming the first)
    case("duplicate-service-id", "    - id: ping", "    - id: web",
         "59:7", "network.services[3].id",
         "duplicate service id 'web' (first used at network.services[1])"),
    case("duplicate-interface-id", "    - id: usb0", "    - id: eth0",
         "15:7", "network.interfaces[1].id", "duplicate interface id 'eth0'"),
    case("duplicate-endpoint-id", "    - id: ehr", "    - id: central",
         "27:7", "network.endpoints[3].id", "duplicate endpoint id 'central'"),
    case("duplicate-event-id", "    - id: CONFIG-CHANGED", "    - id: AUTH-FAIL",
         "115:7", "monitoring.events[1].id", "duplicate event id 'AUTH-FAIL'"),
    case("duplicate-flow-id", "    - id: logs-out", "    - id: vitals-out",
         "90:7", "data.flows[1].id", "duplicate flow id 'vitals-out'"),
    case("duplicate-role-id", "    - id: nurse", "    - id: admin",
         "124:7", "users.roles[1].id", "duplicate role id 'admin' (first used at users.roles[0])"),
    case("duplicate-category-id", "    - id: config", "    - id: logs",
         "79:7", "data.categories[2].id", "duplicate data category id 'logs'"),
    case("duplicate-hardening-measure-id", "    - id: disable-usb", "    - id: disable-web",
         "134:7", "hardening.measures[1].id", "duplicate hardening measure id 'disable-web'"),
    # --- ports
    case("port-0", SERVICE_1_PORT, "      default_port: 0\n",
         "48:7", "network.services[1].default_port", "0 is not a port (1–65535)"),
    case("port-70000", SERVICE_1_PORT, "      default_port: 70000\n",
         "48:7", "network.services[1].default_port", "70000 is not a port (1–65535)"),
    case("port-negative", SERVICE_1_PORT, "      default_port: -1\n",
         "48:7", "network.services[1].default_port", "-1 is not a port (1–65535)"),
    case("range-max-70000", "{min: 1024, max: 65535}", "{min: 1024, max: 70000}",
         "39:39", "network.services[0].configurable_range.max", "70000 is not a port"),
    case("default-port-outside-range", "{min: 1024, max: 65535}", "{min: 3000, max: 4000}",
         "38:7", "network.services[0].default_port",
         "default port 2575 is outside its configurable range 3000–4000"),
    case("range-min-above-max", "{min: 1024, max: 65535}", "{min: 65535, max: 1024}",
         "39:7", "network.services[0].configurable_range",
         "min 65535 is greater than max 1024"),
    case("tcp-without-port", SERVICE_1_PORT, "",
         "41:7", "network.services[1].default_port", "a TCP service needs default_port"),
    case("icmp-with-port", "      protocol: icmp\n      interface: eth0\n",
         "      protocol: icmp\n      interface: eth0\n      default_port: 7\n",
         "64:7", "network.services[3].default_port", "icmp has no ports; remove default_port"),
    case("two-services-on-one-port",
         "      direction: outbound\n      server: [collector]\n      default_port: 6514",
         "      direction: inbound\n      expected_client: [collector]\n      default_port: 443",
         "57:7", "network.services[2].default_port",
         "tcp/443 on interface 'eth0' is already claimed by service 'web'"),
    # --- event ids must be RFC 5424 MSGIDs, severities RFC 5424 severities
    case("event-id-with-space", "    - id: AUTH-FAIL", "    - id: AUTH FAIL",
         "109:7", "monitoring.events[0].id", "'AUTH FAIL' cannot be an RFC 5424 MSGID"),
    case("event-id-33-chars", "    - id: AUTH-FAIL", "    - id: " + "A" * 33,
         "109:7", "monitoring.events[0].id", "cannot be an RFC 5424 MSGID (1–32 printable ASCII"),
    case("event-id-non-ascii", "    - id: AUTH-FAIL", "    - id: AUTH-FÄIL",
         "109:7", "monitoring.events[0].id", "'AUTH-FÄIL' cannot be an RFC 5424 MSGID"),
    case("event-id-nilvalue", "    - id: AUTH-FAIL", '    - id: "-"',
         "109:7", "monitoring.events[0].id", "'-' is the RFC 5424 NILVALUE"),
    case("severity-8", "      severity: 4\n", "      severity: 8\n",
         "110:7", "monitoring.events[0].severity", "8 is not an RFC 5424 severity"),
    case("severity-negative", "      severity: 4\n", "      severity: -1\n",
         "110:7", "monitoring.events[0].severity", "-1 is not an RFC 5424 severity"),
    case("invalid-regex", '"login (failed|refused)"', '"login (failed|refused"',
         "114:9", "monitoring.events[0].match.regex", "not a valid regex: missing )"),
    # --- lifecycle dates in order: release ≤ end of sale ≤ end of support ≥ security updates
    case("end-of-support-before-release", LIFECYCLE, "    end_of_support: 2025-12-31\n",
         "138:5", "updates.lifecycle.end_of_support",
         "end of support 2025-12-31 is before the release date 2026-01-15"),
    case("end-of-support-before-end-of-sale",
         "    end_of_support: 2033-12-31\n    end_of_security_updates: 2033-12-31\n",
         "    end_of_support: 2029-12-31\n    end_of_security_updates: 2029-12-31\n",
         "139:5", "updates.lifecycle.end_of_support",
         "end of support 2029-12-31 is before end of sale 2030-12-31"),
    case("security-updates-after-end-of-support", "    end_of_security_updates: 2033-12-31",
         "    end_of_security_updates: 2035-12-31",
         "140:5", "updates.lifecycle.end_of_security_updates",
         "security updates (2035-12-31) cannot outlast support (2033-12-31)"),
    # --- flows are between the device and one other endpoint
    case("flow-not-touching-device", "      source: device\n      destination: collector",
         "      source: central\n      destination: collector",
         "91:7", "data.flows[1].source", "a flow must start or end at 'device'"),
    case("flow-from-device-to-device", "      destination: central",
         "      destination: device",
         "86:7", "data.flows[0].destination", "a flow needs two different endpoints"),
    case("endpoint-id-device-reserved", "    - id: ehr", "    - id: device",
         "27:7", "network.endpoints[3].id", "'device' is reserved for the device itself"),
    # --- manual MDS2 answers
    case("mds2-key-not-a-question-id", "  AUTH-1:", "  auth1:",
         "146:3", "mds2.auth1", "'auth1' is not an MDS2 question id"),
    case("mds2-answer-not-allowed", '{answer: "Yes"}', '{answer: "Maybe"}',
         "146:12", "mds2.AUTH-1.answer", "Input should be 'Yes', 'No', 'N/A' or 'See note'"),
]
# fmt: on


def test_the_minimal_fixture_is_valid() -> None:
    profile = load_profile_text(MINIMAL_YAML, "minimal.yaml")
    assert profile.product.name == "Example Monitor"
    assert len(profile.network.services) == 4


@pytest.mark.parametrize("bad", BAD_PROFILES)
def test_bad_profile_is_refused_at_the_right_place(bad: Bad) -> None:
    problem = only_problem(edited(MINIMAL_YAML, bad.old, bad.new))
    assert_reported(problem, FILE, bad.at, bad.path, bad.message)


def test_there_are_at_least_35_bad_profiles() -> None:
    assert len(BAD_PROFILES) >= 35


def test_diagnostics_list_every_problem_with_error_prefix() -> None:
    text = edited(MINIMAL_YAML, SERVICE_1_PORT, "      default_port: 70000\n")
    text = edited(text, "    - id: ping", "    - id: web")
    with pytest.raises(DocumentError) as caught:
        load_profile_text(text, FILE)
    lines = caught.value.diagnostics().splitlines()
    assert lines == [f"error: {p}" for p in caught.value.problems]
    assert [p.location.line for p in caught.value.problems] == [48, 59]
    assert str(caught.value) == f"{FILE}: 2 problems"


# --------------------------------------------------------------------------- still valid

GOOD_EDITS = [
    pytest.param("    - id: AUTH-FAIL", "    - id: " + "A" * 32, id="event-id-32-chars"),
    pytest.param("      severity: 4\n", "      severity: 0\n", id="severity-0"),
    pytest.param("      severity: 4\n", "      severity: 7\n", id="severity-7"),
    pytest.param(SERVICE_1_PORT, "      default_port: 65535\n", id="port-65535"),
    pytest.param(SERVICE_1_PORT, "      default_port: 1\n", id="port-1"),
    pytest.param("{min: 1024, max: 65535}", "{min: 2575, max: 2575}", id="range-of-one-port"),
    pytest.param(  # the same port on another interface is another socket
        "      interface: eth0\n      direction: outbound\n      server: [collector]\n"
        "      default_port: 6514",
        "      interface: usb0\n      direction: inbound\n      expected_client: [collector]\n"
        "      default_port: 443",
        id="same-port-other-interface",
    ),
    pytest.param(  # outbound services do not listen, so they claim no port
        "      default_port: 6514", "      default_port: 443", id="outbound-on-inbound-port"
    ),
    pytest.param(LIFECYCLE, "", id="no-lifecycle-dates"),
    pytest.param(
        "    end_of_security_updates: 2033-12-31",
        "    end_of_security_updates: 2031-06-30",
        id="security-updates-end-before-support",
    ),
    pytest.param(
        "      source: device\n      destination: central",
        "      source: central\n      destination: device",
        id="flow-into-the-device",
    ),
]


@pytest.mark.parametrize(("old", "new"), GOOD_EDITS)
def test_edit_keeps_the_profile_valid(old: str, new: str) -> None:
    profile = load_profile_text(edited(MINIMAL_YAML, old, new), FILE)
    assert isinstance(profile, ProductSecurityProfile)


# --------------------------------------------------------------------------- JSON documents

BAD_JSON = [
    pytest.param(
        '"name": "Example Monitor",',
        '"name": "Example Monitor"',
        "8:5",
        "",
        "syntax error: expected ',' or '}'",
        id="json-missing-comma",
    ),
    pytest.param(
        '"default_port": 443',
        '"default_port": 70000',
        "75:9",
        "network.services[1].default_port",
        "70000 is not a port",
        id="json-port-70000",
    ),
    pytest.param(
        '"models": [',
        '"modle": [',
        "8:5",
        "product.modle",
        "did you mean 'models'?",
        id="json-unknown-key",
    ),
    pytest.param(WHOLE, "[]", "1:1", "", "(found list)", id="json-top-level-array"),
]


def test_the_json_fixture_is_the_yaml_fixture() -> None:
    assert load_profile_text(MINIMAL_JSON, "minimal.json") == load_profile_text(
        MINIMAL_YAML, "minimal.yaml"
    )


@pytest.mark.parametrize(("old", "new", "at", "path", "message"), BAD_JSON)
def test_bad_json_profile_is_refused_at_the_right_place(
    old: str, new: str, at: str, path: str, message: str
) -> None:
    problem = only_problem(edited(MINIMAL_JSON, old, new), "bad.json")
    assert_reported(problem, "bad.json", at, path, message)


def test_tab_indented_json_is_read() -> None:
    text = json.dumps(json.loads(MINIMAL_JSON), indent="\t")
    assert load_profile_text(text, "tabs.json").product.name == "Example Monitor"


# --------------------------------------------------------------------------- regressions
# Each of these was a check the loader or checks.py did not make in its first version.

FIXED_CHECKS = [
    pytest.param(
        Bad(
            "  release_date: 2026-01-15",
            "  release_date: 2026-13-45",
            "10:3",
            "product.release_date",
            "2026-13-45",
        ),
        id="impossible-date-points-at-its-line",
    ),
    pytest.param(
        Bad(
            "        service: web\n",
            "        service: web\n      - id: vendor-support\n"
            "        description: A second method with the same id.\n",
            "69:9",
            "network.remote_access.methods[1].id",
            "duplicate remote access method id 'vendor-support'",
        ),
        id="duplicate-remote-access-method-id",
    ),
    pytest.param(
        Bad(
            "      service: web\nmonitoring:",
            "      service: web\n    - id: diag\n      description: Another diagnostic page.\n"
            "monitoring:",
            "104:7",
            "data.extra_network_functions[1].id",
            "duplicate extra network function id 'diag'",
        ),
        id="duplicate-extra-function-id",
    ),
    pytest.param(
        Bad(
            "      protocol: icmp\n      interface: eth0\n",
            "      protocol: icmp\n      interface: eth0\n"
            "      configurable_range: {min: 1, max: 10}\n",
            "64:7",
            "network.services[3].configurable_range",
            "icmp has no ports",
        ),
        id="icmp-with-port-range",
    ),
]


@pytest.mark.parametrize("bad", FIXED_CHECKS)
def test_formerly_missing_check(bad: Bad) -> None:
    problem = only_problem(edited(MINIMAL_YAML, bad.old, bad.new))
    assert_reported(problem, FILE, bad.at, bad.path, bad.message)


def alias_bomb(levels: int) -> str:
    """A "billion laughs" document: each level refers ten times to the one before."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_before_expansion() -> None:
    # Five levels expand to 111,110 nodes — far more than any real profile has, and
    # still quick to expand, so this test stays fast.
    with pytest.raises(DocumentError) as caught:
        load_profile_text(alias_bomb(5), "bomb.yaml")
    assert re.search(r"alias|nodes|too large", caught.value.diagnostics())
    assert len(caught.value.problems) == 1


# --------------------------------------------------------------------------- through the CLI

REPO = Path(__file__).resolve().parents[2]


def test_example_with_port_70000_fails_in_the_cli_at_that_port(tmp_path: Path) -> None:
    """A real profile with one bad port: exit 1, one line pointing at it, no traceback."""
    lines = (REPO / "examples" / "infusion-pump.yaml").read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip() == "default_port: 8443")
    column = lines[index].index("default_port") + 1
    lines[index] = lines[index].replace("8443", "70000")
    copy = tmp_path / "infusion-pump.yaml"
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")

    script = Path(sys.executable).with_name("medsec")
    result = subprocess.run(
        [str(script), "profile", "validate", str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert f"error: {copy}:{index + 1}:{column}: " in result.stderr
    assert "70000 is not a port (1–65535)" in result.stderr
