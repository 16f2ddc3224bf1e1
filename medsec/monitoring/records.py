"""A device event as one row: what :mod:`medsec.monitoring.store` inserts and what the
disk spool (:mod:`medsec.monitoring.spool`) keeps while the database is away.

A record is immutable and turns into a JSON object and back without loss, so a spooled
message is stored exactly as it would have been. It is a named tuple in the order of the
table's columns (:data:`COLUMNS`): built once per message and handed to ``COPY`` as it
is, without a conversion per row.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, NamedTuple

from medsec.errors import Error
from medsec.monitoring.enrich import UNATTRIBUTED, EnrichedEvent

IDENTITY_SD_ID = "medsec-identity@32473"
IDENTITY_PARAMS = ("vendor", "model", "serial", "firmware")
_TIMES = ("received_at", "sent_at")


class DeviceEventRecord(NamedTuple):
    message_id: str
    organization_id: int
    received_at: dt.datetime
    sent_at: dt.datetime | None
    source_address: str | None
    asset_id: int | None
    attributed_by: str | None
    profile_version_id: int | None
    product: str
    format: str
    facility: int | None
    message_severity: int | None
    hostname: str | None
    app_name: str | None
    procid: str | None
    msgid: str | None
    structured_data: list[Any]
    msg: str
    raw: str
    parse_error: str | None
    truncated_from: int | None
    status: str
    event_id: str | None
    severity: int | None
    category: str | None
    description: str | None
    meaning: str | None
    recommended_action: str | None
    matched_by: str | None
    captures: dict[str, str]
    uncatalogued_reason: str | None
    reason_text: str | None

    @classmethod
    def of(cls, event: EnrichedEvent, organization_id: int) -> DeviceEventRecord:
        m = event.message
        asset = event.asset
        asset_id = int(asset.id) if asset is not None and asset.id.isdigit() else None
        return cls(
            message_id=m.receipt_id or str(uuid.uuid4()),
            organization_id=organization_id,
            received_at=m.received_at or dt.datetime.now(dt.UTC),
            sent_at=m.timestamp,
            source_address=m.source,
            asset_id=asset_id,
            attributed_by=event.attributed_by,
            profile_version_id=asset.profile_version_id if asset is not None else None,
            product=UNATTRIBUTED if event.product is None else str(event.product),
            format=m.format,
            facility=m.facility,
            message_severity=m.severity,
            hostname=m.hostname,
            app_name=m.app_name,
            procid=m.procid,
            msgid=m.msgid,
            structured_data=[
                {"id": e.id, "params": [[k, v] for k, v in e.params]} for e in m.structured_data
            ],
            msg=m.msg.replace("\x00", "\ufffd"),
            raw=m.raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00"),
            parse_error=m.parse_error,
            truncated_from=m.truncated_from,
            status=event.status,
            event_id=event.event_id,
            severity=event.severity,
            category=event.category,
            description=event.description,
            meaning=event.meaning,
            recommended_action=event.recommended_action,
            matched_by=event.matched_by,
            captures=dict(event.captures),
            uncatalogued_reason=None if event.reason is None else str(event.reason),
            reason_text=event.reason_text,
        )

    def identity(self) -> dict[str, str] | None:
        """The ``medsec-identity@32473`` parameters the message carried, if any."""
        for element in self.structured_data:
            if element["id"] == IDENTITY_SD_ID:
                found = {k: v for k, v in element["params"] if k in IDENTITY_PARAMS}
                return found or None
        return None

    def row(self) -> dict[str, Any]:
        return self._asdict()

    def copy_row(self) -> tuple[Any, ...]:
        """The values for ``COPY``, in :data:`COLUMNS` order, the JSON columns as text."""
        sd = self.structured_data
        captures = self.captures
        return (
            *self[:_SD_AT], json.dumps(sd, ensure_ascii=False) if sd else "[]",
            *self[_SD_AT + 1 : _CAPTURES_AT],
            json.dumps(captures, ensure_ascii=False) if captures else "{}",
            *self[_CAPTURES_AT + 1 :],
        )  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        data = self._asdict()
        for name in _TIMES:
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeviceEventRecord:
        try:
            values = {name: data[name] for name in cls._fields}
            for name in _TIMES:
                if values[name] is not None:
                    values[name] = dt.datetime.fromisoformat(values[name])
        except (KeyError, TypeError, ValueError) as e:
            raise Error(f"a spooled device event is incomplete or damaged ({e!r})") from e
        return cls(**values)


#: The table's columns, in the record's order.
COLUMNS = DeviceEventRecord._fields
_SD_AT = COLUMNS.index("structured_data")
_CAPTURES_AT = COLUMNS.index("captures")
