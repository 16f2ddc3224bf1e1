"""``/api/v1/sites/{id}/…`` routes of the network model: flow map, firewall rules,
conduits, endpoint bindings, the site file, and observed-flow checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import Response

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, requires
from medsec.accounts.roles import Permission
from medsec.api.params import ObjectId
from medsec.api.routing import OneThreadRoute
from medsec.errors import NotFound
from medsec.flows import services as flow_checks
from medsec.flows.schemas import FlowCheckOut, FlowCheckSummary
from medsec.inventory.fields import InvalidValue
from medsec.network import services
from medsec.network.firewall.targets import Target
from medsec.network.schemas import BindingIn, BindingOut, ConduitIn, ConduitOut, SiteImportOut
from medsec.network.site_import import import_site

router = APIRouter(prefix="/api/v1", tags=["network"], route_class=OneThreadRoute)

Reader = Annotated[Actor, requires(Permission.INVENTORY_READ)]
Writer = Annotated[Actor, requires(Permission.INVENTORY_WRITE)]

#: Largest site file accepted.
MAX_SITE_FILE_BYTES = 4 * 1024 * 1024

#: File name suffix and media type of each firewall target's download.
DOWNLOADS: dict[Target, tuple[str, str]] = {
    Target.NFTABLES: ("nft", "text/plain"),
    Target.IPTABLES: ("iptables", "text/plain"),
    Target.CISCO: ("acl", "text/plain"),
    Target.SRX: ("srx", "text/plain"),
    Target.PALOALTO: ("xml", "application/xml"),
}


@router.get("/sites/{site_id}/flow-map")
def flow_map(
    site_id: ObjectId,
    actor: Reader,
    session: DbSession,
    asset: Annotated[str | None, Query(max_length=64)] = None,
    zone: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """The interchange document (``map_version: 1``) plus ``todos``, ``conflicts`` and
    ``optional``; ``asset`` or ``zone`` narrow it as ``medsec network flows`` does."""
    fmap = services.flowmap(session, actor, site_id)
    if asset is not None:
        if fmap.site.asset(asset) is None:
            raise NotFound(f"no asset '{asset}' in the site model")
        fmap = fmap.for_asset(asset)
    if zone is not None:
        fmap.site.zone(zone)  # NotFound for an unknown zone
        fmap = fmap.for_zone(zone)
    return fmap.report()


@router.get("/sites/{site_id}/firewall/{target}")
def firewall(site_id: ObjectId, target: Target, actor: Reader, session: DbSession) -> Response:
    text = services.firewall(session, actor, site_id, target)
    suffix, media = DOWNLOADS[target]
    return Response(
        text,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="site-{site_id}.{suffix}"'},
    )


@router.get("/sites/{site_id}/site-file")
def export_site(site_id: ObjectId, actor: Reader, session: DbSession) -> Response:
    """The site as a site file (YAML, ``medsec network site`` normal form)."""
    _, text = services.export_site(session, actor, site_id)
    return Response(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="site-{site_id}.yaml"'},
    )


@router.put("/sites/{site_id}/site-file")
async def import_site_file(
    site_id: ObjectId, file: UploadFile, actor: Writer, session: DbSession
) -> SiteImportOut:
    """Import a site file: all or nothing; zones by name, assets by serial."""
    content = await file.read(MAX_SITE_FILE_BYTES + 1)
    if len(content) > MAX_SITE_FILE_BYTES:
        raise InvalidValue(
            f"{file.filename}: a site file is at most {MAX_SITE_FILE_BYTES} bytes",
            hint="is this a site file (YAML or JSON)?",
        )
    text = content.decode("utf-8", errors="replace")
    report = import_site(session, actor, site_id, text, file.filename or "site.yaml")
    return SiteImportOut.model_validate(report.__dict__)


@router.get("/sites/{site_id}/conduits")
def list_conduits(site_id: ObjectId, actor: Reader, session: DbSession) -> list[ConduitOut]:
    return [ConduitOut.model_validate(c) for c in services.list_conduits(session, actor, site_id)]


@router.post("/sites/{site_id}/conduits", status_code=201)
def create_conduit(
    site_id: ObjectId, body: ConduitIn, actor: Writer, session: DbSession
) -> ConduitOut:
    return ConduitOut.model_validate(services.create_conduit(session, actor, site_id, body))


@router.delete("/sites/{site_id}/conduits/{conduit_id}", status_code=204)
def delete_conduit(
    site_id: ObjectId, conduit_id: ObjectId, actor: Writer, session: DbSession
) -> Response:
    services.delete_conduit(session, actor, site_id, conduit_id)
    return Response(status_code=204)


@router.get("/sites/{site_id}/bindings")
def list_bindings(site_id: ObjectId, actor: Reader, session: DbSession) -> list[BindingOut]:
    return [BindingOut.model_validate(b) for b in services.list_bindings(session, actor, site_id)]


@router.put("/sites/{site_id}/bindings")
def set_binding(
    site_id: ObjectId, body: BindingIn, actor: Writer, session: DbSession
) -> BindingOut:
    """Bind an endpoint (site-wide, or for ``asset_id``); replaces the same one."""
    return BindingOut.model_validate(services.set_binding(session, actor, site_id, body))


@router.delete("/sites/{site_id}/bindings/{binding_id}", status_code=204)
def delete_binding(
    site_id: ObjectId, binding_id: ObjectId, actor: Writer, session: DbSession
) -> Response:
    services.delete_binding(session, actor, site_id, binding_id)
    return Response(status_code=204)


@router.post("/sites/{site_id}/flow-checks", status_code=201)
async def check_flows(
    site_id: ObjectId, file: UploadFile, actor: Writer, session: DbSession
) -> FlowCheckOut:
    """Check an uploaded Zeek conn.log (TSV/JSON, may be gzip) or nfdump CSV."""
    content = await file.read(flow_checks.MAX_UPLOAD_BYTES + 1)
    row = flow_checks.check_upload(session, actor, site_id, file.filename or "conn.log", content)
    return FlowCheckOut.model_validate(row)


@router.get("/sites/{site_id}/flow-checks")
def list_flow_checks(
    site_id: ObjectId, actor: Reader, session: DbSession
) -> list[FlowCheckSummary]:
    return [
        FlowCheckSummary.model_validate(c) for c in flow_checks.list_checks(session, actor, site_id)
    ]


@router.get("/sites/{site_id}/flow-checks/{check_id}")
def get_flow_check(
    site_id: ObjectId, check_id: ObjectId, actor: Reader, session: DbSession
) -> FlowCheckOut:
    return FlowCheckOut.model_validate(flow_checks.get_check(session, actor, site_id, check_id))
