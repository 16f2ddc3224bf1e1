"""Observed-flow checks in the service: an uploaded log against a database site's map.

:func:`check_upload` writes the upload to a private temporary file (the readers detect
the format and read gzip themselves), checks it with :mod:`medsec.flows.engine` against
the authorized map computed from the database site, and stores the summary and one row
per violation. Nothing of the log itself is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.errors import Error, NotFound
from medsec.flows.authorized import parse_map
from medsec.flows.engine import Session as FlowSession
from medsec.flows.models import FlowCheck, FlowViolation
from medsec.inventory import services as inventory
from medsec.network import services as network

#: Largest log accepted by upload (bigger logs: ``medsec flows check`` on the command line).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


class UploadTooLarge(Error):
    kind = "flow-log-too-large"
    status = 413
    title = "The upload is too large"


def _when(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.UTC)


def check_upload(
    session: Session, actor: Actor, site_id: int, filename: str, content: bytes
) -> FlowCheck:
    """Check ``content`` (a Zeek conn.log, TSV or JSON, maybe gzip; or nfdump CSV)."""
    inventory.require(actor, Permission.INVENTORY_WRITE)
    site = inventory.get_site(session, actor, site_id)
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"{filename}: {len(content)} bytes; uploads are limited to {MAX_UPLOAD_BYTES} bytes",
            hint="split the log (per day), or run `medsec flows check LOG --site NAME`",
        )
    name = Path(filename).name or "upload.log"
    amap = parse_map(network.flowmap(session, actor, site.id).interchange(), f"site {site.name}")
    with tempfile.TemporaryDirectory(prefix="medsec-flows-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        with FlowSession(amap) as flows:
            report = flows.load(path)
            result = flows.result()
    row = FlowCheck(
        site_id=site.id,
        filename=name[:200],
        format=report.format,
        sha256=hashlib.sha256(content).hexdigest(),
        flows_read=result.flows_read,
        flows_checked=result.flows_checked,
        malformed=result.malformed,
        violation_count=len(result.violations),
        uninventoried=[u.as_dict() for u in result.uninventoried],
        checked_by=actor.username,
    )
    row.violations = [
        FlowViolation(
            asset=v.asset,
            direction=v.direction,
            peer=v.peer,
            peer_asset=v.peer_asset,
            peer_zone=v.peer_zone,
            protocol=v.protocol,
            port=v.port,
            services=list(v.services),
            cls=v.cls.value,
            flows=v.flows,
            bytes=v.bytes,
            first_seen=_when(v.first_seen),
            last_seen=_when(v.last_seen),
        )
        for v in result.violations
    ]
    session.add(row)
    session.flush()
    record(
        session,
        Tag.FLOW_CHECK_COMPLETED,
        actor.context,
        target=f"site:{site.id}",
        details={"check": row.id, "file": name, "violations": row.violation_count},
    )
    return row


def list_checks(session: Session, actor: Actor, site_id: int) -> Sequence[FlowCheck]:
    site = inventory.get_site(session, actor, site_id)
    return (
        session.execute(
            select(FlowCheck).where(FlowCheck.site_id == site.id).order_by(FlowCheck.id.desc())
        )
        .scalars()
        .all()
    )


def latest_check(session: Session, actor: Actor, site_id: int) -> FlowCheck | None:
    checks = list_checks(session, actor, site_id)
    return checks[0] if checks else None


def get_check(session: Session, actor: Actor, site_id: int, check_id: int) -> FlowCheck:
    site = inventory.get_site(session, actor, site_id)
    row = session.get(FlowCheck, check_id)
    if row is None or row.site_id != site.id:
        raise NotFound(f"no flow check {check_id} of site '{site.name}'")
    return row
