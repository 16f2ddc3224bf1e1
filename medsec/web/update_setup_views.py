"""Editing and deleting a site's maintenance windows and group limits in the browser.

Each has an edit page (linked from the site's update plan page) with a form whose errors
are shown at their fields, and a delete button. A window that has updates planned in it
is moved or deleted only when the form's "defer the planned updates" box is ticked (see
:mod:`medsec.updates.planning_changes`); the page says how many there are. Every form
works without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission
from medsec.api.routing import OneThreadRoute
from medsec.errors import Error, NotFound
from medsec.inventory import services as inventory
from medsec.products import services as products
from medsec.updates import fleet, planning_changes
from medsec.updates.planning_models import MaintenanceWindow, UpdateGroup
from medsec.updates.planning_schemas import GroupPatch, WindowPatch
from medsec.updates.windows import WEEKDAYS, WindowError
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Writer = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]

#: Which form field a schema field's error belongs to.
WINDOW_FIELDS = {"zone_id": "scope", "asset_id": "scope"}


def _field_errors(e: ValidationError, rename: dict[str, str]) -> FormErrors:
    errors = FormErrors()
    for problem in e.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        errors.add(rename.get(name, name) or None, f"{name}: {problem['msg']}")
    return errors


def _window_field(error: Error) -> str | None:
    """The form field a service error about a window is about (None: the whole form)."""
    if isinstance(error, planning_changes.WindowInUse):
        return None
    text = error.message
    if isinstance(error, WindowError):
        if "weekday" in text:
            return "days"
        if "start and end" in text:
            return "end"
    if "time zone" in text:
        return "timezone"
    if isinstance(error, NotFound) and ("no zone" in text or "no asset" in text):
        return "scope"
    return None


def _window_values(window: MaintenanceWindow) -> dict[str, str]:
    scope = "site"
    if window.zone_id is not None:
        scope = f"zone:{window.zone_id}"
    elif window.asset_id is not None:
        scope = f"asset:{window.asset_id}"
    return {
        "name": window.name,
        "scope": scope,
        "days": ",".join(WEEKDAYS[d] for d in window.weekdays),
        "start": window.start_time.strftime("%H:%M"),
        "end": window.end_time.strftime("%H:%M"),
        "timezone": window.timezone or "",
        "downtime": "yes" if window.downtime else "",
    }


def _window_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    window: MaintenanceWindow,
    values: dict[str, str],
    errors: FormErrors | None = None,
) -> Response:
    site = window.site
    scopes = [("site", "the whole site")]
    scopes += [(f"zone:{z.id}", f"zone {z.name}") for z in site.zones]
    scopes += [(f"asset:{a.id}", f"asset {a.serial}") for a in fleet.site_assets(session, site.id)]
    return render(
        request,
        "updates/window_form.html",
        viewer=viewer,
        status=422 if errors else 200,
        site=site,
        window=window,
        values=values,
        scopes=scopes,
        tasks=planning_changes.window_tasks(session, window.id),
        errors=errors or FormErrors(),
    )


@router.get("/inventory/maintenance-windows/{window_id}/edit")
def edit_window(request: Request, session: DbSession, viewer: Writer, window_id: int) -> Response:
    window = planning_changes.get_window(session, viewer.actor, window_id)
    return _window_page(request, session, viewer, window, _window_values(window))


def _target(scope: str) -> dict[str, int | None]:
    kind, _, target = scope.partition(":")
    number = int(target) if target.isdigit() and 0 < int(target) < 2**31 else None
    return {
        "zone_id": number if kind == "zone" else None,
        "asset_id": number if kind == "asset" else None,
    }


@router.post("/inventory/maintenance-windows/{window_id}")
def save_window(
    request: Request,
    session: DbSession,
    viewer: Writer,
    window_id: int,
    name: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "site",
    days: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    downtime: Annotated[str, Form()] = "",
    defer_tasks: Annotated[str, Form()] = "",
) -> Response:
    window = planning_changes.get_window(session, viewer.actor, window_id)
    values = {"name": name, "scope": scope, "days": days, "start": start, "end": end,
              "timezone": timezone, "downtime": downtime}  # fmt: skip
    errors = FormErrors()
    errors.require("name", name, "a name")
    errors.require("days", days, "the days, e.g. tue or mon-fri")
    errors.require("start", start, "the start time")
    errors.require("end", end, "the end time")
    if errors:
        return _window_page(request, session, viewer, window, values, errors)
    try:
        patch = WindowPatch.model_validate(
            {
                "name": name.strip()[:120],
                "days": days[:60],
                "start": start,
                "end": end,
                "timezone": timezone.strip()[:64],
                "downtime": downtime == "yes",
                **_target(scope),
            }
        )
    except ValidationError as e:
        return _window_page(
            request, session, viewer, window, values, _field_errors(e, WINDOW_FIELDS)
        )
    site_id = window.site_id
    try:
        planning_changes.update_window(
            session, viewer.actor, window_id, patch, defer_tasks=defer_tasks == "yes"
        )
    except Error as e:
        discard(session, e)
        window = planning_changes.get_window(session, viewer.actor, window_id)
        errors.add(_window_field(e), explain(e))
        return _window_page(request, session, viewer, window, values, errors)
    return see_other(f"/inventory/sites/{site_id}/updates", "window-changed")


@router.post("/inventory/maintenance-windows/{window_id}/delete")
def delete_window(
    request: Request,
    session: DbSession,
    viewer: Writer,
    window_id: int,
    defer_tasks: Annotated[str, Form()] = "",
) -> Response:
    window = planning_changes.get_window(session, viewer.actor, window_id)
    site_id = window.site_id
    try:
        planning_changes.delete_window(
            session, viewer.actor, window_id, defer_tasks=defer_tasks == "yes"
        )
    except Error as e:
        discard(session, e)
        window = planning_changes.get_window(session, viewer.actor, window_id)
        errors = FormErrors()
        errors.add(None, f"Not deleted: {explain(e)}")
        return _window_page(request, session, viewer, window, _window_values(window), errors)
    return see_other(f"/inventory/sites/{site_id}/updates", "window-deleted")


# --------------------------------------------------------------------------- groups


def _group_values(group: UpdateGroup) -> dict[str, str]:
    return {
        "name": group.name,
        "zone_id": str(group.zone_id or ""),
        "product_id": str(group.product_id or ""),
        "max_concurrent": str(group.max_concurrent),
    }


def _group_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    group: UpdateGroup,
    values: dict[str, str],
    errors: FormErrors | None = None,
) -> Response:
    site = inventory.get_site(session, viewer.actor, group.site_id)
    return render(
        request,
        "updates/group_form.html",
        viewer=viewer,
        status=422 if errors else 200,
        site=site,
        group=group,
        values=values,
        zones=[("", "any zone"), *((str(z.id), z.name) for z in site.zones)],
        products=[
            ("", "any product"),
            *((str(p.id), p.name) for p in products.list_products(session, viewer.actor)),
        ],
        errors=errors or FormErrors(),
    )


@router.get("/inventory/update-groups/{group_id}/edit")
def edit_group(request: Request, session: DbSession, viewer: Writer, group_id: int) -> Response:
    group = planning_changes.get_group(session, viewer.actor, group_id)
    return _group_page(request, session, viewer, group, _group_values(group))


def _number(value: str) -> int | None:
    cleaned = value.strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) < 10 else None


@router.post("/inventory/update-groups/{group_id}")
def save_group(
    request: Request,
    session: DbSession,
    viewer: Writer,
    group_id: int,
    name: Annotated[str, Form()] = "",
    zone_id: Annotated[str, Form()] = "",
    product_id: Annotated[str, Form()] = "",
    max_concurrent: Annotated[str, Form()] = "",
) -> Response:
    group = planning_changes.get_group(session, viewer.actor, group_id)
    values = {"name": name, "zone_id": zone_id, "product_id": product_id,
              "max_concurrent": max_concurrent}  # fmt: skip
    errors = FormErrors()
    errors.require("name", name, "a name")
    limit = _number(max_concurrent)
    if limit is None:
        errors.add("max_concurrent", "Enter how many devices at most, a whole number 1–1000.")
    if errors:
        return _group_page(request, session, viewer, group, values, errors)
    try:
        patch = GroupPatch(
            name=name.strip()[:120],
            zone_id=_number(zone_id) or None,
            product_id=_number(product_id) or None,
            max_concurrent=limit,
        )
    except ValidationError as e:
        return _group_page(request, session, viewer, group, values, _field_errors(e, {}))
    site_id = group.site_id
    try:
        planning_changes.update_group(session, viewer.actor, group_id, patch)
    except Error as e:
        discard(session, e)
        group = planning_changes.get_group(session, viewer.actor, group_id)
        field = "zone_id" if "no zone" in e.message else None
        field = "product_id" if "product" in e.message else field
        errors.add(field, explain(e))
        return _group_page(request, session, viewer, group, values, errors)
    return see_other(f"/inventory/sites/{site_id}/updates", "group-changed")


@router.post("/inventory/update-groups/{group_id}/delete")
def delete_group(session: DbSession, viewer: Writer, group_id: int) -> Response:
    group = planning_changes.get_group(session, viewer.actor, group_id)
    site_id = group.site_id
    planning_changes.delete_group(session, viewer.actor, group_id)
    return see_other(f"/inventory/sites/{site_id}/updates", "group-deleted")
