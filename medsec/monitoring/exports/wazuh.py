"""Wazuh decoders and rules from a profile's event catalog.

The decoder reads the RFC 5424 header of the full log line (it does not rely on Wazuh's
syslog pre-decoding, which expects the BSD format) and extracts ``hostname``,
``app_name``, ``procid`` and ``msgid``. The parent decoder ``medsec-rfc5424`` is the same
in every export, so the files of several products can be installed side by side.

The rules file has one group named after the product: a base rule (level 0) on the
decoder, then per event one rule on its MSGID and, when the catalog gives a match rule,
a second rule on APP-NAME and the regex (PCRE2, which reads Python's ``(?P<name>…)``).
Rule ids start at ``rule_base`` (Wazuh keeps 100000–120000 for local rules; give each
product its own block). Levels from RFC 5424 severity: emergency 15, alert 14,
critical 12, error 10, warning 7, notice 5, informational 3, debug 2.

Wazuh's files hold several top-level elements, so :func:`check` reads them inside a
wrapper element and checks their structure: every rule's decoder and ``if_sid`` exist,
ids are unique and in the local range, levels are 0–15.
"""

from __future__ import annotations

# Building XML only; it is read back with defusedxml.
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml.ElementTree import fromstring

from medsec.errors import Error
from medsec.monitoring.catalog import ProductRef
from medsec.profiles.psp import Event, ProductSecurityProfile

LEVELS = (15, 14, 12, 10, 7, 5, 3, 2)
DECODER = "medsec-rfc5424"
LOCAL_RULES = range(100000, 120001)
DEFAULT_RULE_BASE = 100100

_PREMATCH = r"^<\d{1,3}>1 \S+ \S+ \S+ \S+ \S+ "
_HEADER = r"^<\d{1,3}>1 \S+ (\S+) (\S+) (\S+) (\S+) "


@dataclass(frozen=True)
class WazuhFiles:
    decoders: str
    rules: str


def _text(element: ET.Element) -> str:
    ET.indent(element, space="  ")
    return ET.tostring(element, encoding="unicode") + "\n"


def decoders() -> str:
    parent = ET.Element("decoder", name=DECODER)
    ET.SubElement(parent, "prematch", type="pcre2").text = _PREMATCH
    child = ET.Element("decoder", name=f"{DECODER}-header")
    ET.SubElement(child, "parent").text = DECODER
    ET.SubElement(child, "regex", type="pcre2").text = _HEADER
    ET.SubElement(child, "order").text = "hostname,app_name,procid,msgid"
    note = "<!-- medsec: RFC 5424 header decoder for event catalog rules -->\n"
    return note + _text(parent) + _text(child)


def _rule(group: ET.Element, rule_id: int, event: Event, parent: int) -> ET.Element:
    rule = ET.SubElement(group, "rule", id=str(rule_id), level=str(LEVELS[event.severity]))
    ET.SubElement(rule, "if_sid").text = str(parent)
    return rule


def _describe(rule: ET.Element, event: Event, product: ProductRef) -> None:
    ET.SubElement(rule, "description").text = f"{product.name}: {event.description}"
    ET.SubElement(rule, "group").text = f"{event.category},"


def rules(profile: ProductSecurityProfile, rule_base: int = DEFAULT_RULE_BASE) -> str:
    product = ProductRef.of(profile)
    events = profile.monitoring.events
    needed = 1 + sum(1 + (e.match is not None and bool(e.match.app_name or e.match.regex))
                     for e in events)  # fmt: skip
    if rule_base not in LOCAL_RULES or rule_base + needed - 1 not in LOCAL_RULES:
        raise Error(
            f"rule ids {rule_base}–{rule_base + needed - 1} are outside Wazuh's local range "
            "100000–120000",
            hint="choose --rule-base so that the product's rules fit in the local range",
        )
    group = ET.Element("group", name=f"medsec,{product.slug},")
    base = ET.SubElement(group, "rule", id=str(rule_base), level="0")
    ET.SubElement(base, "decoded_as").text = DECODER
    ET.SubElement(base, "description").text = f"{product}: syslog (medsec event catalog)"
    next_id = rule_base + 1
    for event in events:
        by_id = _rule(group, next_id, event, rule_base)
        ET.SubElement(
            by_id, "field", name="msgid", type="pcre2"
        ).text = f"^{_pcre_literal(event.id)}$"
        _describe(by_id, event, product)
        next_id += 1
        if event.match is not None and (event.match.app_name or event.match.regex):
            by_rule = _rule(group, next_id, event, rule_base)
            if event.match.app_name:
                ET.SubElement(
                    by_rule, "field", name="app_name", type="pcre2"
                ).text = f"^{_pcre_literal(event.match.app_name)}$"
            if event.match.regex:
                ET.SubElement(by_rule, "regex", type="pcre2").text = event.match.regex
            _describe(by_rule, event, product)
            next_id += 1
    return f"<!-- medsec: rules for {product} -->\n" + _text(group)


def _pcre_literal(text: str) -> str:
    return "".join(f"\\{c}" if c in r"\^$.|?*+()[]{}" else c for c in text)


def export(profile: ProductSecurityProfile, rule_base: int = DEFAULT_RULE_BASE) -> WazuhFiles:
    files = WazuhFiles(decoders(), rules(profile, rule_base))
    check(files)
    return files


def check(files: WazuhFiles) -> None:
    """Check the files' structure as Wazuh would need it; raise :class:`Error`."""
    problems: list[str] = []
    try:
        decoder_root = fromstring(f"<decoders>{files.decoders}</decoders>")
        rule_root = fromstring(f"<rules>{files.rules}</rules>")
    except ET.ParseError as e:
        raise Error(f"the Wazuh export is not well-formed XML: {e}") from e
    names = set()
    for decoder in decoder_root.iter("decoder"):
        names.add(decoder.get("name"))
        parent = decoder.findtext("parent")
        if parent is not None and parent not in names:
            problems.append(f"decoder {decoder.get('name')}: unknown parent {parent}")
        if decoder.find("regex") is not None and not decoder.findtext("order"):
            problems.append(f"decoder {decoder.get('name')}: regex without order")
    seen: set[int] = set()
    for rule in rule_root.iter("rule"):
        rule_id = int(rule.get("id", "-1"))
        if rule_id in seen:
            problems.append(f"rule {rule_id}: id used twice")
        if rule_id not in LOCAL_RULES:
            problems.append(f"rule {rule_id}: outside the local range 100000–120000")
        if not 0 <= int(rule.get("level", "-1")) <= 15:
            problems.append(f"rule {rule_id}: level {rule.get('level')} not in 0–15")
        decoded_as = rule.findtext("decoded_as")
        if decoded_as is not None and decoded_as not in names:
            problems.append(f"rule {rule_id}: unknown decoder {decoded_as}")
        problems.extend(
            f"rule {rule_id}: if_sid {sid} is not an earlier rule"
            for sid in (rule.findtext("if_sid") or "").replace(",", " ").split()
            if int(sid) not in seen
        )
        if not rule.findtext("description"):
            problems.append(f"rule {rule_id}: no description")
        seen.add(rule_id)
    if problems:
        raise Error("the Wazuh export is not consistent:\n" + "\n".join(problems))
