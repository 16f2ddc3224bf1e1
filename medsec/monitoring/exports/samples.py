"""Sample messages for each catalog event, as RFC 5424 lines.

An event whose ``sample_message`` is already an RFC 5424 message keeps it as written. A
sample given as plain text becomes the MSG of a message built from the event; an event
without a sample gets one whose MSG is its description. Built messages have facility
local0 (16), the event's severity, its id as MSGID, the match rule's APP-NAME (or the
product name's slug, also the HOSTNAME) and the product's release date (or 2000-01-01)
at midnight UTC, so an export is the same every time. Every sample is read back by the
parser and matches its event in the catalog (the tests check this).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from medsec.monitoring.catalog import slugify
from medsec.monitoring.syslog import rfc5424
from medsec.monitoring.syslog.message import SyslogMessage, SyslogParseError
from medsec.profiles.psp import Event, ProductSecurityProfile

FACILITY_LOCAL0 = 16


@dataclass(frozen=True)
class Sample:
    event_id: str
    line: str
    #: True when medsec built the message (the profile gave no RFC 5424 sample).
    synthetic: bool


def sample(profile: ProductSecurityProfile, event: Event) -> Sample:
    text = (event.sample_message or "").strip()
    if text:
        try:
            rfc5424.parse(text.encode())
        except SyslogParseError:
            pass
        else:
            return Sample(event.id, text, synthetic=False)
    name = slugify(profile.product.name)
    day = profile.product.release_date or dt.date(2000, 1, 1)
    message = SyslogMessage(
        raw=b"", format="rfc5424", facility=FACILITY_LOCAL0, severity=event.severity,
        timestamp=dt.datetime.combine(day, dt.time(), dt.UTC), hostname=name[:255],
        app_name=(event.match.app_name if event.match and event.match.app_name else
                  name)[:48],
        msgid=event.id, msg=text or event.description,
    )  # fmt: skip
    return Sample(event.id, rfc5424.format(message).decode("utf-8"), synthetic=True)


def samples(profile: ProductSecurityProfile) -> list[Sample]:
    return [sample(profile, e) for e in profile.monitoring.events]


def samples_log(profile: ProductSecurityProfile) -> str:
    """The samples as a log file, one message a line."""
    return "".join(s.line.replace("\n", " ") + "\n" for s in samples(profile))
