"""Firewall rules: nft and iptables-restore accept them; every target comments every rule."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from defusedxml import ElementTree as ET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medsec.network.firewall.policy import RuleSet, build
from medsec.network.firewall.targets import Target, ipv6_left_out, render
from medsec.network.flowmap import compute
from medsec.network.profiles import FileProfiles
from medsec.network.site_yaml import load_site

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "site" / "st-example.yaml"
WARD = HERE / "fixtures" / "ward.yaml"


def ruleset(path: Path) -> RuleSet:
    return build(compute(load_site(path), FileProfiles(path.parent, [path.parent.parent])))


@pytest.fixture(scope="module", params=[EXAMPLE, WARD], ids=["st-example", "ward"])
def rules(request: pytest.FixtureRequest) -> RuleSet:
    path: Path = request.param
    return ruleset(path)


def _checker(command: list[str]) -> list[str]:
    """Run as root directly; otherwise inside an unprivileged user+network namespace."""
    if shutil.which(command[0]) is None:
        reason = f"{command[0]} is not installed"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    if os.geteuid() == 0:
        return command
    return ["unshare", "-rn", *command]


def check(command: list[str], text: str, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rules.{suffix}"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [*_checker(command), str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_nft_accepts_the_nftables_rules(rules: RuleSet, tmp_path: Path) -> None:
    text = render(rules, Target.NFTABLES)
    check(["nft", "-c", "-f"], text, tmp_path, "nft")
    assert "type filter hook forward priority 0; policy drop;" in text
    assert re.search(r'log prefix "default-deny" drop', text)


def test_nft_check_really_checks(tmp_path: Path) -> None:
    """The checker fails on a broken ruleset, so the test above can fail."""
    broken = "table inet t {\n chain c {\n  ip saddr 10.0.0.300 accept\n }\n}\n"
    path = tmp_path / "broken.nft"
    path.write_text(broken, encoding="utf-8")
    result = subprocess.run(
        [*_checker(["nft", "-c", "-f"]), str(path)], capture_output=True, check=False
    )
    assert result.returncode != 0


def test_iptables_restore_accepts_the_iptables_rules(rules: RuleSet, tmp_path: Path) -> None:
    text = render(rules, Target.IPTABLES)
    check(["iptables-restore", "--test"], text, tmp_path, "ipt")
    assert text.startswith("*filter") and text.rstrip().endswith("COMMIT")
    assert ":FORWARD DROP" in text
    # Replies pass: the first rule accepts packets of connections already accepted.
    first_rule = next(
        line
        for line in text.splitlines()
        if line.startswith("-A F_") and "-j" in line and "comment" not in line
    )
    assert "--state ESTABLISHED,RELATED -j ACCEPT" in first_rule
    assert re.search(r"-A F_default-deny .*-j LOG --log-prefix default-deny", text)


def _comments(text: str, target: Target) -> str:
    """All comment text of a rendered policy, joined (iptables/cisco wrap long comments)."""
    if target is Target.NFTABLES:
        return " ".join(re.findall(r'comment "([^"]*)"', text))
    if target is Target.IPTABLES:
        return " ".join(re.findall(r'--comment "([^"]*)"', text))
    if target is Target.CISCO:
        return " ".join(re.findall(r"^\s*remark (.*)$", text, re.M))
    if target is Target.SRX:
        return " ".join(" ".join(c.split()) for c in re.findall(r"/\*(.*?)\*/", text, re.S))
    root = ET.fromstring(text)
    return " ".join(d.text or "" for d in root.iter("description"))


@pytest.mark.parametrize("target", list(Target))
def test_every_rule_is_commented_with_its_flow_and_service(rules: RuleSet, target: Target) -> None:
    text = render(rules, target)
    comments = re.sub(r"\s+", " ", _comments(text, target))
    for rule in rules.rules:
        assert f"flow {rule.flow}" in comments, (rule.flow, target)
        assert rule.service in comments
        assert rule.profile.split()[0] in comments


@pytest.mark.parametrize(
    ("target", "deny"),
    [
        (Target.CISCO, r"^\s*deny ip any any log$"),
        (Target.SRX, r"policy default-deny \{.*?then \{\s*deny;\s*log \{"),
    ],
)
def test_text_targets_end_in_a_logged_default_deny(
    rules: RuleSet, target: Target, deny: str
) -> None:
    text = render(rules, target)
    assert re.search(deny, text, re.M | re.S)
    permits = len(re.findall(r"^\s*permit ", text, re.M)) if target is Target.CISCO else None
    if permits is not None:
        assert permits >= len(rules.rules)


def test_srx_and_paloalto_have_one_zone_pair_per_direction(rules: RuleSet) -> None:
    pairs = rules.zone_pairs()
    srx = render(rules, Target.SRX)
    for from_zone, to_zone in pairs:
        assert f"from-zone {from_zone} to-zone {to_zone} {{" in srx
    root = ET.fromstring(render(rules, Target.PALOALTO))
    entries = root.findall(".//rulebase/security/rules/entry")
    seen = {(e.findtext("from/member"), e.findtext("to/member")) for e in entries}
    assert seen == set(pairs)
    denies = [e for e in entries if e.get("name", "").startswith("default-deny")]
    assert len(denies) == len(pairs)
    assert all(e.findtext("action") == "deny" and e.findtext("log-end") == "yes" for e in denies)
    allows = [e for e in entries if e.findtext("action") == "allow"]
    assert len(allows) == len(rules.rules)


def test_flows_known_only_by_dns_name_are_skipped_with_a_reason() -> None:
    rules = ruleset(EXAMPLE)
    skipped = {s.flow for s in rules.skipped}
    assert skipped == {"ct-01/service-to-fabrikam", "ct-01/software-from-fabrikam"}
    assert all("DNS name" in s.reason for s in rules.skipped)


def test_ipv6_peers_reach_nftables_but_not_the_ipv4_targets() -> None:
    rules = ruleset(WARD)
    nft = render(rules, Target.NFTABLES)
    assert "ip6 saddr fd00:3::/64 ip6 daddr fd00:1::11/128 tcp dport 443" in nft
    # aerleon keeps address families apart: no rule mixes an IPv6 source and IPv4 target.
    assert not re.search(r"ip6 saddr \S+ ip daddr", nft)
    assert "fd00:3::" not in render(rules, Target.IPTABLES)
    # mon-1 has an IPv6 address too: each of its rules loses its IPv6 half there.
    assert set(ipv6_left_out(rules, Target.IPTABLES)) == {r.flow for r in rules.rules}
    assert ipv6_left_out(rules, Target.NFTABLES) == []


def test_comments_fit_nftables_limit() -> None:
    for rule in ruleset(EXAMPLE).rules:
        comment = rule.comment(128)
        assert len(comment) <= 128
        assert comment.endswith(f"flow {rule.flow}")


# --------------------------------------------------------------------------- properties

MONITOR = (HERE / "fixtures" / "monitor.yaml").read_text(encoding="utf-8")
WARD_TEXT = WARD.read_text(encoding="utf-8")
zone_names = st.from_regex(r"[a-z][a-z0-9_-]{0,30}", fullmatch=True)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    product=st.text(min_size=1, max_size=40).filter(lambda t: t.strip() and "\n" not in t),
    zones=st.lists(zone_names, min_size=3, max_size=3, unique=True),
    port=st.integers(1024, 65535),
)
def test_any_site_renders_rules_the_tools_accept(product: str, zones: list[str], port: int) -> None:
    import json as _json

    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        (folder / "monitor.yaml").write_text(
            MONITOR.replace("name: Tailspin Monitor", f"name: {_json.dumps(product)}"),
            encoding="utf-8",
        )
        text = WARD_TEXT.replace("ports: [2575]}", f"ports: [{port}]}}").replace(
            "    profile: {path: monitor.yaml}\n",
            f"    profile: {{path: monitor.yaml}}\n    ports: {{hl7-out: {port}}}\n",
        )
        for old, new in zip(["devices", "servers", "desks"], zones, strict=True):
            text = re.sub(rf"\b{old}\b(?!-)", new, text)
        (folder / "ward.yaml").write_text(text, encoding="utf-8")
        rules = ruleset(folder / "ward.yaml")
        assert {r.flow for r in rules.rules} == {
            "mon-1/vitals-to-central",
            "mon-1/vitals-to-viewers",
            "mon-1/ntp@ntp",
        }
        for target in Target:
            render(rules, target)
        check(["nft", "-c", "-f"], render(rules, Target.NFTABLES), folder, "nft")
        check(["iptables-restore", "--test"], render(rules, Target.IPTABLES), folder, "ipt")
