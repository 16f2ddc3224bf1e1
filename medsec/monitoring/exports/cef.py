"""CEF (ArcSight Common Event Format, revision 25) and LEEF 2.0 for enriched events, and
the field mapping a SIEM team needs to read them.

CEF: ``CEF:0|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|
Extension``. In the header ``\\`` and ``|`` are escaped with a backslash (CR and LF, which
the header cannot carry, become spaces); in extension values ``\\``, ``=`` are escaped and
CR/LF become ``\\r``/``\\n``. LEEF 2.0 uses the same header rules, a tab between
attributes, and tabs/newlines in values escaped as ``\\t``/``\\n``.

Severity: RFC 5424 0–7 → CEF 0–10 by :data:`CEF_SEVERITY` (emergency 10, alert 9,
critical 8, error 7, warning 5, notice 3, informational 1, debug 0); LEEF ``sev`` 1–10
is the same number with debug raised to 1.

>>> header_escape("a|b\\\\c")
'a\\\\|b\\\\\\\\c'
>>> extension_escape("x=1\\ny")
'x\\\\=1\\\\ny'
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import TYPE_CHECKING, Any

from medsec.monitoring.catalog import ProductRef
from medsec.profiles.psp import ProductSecurityProfile

if TYPE_CHECKING:
    from medsec.monitoring.enrich import EnrichedEvent

CEF_SEVERITY = (10, 9, 8, 7, 5, 3, 1, 0)
UNCATALOGUED_ID = "medsec:uncatalogued"

#: Extension key → where its value comes from (and CEF's own meaning of the key).
EXTENSION = {
    "rt": "message timestamp (ms since the epoch; receive time when the message had none)",
    "dvchost": "HOSTNAME",
    "dvc": "source address, IPv4 (c6a1 with c6a1Label for IPv6)",
    "deviceProcessName": "APP-NAME",
    "dvcpid": "PROCID, when it is a number",
    "msg": "MSG",
    "cat": "catalog event category",
    "deviceExternalId": "asset serial",
    "cs1Label/cs1": "meaning / the catalog's meaning of the event",
    "cs2Label/cs2": "recommended action / the catalog's recommended action",
    "cs3Label/cs3": "asset / the asset id in the hospital's inventory",
    "cs4Label/cs4": "syslog MSGID / MSGID as sent",
    "cs5Label/cs5": "uncatalogued reason / why no catalog event matched (uncatalogued only)",
}
LEEF = {
    "devTime": "message timestamp (ISO 8601, devTimeFormat yyyy-MM-dd'T'HH:mm:ss.SSSXXX)",
    "sev": "CEF severity, at least 1",
    "cat": "catalog event category",
    "src": "source address",
    "identHostName": "HOSTNAME",
    "proto": "syslog",
    "msg": "MSG",
    "meaning": "the catalog's meaning",
    "action": "the catalog's recommended action",
    "asset": "the asset id",
}


def header_escape(value: str) -> str:
    value = value.replace("\\", "\\\\").replace("|", "\\|")
    return value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


def extension_escape(value: str) -> str:
    value = value.replace("\\", "\\\\").replace("=", "\\=")
    return value.replace("\r", "\\r").replace("\n", "\\n")


def leef_escape(value: str) -> str:
    return extension_escape(value).replace("\t", "\\t")


def cef_severity(syslog_severity: int | None) -> int:
    return CEF_SEVERITY[syslog_severity] if syslog_severity is not None else 5


def _fields(event: EnrichedEvent) -> dict[str, str]:
    m = event.message
    stamp = m.timestamp or m.received_at or dt.datetime.now(dt.UTC)
    fields = {"rt": str(int(stamp.timestamp() * 1000))}
    if m.hostname:
        fields["dvchost"] = m.hostname
    if m.source:
        try:
            address = ipaddress.ip_address(m.source)
        except ValueError:
            pass
        else:
            if address.version == 4:
                fields["dvc"] = str(address)
            else:
                fields |= {"c6a1": str(address), "c6a1Label": "Device address"}
    if m.app_name:
        fields["deviceProcessName"] = m.app_name
    if m.procid and m.procid.isdigit():
        fields["dvcpid"] = m.procid
    if event.category:
        fields["cat"] = event.category
    if event.asset is not None:
        if event.asset.serial:
            fields["deviceExternalId"] = event.asset.serial
        fields |= {"cs3Label": "asset", "cs3": event.asset.id}
    if event.meaning:
        fields |= {"cs1Label": "meaning", "cs1": event.meaning}
    if event.recommended_action:
        fields |= {"cs2Label": "recommended action", "cs2": event.recommended_action}
    if m.msgid:
        fields |= {"cs4Label": "syslog MSGID", "cs4": m.msgid}
    if event.reason is not None:
        fields |= {"cs5Label": "uncatalogued reason", "cs5": event.reason_text or event.reason}
    fields["msg"] = m.msg
    return fields


def _header(event: EnrichedEvent) -> tuple[str, str, str, str, str, int]:
    product = event.product or ProductRef("unknown", "unknown", "unknown")
    if event.event_id is not None:
        name = event.description or event.event_id
        return (product.manufacturer, product.name, product.version, event.event_id, name,
                cef_severity(event.severity))  # fmt: skip
    reason = str(event.reason) if event.reason else "unmatched"
    return (product.manufacturer, product.name, product.version, UNCATALOGUED_ID,
            f"Uncatalogued message ({reason})", cef_severity(event.message.severity))  # fmt: skip


def cef(event: EnrichedEvent) -> str:
    """One CEF record for ``event``."""
    vendor, product, version, sig, name, severity = _header(event)
    head = "|".join(header_escape(v) for v in (vendor, product, version, sig, name))
    ext = " ".join(f"{k}={extension_escape(v)}" for k, v in _fields(event).items())
    return f"CEF:0|{head}|{severity}|{ext}"


def leef(event: EnrichedEvent) -> str:
    """One LEEF 2.0 record for ``event`` (tab-delimited attributes)."""
    vendor, product, version, sig, _, severity = _header(event)
    m = event.message
    stamp = m.timestamp or m.received_at or dt.datetime.now(dt.UTC)
    attrs = {
        "devTime": stamp.isoformat(timespec="milliseconds"),
        "devTimeFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        "sev": str(max(1, severity)),
        "cat": event.category or "uncatalogued",
        "src": m.source,
        "identHostName": m.hostname,
        "proto": "syslog",
        "meaning": event.meaning,
        "action": event.recommended_action,
        "asset": None if event.asset is None else event.asset.id,
        "msg": m.msg,
    }
    head = "|".join(header_escape(v) for v in (vendor, product, version, sig))
    body = "\t".join(f"{k}={leef_escape(v)}" for k, v in attrs.items() if v)
    return f"LEEF:2.0|{head}|x09|{body}"


def mapping(profile: ProductSecurityProfile) -> dict[str, Any]:
    """The CEF/LEEF field mapping of ``profile``'s catalog (the ``cef-map`` export)."""
    product = ProductRef.of(profile)
    return {
        "product": {"manufacturer": product.manufacturer, "name": product.name,
                    "version": product.version},
        "cef": {
            "version": 0,
            "header": {
                "Device Vendor": product.manufacturer, "Device Product": product.name,
                "Device Version": product.version, "Signature ID": "catalog event id (MSGID)",
                "Name": "catalog event description", "Severity": "see severity_map",
            },
            "extension": EXTENSION,
            "severity_map": {str(s): CEF_SEVERITY[s] for s in range(8)},
            "uncatalogued_signature_id": UNCATALOGUED_ID,
        },
        "leef": {"version": "2.0", "delimiter": "tab (x09)", "attributes": LEEF},
        "events": [
            {
                "id": e.id,
                "cef_header": "CEF:0|" + "|".join(
                    header_escape(v) for v in (product.manufacturer, product.name,
                                               product.version, e.id, e.description)
                ) + f"|{CEF_SEVERITY[e.severity]}|",
                "leef_event_id": e.id,
                "syslog_severity": e.severity,
                "cef_severity": CEF_SEVERITY[e.severity],
                "category": str(e.category),
            }
            for e in profile.monitoring.events
        ],
    }  # fmt: skip
