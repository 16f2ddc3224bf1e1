"""Which observed services are cleartext, from Zeek's ``service`` field.

Zeek names the protocols its analyzers recognised, comma-separated, e.g. ``http`` or
``smtp,ssl`` (STARTTLS). A flow is cleartext when one of them is a cleartext protocol
and none is a TLS/DTLS layer. A flow Zeek did not recognise (``service`` unset) is not
called cleartext: the check only flags what it can see.

>>> is_cleartext("http"), is_cleartext("smtp,ssl"), is_cleartext(None)
(True, False, False)
"""

from __future__ import annotations

CLEARTEXT = frozenset(
    {
        "http", "ftp", "ftp-data", "telnet", "rlogin", "rsh", "pop3", "imap", "smtp",
        "snmp", "tftp", "irc", "mysql", "postgresql", "ldap", "ldap_udp", "radius",
        "sip", "syslog", "modbus", "dnp3", "mqtt", "nfs", "vnc", "dicom", "hl7",
    }
)  # fmt: skip

ENCRYPTING = frozenset({"ssl", "dtls", "quic", "ssh", "spicy_tls"})


def is_cleartext(service: str | None) -> bool:
    if not service:
        return False
    names = {s.strip().lower() for s in service.split(",")}
    return bool(names & CLEARTEXT) and not names & ENCRYPTING
