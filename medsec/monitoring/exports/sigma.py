"""Sigma rules from a profile's event catalog: one rule per event.

Each rule's logsource is ``product: <manufacturer-product slug>``, ``service: syslog``
(a custom product: a SIEM maps it to its syslog index with a processing pipeline). The
detection uses the syslog field names ``msgid``, ``app_name`` and ``msg``: the event is
found by its MSGID, or, when the catalog gives a match rule, by that rule
(``app_name`` equal, ``msg|re`` for the regex). The rule id is a UUID v5 of the product
and event id, so a new export of the same catalog keeps the ids.

Levels follow RFC 5424 severities (this table is also in docs/monitoring.md):

========================  ==============
severity                  Sigma level
========================  ==============
0 emergency, 1 alert,     critical
2 critical
3 error                   high
4 warning                 medium
5 notice                  low
6 informational, 7 debug  informational
========================  ==============

Every rule set is loaded back by pySigma (:class:`sigma.collection.SigmaCollection`) and
checked by all of pySigma's core validators before it is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError
from sigma.validation import SigmaValidator
from sigma.validators.core import validators

from medsec.errors import Error
from medsec.monitoring.catalog import ProductRef
from medsec.profiles.psp import Event, ProductSecurityProfile

LEVELS = ("critical", "critical", "critical", "high", "medium", "low", "informational",
          "informational")  # fmt: skip
#: Namespace of the rule ids (a UUID v5 of "medsec.dev/sigma").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://medsec.dev/sigma")


def level(severity: int) -> str:
    """The Sigma level for an RFC 5424 severity (0–7)."""
    if not 0 <= severity <= 7:
        raise Error(f"severity {severity} is not an RFC 5424 severity (0–7)")
    return LEVELS[severity]


@dataclass(frozen=True)
class SigmaRuleFile:
    name: str
    text: str


def rule_id(product: ProductRef, event_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{product.slug}/{event_id}")


def rule(profile: ProductSecurityProfile, event: Event) -> dict[str, Any]:
    product = ProductRef.of(profile)
    detection: dict[str, Any] = {"selection_msgid": {"msgid": event.id}}
    condition = "selection_msgid"
    if event.match is not None and (event.match.app_name or event.match.regex):
        by_rule: dict[str, Any] = {}
        if event.match.app_name:
            by_rule["app_name"] = event.match.app_name
        if event.match.regex:
            by_rule["msg|re"] = event.match.regex
        detection["selection_match_rule"] = by_rule
        condition = "selection_msgid or selection_match_rule"
    detection["condition"] = condition
    description = event.description
    if event.meaning:
        description += f" Meaning: {event.meaning}"
    if event.recommended_action:
        description += f" Recommended action: {event.recommended_action}"
    document: dict[str, Any] = {
        "title": f"{profile.product.name}: {event.description}"[:256],
        "id": str(rule_id(product, event.id)),
        "status": "experimental",
        "description": description,
        "author": f"{product.manufacturer} (event catalog, exported by medsec)",
    }
    if profile.product.release_date is not None:
        document["date"] = profile.product.release_date.isoformat()
    document |= {
        "logsource": {"product": product.slug, "service": "syslog"},
        "detection": detection,
        "fields": ["hostname", "app_name", "msgid", "msg"],
        "falsepositives": [event.meaning or "Unknown"],
        "level": level(event.severity),
    }
    return document


def rules(profile: ProductSecurityProfile) -> list[SigmaRuleFile]:
    """The rule files of ``profile``'s catalog, validated by pySigma."""
    files = [
        SigmaRuleFile(
            f"{ProductRef.of(profile).slug}-{e.id.lower()}.yml",
            yaml.safe_dump(rule(profile, e), sort_keys=False, allow_unicode=True, width=100),
        )
        for e in profile.monitoring.events
    ]
    validate([f.text for f in files])
    return files


def validate(texts: list[str]) -> SigmaCollection:
    """Load the rules with pySigma and run its core validators; raise :class:`Error`."""
    try:
        collection = SigmaCollection.merge([SigmaCollection.from_yaml(t) for t in texts])
    except SigmaError as e:
        raise Error(f"pySigma rejects an exported rule: {e}") from e
    problems = [str(e) for r in collection.rules for e in r.errors]
    validator = SigmaValidator(validators.values())
    issues = validator.validate_rules(iter(collection.rules))  # type: ignore[arg-type]
    problems += [f"{i.__class__.__name__}: {i}" for i in issues]
    if problems:
        raise Error(
            "the exported Sigma rules do not pass pySigma's validators:\n" + "\n".join(problems),
            hint="this is a bug in medsec's Sigma export; please report it with the profile",
        )
    return collection
