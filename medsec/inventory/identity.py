"""Identity self-reports: a device, or its manufacturer's central server, posts what it is.

The caller authenticates with an API token of the hospital that holds only the scope
``inventory:report-identity``. The report is upserted by serial: a new device is created
(on the named site, or the organization's only site), a known one gets its identity
fields updated; a changed firmware version becomes an asset event and an audit event. An
SBOM sent along must be well-formed JSON or XML of a bounded size (422 otherwise); it is
kept with the asset as the raw document (media type, SHA-256: the evidence of what the
device said) and, when it changed, read and imported as the asset's SBOM
(:mod:`medsec.sbom.services`, ``source = identity-report``). An SBOM that is well-formed
but not a valid SBOM does not fail the report — the device's identity is still worth
having: the report is accepted, the problem is recorded as an ``sbom-invalid`` asset
event and returned as ``sbom_problem``, and the asset keeps its previous SBOM.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Error, NotFound
from medsec.inventory import matching, services
from medsec.inventory.drafts import require_draft
from medsec.inventory.fields import EventKind
from medsec.inventory.models import Asset, AssetEvent, Site
from medsec.inventory.schemas import IdentityIn
from medsec.sbom import importing
from medsec.sbom import services as sboms

MAX_SBOM_BYTES = 8 * 1024 * 1024


class InvalidSbom(Error):
    kind = "invalid-document"
    status = 422
    title = "The SBOM is not valid"


def check_sbom(media_type: str, content: str) -> str:
    """The SHA-256 of an SBOM that is well-formed JSON or XML, as its media type says."""
    raw = content.encode("utf-8")
    if len(raw) > MAX_SBOM_BYTES:
        raise InvalidSbom(
            f"the SBOM is {len(raw)} bytes", hint=f"send at most {MAX_SBOM_BYTES} bytes"
        )
    kind = media_type.split(";", 1)[0].strip().lower()
    if kind.endswith(("json", "+json")):
        try:
            json.loads(content)
        except (ValueError, RecursionError) as e:
            raise InvalidSbom(f"the SBOM is not JSON ({e})", hint="send the document as is") from e
    elif kind.endswith(("xml", "+xml")):
        try:
            defusedxml.ElementTree.fromstring(content)
        except (DefusedXmlException, SyntaxError, ValueError) as e:
            raise InvalidSbom(
                f"the SBOM is not well-formed XML ({e})",
                hint="send the document as is; entities and DTDs are refused",
            ) from e
    else:
        raise InvalidSbom(
            f"media type '{media_type[:80]}' is neither JSON nor XML",
            hint="e.g. application/vnd.cyclonedx+json, application/spdx+json, "
            "application/vnd.cyclonedx+xml",
        )
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class IdentityResult:
    asset: Asset
    created: bool
    firmware_changed: bool
    sbom_stored: bool
    sbom_problem: str | None = None


def _import_sbom(session: Session, actor: Actor, asset: Asset, content: str) -> str | None:
    """Import a reported SBOM as the asset's SBOM; the problem, if it cannot be read."""
    data = content.encode("utf-8")
    name = f"identity-report-{asset.serial}"[:200]
    try:
        importing.check_components(importing.source_of_bytes(data, name))
        source = importing.source_of_bytes(data, name)
    except Error as e:
        problem = e.diagnostics().splitlines()[0] if e.diagnostics() else e.message
        session.add(
            AssetEvent(
                asset_id=asset.id,
                kind=EventKind.SBOM_INVALID,
                new_value=problem[:400],
                source="identity",
                actor=actor.username,
            )
        )
        return problem
    sboms.attach_reported(session, actor, asset, source, importing.document_of_bytes(data, name))
    return None


def _site_for(session: Session, actor: Actor, name: str | None) -> int:
    """The site of a new device (the token may only report, so no read permission here)."""
    stmt = select(Site).where(Site.organization_id == actor.organization_id)
    sites = session.execute(stmt.order_by(Site.name)).scalars().all()
    if name:
        for site in sites:
            if site.name == name:
                return site.id
        raise NotFound(f"no site '{name}'", hint="report the name of a site of the inventory")
    if len(sites) != 1:
        raise NotFound(
            "the device is not in the inventory and the report names no site",
            hint='add "site": "<site name>" to the report',
        )
    return sites[0].id


def report_identity(session: Session, actor: Actor, report: IdentityIn) -> IdentityResult:
    services.require(actor, Permission.INVENTORY_REPORT_IDENTITY)
    sbom_hash = check_sbom(report.sbom.media_type, report.sbom.content) if report.sbom else None
    asset = services.asset_by_serial(session, actor.organization_id, report.serial.strip())
    created = asset is None
    if asset is None:
        site_id = _site_for(session, actor, report.site)
        asset = Asset(organization_id=actor.organization_id, site_id=site_id)
        base: dict[str, object] = {}
        old_firmware = None
    else:
        current = services.draft_of(asset)
        base = {
            "location": current.location,
            "owner": current.owner,
            "zone": current.zone,
            "criticality": str(current.criticality),
            "product_version_id": current.product_version_id,
        }
        old_firmware = asset.firmware_version
    reported = report.model_dump(exclude={"sbom", "site"})
    if asset.id is not None:
        # A report without a field does not erase what the inventory knows.
        for name in ("hostname", "mac", "firmware_version", "hardware_revision", "configuration"):
            if reported.get(name) is None:
                reported[name] = getattr(asset, name)
        if not reported["ip_addresses"]:
            reported["ip_addresses"] = list(asset.ip_addresses or ())
    draft = require_draft({**base, **reported})
    link = services.resolve_link(matching.candidates(session, actor.organization_id), draft)
    changes = services.apply_draft(
        session, asset, draft, link, source="identity", actor_name=actor.username
    )
    session.add(asset)
    session.flush()
    session.add(
        AssetEvent(
            asset_id=asset.id,
            kind=EventKind.IDENTITY_REPORTED,
            new_value=asset.firmware_version,
            source="identity",
            actor=actor.username,
        )
    )
    sbom_problem = None
    if report.sbom is not None and sbom_hash is not None:
        if sbom_hash != asset.sbom_sha256:
            sbom_problem = _import_sbom(session, actor, asset, report.sbom.content)
            session.add(
                AssetEvent(
                    asset_id=asset.id,
                    kind=EventKind.SBOM_REPORTED,
                    old_value=asset.sbom_sha256,
                    new_value=sbom_hash,
                    source="identity",
                    actor=actor.username,
                )
            )
        asset.sbom = report.sbom.content
        asset.sbom_media_type = report.sbom.media_type.strip()
        asset.sbom_sha256 = sbom_hash
        asset.sbom_reported_at = utcnow()
    session.flush()
    firmware_changed = not created and "firmware_version" in changes
    record(
        session,
        Tag.IDENTITY_REPORTED,
        actor.context,
        target=f"asset:{asset.id}",
        details={
            "serial": asset.serial,
            "created": created,
            "changed": changes if not created else [],
            "sbom_sha256": sbom_hash,
            "sbom_problem": sbom_problem,
        },
    )
    if firmware_changed:
        services.firmware_audit(session, actor, asset, old_firmware)
    return IdentityResult(
        asset, created, firmware_changed, sbom_hash is not None and not sbom_problem, sbom_problem
    )
