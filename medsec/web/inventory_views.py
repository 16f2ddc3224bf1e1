"""The device inventory in the browser: sites with zones, the asset list (filters and
search), asset pages (identity, linked profile version, events), create/edit forms and
the CSV/JSON import with its per-row report. Every form works without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error
from medsec.inventory import importer, matching, services
from medsec.inventory.drafts import AssetInvalid
from medsec.inventory.fields import CRITICALITY_MEANING, Criticality
from medsec.inventory.models import Asset
from medsec.inventory.rows import MAX_FILE_BYTES, parse_mapping, read_rows
from medsec.inventory.schemas import AssetPatch, SiteIn, ZoneIn
from medsec.monitoring import services as monitoring
from medsec.monitoring.syslog.message import SEVERITIES
from medsec.web import sbom_views
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
Writer = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]

PAGE_SIZE = 50
#: The text fields of the asset form, in order, with their labels.
ASSET_FIELDS = [
    ("serial", "Serial number"),
    ("vendor", "Vendor"),
    ("model", "Model"),
    ("firmware_version", "Firmware or software version"),
    ("hardware_revision", "Hardware revision"),
    ("configuration", "Configuration"),
    ("ip_addresses", "IP addresses"),
    ("mac", "MAC address"),
    ("hostname", "Host name"),
    ("location", "Location"),
    ("owner", "Owner"),
]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) < 2**31 else None


def _criticalities() -> list[tuple[str, str]]:
    return [(c.value, f"{c.value} — {CRITICALITY_MEANING[c]}") for c in Criticality]


@router.get("/inventory")
def asset_list(
    request: Request,
    session: DbSession,
    viewer: Reader,
    site: str | None = None,
    zone: str | None = None,
    criticality: str | None = None,
    vendor: str | None = None,
    q: str | None = None,
    offset: int = 0,
) -> Response:
    actor = viewer.actor
    sites = services.list_sites(session, actor)
    chosen = criticality if criticality in {c.value for c in Criticality} else None
    where = services.AssetFilter(_int(site), _int(zone), chosen, vendor or None, q or None)
    start = max(0, min(offset, 1_000_000))
    assets, total = services.list_assets(session, actor, where, start, PAGE_SIZE)
    query = {
        "site": site or "",
        "zone": zone or "",
        "criticality": chosen or "",
        "vendor": vendor or "",
        "q": q or "",
    }
    return render(
        request,
        "inventory/index.html",
        viewer=viewer,
        sites=sites,
        assets=assets,
        total=total,
        offset=start,
        page_size=PAGE_SIZE,
        query=query,
        vendors=services.vendors(session, actor),
        criticalities=[c.value for c in Criticality],
        can_write=actor.can(Permission.INVENTORY_WRITE),
    )


# --------------------------------------------------------------------------- sites


def _sites_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "inventory/sites.html",
        viewer=viewer,
        status=status,
        sites=services.list_sites(session, viewer.actor),
        errors=errors or FormErrors(),
        values=values or {},
        can_write=viewer.actor.can(Permission.INVENTORY_WRITE),
    )


@router.get("/inventory/sites")
def sites(request: Request, session: DbSession, viewer: Reader) -> Response:
    return _sites_page(request, session, viewer)


@router.post("/inventory/sites")
def create_site(
    request: Request,
    session: DbSession,
    viewer: Writer,
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "UTC",
    address: Annotated[str, Form()] = "",
) -> Response:
    values = {"name": name, "timezone": timezone, "address": address}
    errors = FormErrors()
    errors.require("name", name, "the site's name")
    if not errors:
        try:
            data = SiteIn(name=name[:200], timezone=timezone[:64], address=address[:400] or None)
            services.create_site(session, viewer.actor, data)
        except Error as e:
            discard(session, e)
            errors.add("timezone" if "time zone" in e.message else "name", explain(e))
    if errors:
        return _sites_page(request, session, viewer, errors=errors, values=values, status=422)
    return see_other("/inventory/sites", "site-created")


@router.post("/inventory/sites/{site_id}/zones")
def add_zone(
    request: Request,
    session: DbSession,
    viewer: Writer,
    site_id: int,
    name: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    security_level: Annotated[str, Form()] = "2",
    cidrs: Annotated[str, Form()] = "",
    vlan_ids: Annotated[str, Form()] = "",
) -> Response:
    services.get_site(session, viewer.actor, site_id)
    errors = FormErrors()
    try:
        vlans = [int(v) for v in vlan_ids.replace(",", " ").split()]
    except ValueError:
        vlans = []
        errors.add(None, "VLAN ids are numbers (1–4094), separated by spaces or commas.")
    level = int(security_level) if security_level in {"1", "2", "3", "4"} else 0
    if not errors:
        try:
            data = ZoneIn(
                name=name.strip()[:120] or " ",
                purpose=purpose[:400] or None,
                security_level=level,
                cidrs=cidrs.replace(",", " ").split()[:64],
                vlan_ids=vlans[:64],
            )
            services.add_zone(session, viewer.actor, site_id, data)
        except Error as e:
            discard(session, e)
            errors.add(None, f"Zone not added: {explain(e)}")
    if errors:
        return _sites_page(request, session, viewer, errors=errors, status=422)
    return see_other("/inventory/sites", "zone-added")


# --------------------------------------------------------------------------- assets


def _versions(session: Session, viewer: Viewer) -> list[tuple[str, str]]:
    found = matching.candidates(session, viewer.actor.organization_id)
    return [("", "match automatically (vendor, model, firmware)")] + [
        (str(c.version_id), f"{c.product} {c.version} ({c.manufacturer})") for c in found
    ]


def _form_values(asset: Asset | None) -> dict[str, str]:
    if asset is None:
        return {"criticality": Criticality.MEDIUM.value}
    draft = services.draft_of(asset)
    return {
        **{name: str(getattr(draft, name) or "") for name, _ in ASSET_FIELDS},
        "ip_addresses": "; ".join(asset.ip_addresses or ()),
        "criticality": asset.criticality,
        "site_id": str(asset.site_id),
        "zone_id": str(asset.zone_id or ""),
        "product_version_id": str(draft.product_version_id or ""),
    }


def _asset_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    asset: Asset | None,
    values: dict[str, str],
    *,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    sites = services.list_sites(session, viewer.actor)
    zones = [("", "no zone")] + [
        (str(z.id), f"{s.name} / {z.name}") for s in sites for z in s.zones
    ]
    return render(
        request,
        "inventory/asset_form.html",
        viewer=viewer,
        status=status,
        asset=asset,
        values=values,
        errors=errors or FormErrors(),
        fields=ASSET_FIELDS,
        sites=[(str(s.id), s.name) for s in sites],
        zones=zones,
        criticalities=_criticalities(),
        versions=_versions(session, viewer),
        action=f"/inventory/assets/{asset.id}/edit" if asset else "/inventory/assets/new",
    )


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _form_errors(error: Error) -> FormErrors:
    errors = FormErrors()
    if isinstance(error, AssetInvalid):
        for issue in error.issues:
            message = issue.message + (f". {issue.hint}" if issue.hint else "")
            errors.add(issue.field, message)
    else:
        errors.add(None, explain(error))
    return errors


@router.get("/inventory/assets/new")
def new_asset(request: Request, session: DbSession, viewer: Writer) -> Response:
    return _asset_form(request, session, viewer, None, _form_values(None))


@router.post("/inventory/assets/new")
async def create_asset(request: Request, session: DbSession, viewer: Writer) -> Response:
    values = await _posted(request)
    site_id = _int(values.get("site_id"))
    if site_id is None:
        errors = FormErrors()
        errors.add("site_id", "Choose a site (add one on the Sites page first).")
        return _asset_form(request, session, viewer, None, values, errors=errors, status=422)
    fields: dict[str, object] = {name: values.get(name, "") for name, _ in ASSET_FIELDS}
    fields["criticality"] = values.get("criticality", "")
    fields["product_version_id"] = values.get("product_version_id", "")
    try:
        asset = services.create_asset(
            session, viewer.actor, site_id, _int(values.get("zone_id")), fields, source="ui"
        )
    except Error as e:
        discard(session, e)
        return _asset_form(
            request, session, viewer, None, values, errors=_form_errors(e), status=422
        )
    return see_other(f"/inventory/assets/{asset.id}", "asset-created")


@router.get("/inventory/assets/{asset_id}")
def asset_page(request: Request, session: DbSession, viewer: Reader, asset_id: int) -> Response:
    asset = services.get_asset(session, viewer.actor, asset_id)
    return render(
        request,
        "inventory/asset.html",
        viewer=viewer,
        asset=asset,
        version=asset.profile_version,
        events=services.events(session, viewer.actor, asset_id),
        device_events=monitoring.latest_for_asset(session, viewer.actor, asset_id, 10),
        severities=SEVERITIES,
        meaning=CRITICALITY_MEANING[Criticality(asset.criticality)],
        can_write=viewer.actor.can(Permission.INVENTORY_WRITE),
        sbom_section=sbom_views.asset_section(session, viewer, asset),
    )


@router.get("/inventory/assets/{asset_id}/edit")
def edit_asset(request: Request, session: DbSession, viewer: Writer, asset_id: int) -> Response:
    asset = services.get_asset(session, viewer.actor, asset_id)
    return _asset_form(request, session, viewer, asset, _form_values(asset))


@router.post("/inventory/assets/{asset_id}/edit")
async def save_asset(
    request: Request, session: DbSession, viewer: Writer, asset_id: int
) -> Response:
    asset = services.get_asset(session, viewer.actor, asset_id)
    values = await _posted(request)
    try:
        version = values.get("product_version_id", "")
        patch = AssetPatch.model_validate(
            {
                **{
                    name: values.get(name, "")[:400]
                    for name, _ in ASSET_FIELDS
                    if name != "ip_addresses"
                },
                "ip_addresses": values.get("ip_addresses", "").replace(",", ";").split(";")[:16],
                "criticality": values.get("criticality", "")[:40],
                "site_id": _int(values.get("site_id")) or asset.site_id,
                "zone_id": _int(values.get("zone_id")),
                "product_version_id": _int(version),
            }
        )
        services.update_asset(session, viewer.actor, asset_id, patch, source="ui")
    except Error as e:
        discard(session, e)
        asset = services.get_asset(session, viewer.actor, asset_id)
        return _asset_form(
            request, session, viewer, asset, values, errors=_form_errors(e), status=422
        )
    except ValueError:  # pydantic: a value beyond the API's bounds
        session.rollback()
        asset = services.get_asset(session, viewer.actor, asset_id)
        errors = FormErrors()
        errors.add(None, "A value is out of range; check the form.")
        return _asset_form(request, session, viewer, asset, values, errors=errors, status=422)
    return see_other(f"/inventory/assets/{asset_id}", "asset-saved")


@router.post("/inventory/assets/{asset_id}/delete")
def delete_asset(session: DbSession, viewer: Writer, asset_id: int) -> Response:
    services.delete_asset(session, viewer.actor, asset_id)
    return see_other("/inventory", "asset-deleted")


# --------------------------------------------------------------------------- import


def _import_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    report: importer.ImportReport | None = None,
    errors: FormErrors | None = None,
    site_id: str = "",
    status: int = 200,
) -> Response:
    sites = services.list_sites(session, viewer.actor)
    return render(
        request,
        "inventory/import.html",
        viewer=viewer,
        status=status,
        sites=[(str(s.id), s.name) for s in sites],
        site_id=site_id,
        report=report,
        errors=errors or FormErrors(),
        max_mb=MAX_FILE_BYTES // 1024 // 1024,
    )


@router.get("/inventory/import")
def import_form(request: Request, session: DbSession, viewer: Writer) -> Response:
    return _import_page(request, session, viewer)


@router.post("/inventory/import")
async def import_file(
    request: Request,
    session: DbSession,
    viewer: Writer,
    file: Annotated[UploadFile | None, File()] = None,
    mapping: Annotated[UploadFile | None, File()] = None,
    site_id: Annotated[str, Form()] = "",
    dry_run: Annotated[str, Form()] = "",
) -> Response:
    """Check every row; import all of them or none, and show the per-row report."""
    errors = FormErrors()
    chosen = _int(site_id)
    if chosen is None:
        errors.add("site_id", "Choose the site to import into.")
    if file is None or not file.filename:
        errors.add("file", "Choose a CSV or JSON file.")
    if errors or file is None or chosen is None:
        return _import_page(request, session, viewer, errors=errors, site_id=site_id, status=422)
    report: importer.ImportReport | None = None
    try:
        columns = None
        if mapping is not None and mapping.filename:
            columns = parse_mapping(mapping.filename, await mapping.read(65536))
        table = read_rows(file.filename or "upload", await file.read(MAX_FILE_BYTES + 1), columns)
        report = importer.import_table(session, viewer.actor, chosen, table, dry_run=bool(dry_run))
    except importer.ImportRejected as e:
        discard(session, e)
        return _import_page(request, session, viewer, report=e.report, site_id=site_id, status=422)
    except Error as e:
        discard(session, e)
        errors.add("file", explain(e))
        return _import_page(
            request, session, viewer, errors=errors, site_id=site_id, status=e.status
        )
    return _import_page(request, session, viewer, report=report, site_id=site_id)
