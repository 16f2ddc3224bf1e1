"""Alert rules in the browser: the list (with the effective notification settings for
admins), a form to create and edit a rule, disabling/enabling and deleting. A complaint
about a value is shown next to its field; the form keeps what was typed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from medsec.accounts.dependencies import DbSession
from medsec.accounts.roles import Permission, Role
from medsec.api.routing import OneThreadRoute
from medsec.errors import Conflict, Error
from medsec.inventory import services as inventory
from medsec.monitoring import services
from medsec.monitoring.models import AlertRule
from medsec.monitoring.notify import NotifierConfig, webhook_policy
from medsec.monitoring.schemas import AlertRuleIn
from medsec.monitoring.webhooks import WebhookRefused
from medsec.web.access import Viewer, discard, page
from medsec.web.forms import FormErrors, explain
from medsec.web.rendering import render, see_other

router = APIRouter(include_in_schema=False, route_class=OneThreadRoute)

Reader = Annotated[Viewer, page(Permission.INVENTORY_READ)]
Writer = Annotated[Viewer, page(Permission.INVENTORY_WRITE)]
SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
KINDS = (
    ("severity", "severity — an event this severe or worse"),
    ("event", "event — one of the listed event ids"),
    ("rate", "rate — many matching events from one device within a window"),
    ("silence", "silence — no message from a device for a while"),
)
FIELDS = ("name", "kind", "max_severity", "event_ids", "threshold", "window_minutes",
          "asset_serial", "email_to", "webhook_url", "webhook_secret")  # fmt: skip
Text = Annotated[str, Form()]


def _settings(request: Request) -> NotifierConfig:
    found = request.app.state.instance
    return NotifierConfig.from_settings(found.settings)


def _values(rule: AlertRule | None, serial: str = "") -> dict[str, str]:
    if rule is None:
        return {"kind": "severity", "max_severity": "3", "enabled": "on"}
    return {
        "name": rule.name, "kind": rule.kind,
        "max_severity": "" if rule.max_severity is None else str(rule.max_severity),
        "event_ids": ", ".join(rule.event_ids),
        "threshold": "" if rule.threshold is None else str(rule.threshold),
        "window_minutes": "" if rule.window_minutes is None else str(rule.window_minutes),
        "asset_serial": serial, "email_to": ", ".join(rule.email_to),
        "webhook_url": rule.webhook_url or "",
        "syslog_forward": "on" if rule.syslog_forward else "",
        "enabled": "on" if rule.enabled else "",
    }  # fmt: skip


def _form_page(
    request: Request, viewer: Viewer, rule: AlertRule | None, values: dict[str, str],
    errors: FormErrors | None = None, status: int = 200,
) -> Response:  # fmt: skip
    return render(
        request, "monitoring/rule_form.html", viewer=viewer, rule=rule, values=values,
        errors=errors or FormErrors(), kinds=KINDS, status=status,
        severities=[("", "any")] + [(str(i), f"{i} {s}") for i, s in enumerate(SEVERITIES)],
        has_secret=bool(rule is not None and rule.webhook_secret),
    )  # fmt: skip


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


def _number(errors: FormErrors, name: str, text: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        errors.add(name, f"{label} is a whole number.")
        return None
    return int(text)


def _field_of(message: str, values: dict[str, str] | None = None) -> str | None:
    """The form field a rule-level complaint is about (it names it; of two, the empty one)."""
    named = [n for n in ("max_severity", "event_ids", "threshold", "window_minutes",
                         "webhook_secret") if n in message]  # fmt: skip
    empty = [n for n in named if values is not None and not values.get(n, "").strip()]
    found = empty or named
    return found[0] if found else None


def _parse(
    session: Session, viewer: Viewer, values: dict[str, str], errors: FormErrors
) -> AlertRuleIn | None:
    numbers = {
        "max_severity": _number(errors, "max_severity", values["max_severity"], "Severity"),
        "threshold": _number(errors, "threshold", values["threshold"], "The threshold"),
        "window_minutes": _number(errors, "window_minutes", values["window_minutes"], "The window"),
    }
    errors.require("name", values["name"], "a name for the rule")
    asset_id = None
    serial = values["asset_serial"].strip()
    if serial:
        found = inventory.asset_by_serial(session, viewer.actor.organization_id, serial)
        if found is None:
            errors.add("asset_serial", f"No asset in your inventory has serial {serial[:120]}.")
        else:
            asset_id = found.id
    if errors:
        return None
    try:
        return AlertRuleIn(
            name=values["name"][:120], kind=values["kind"],
            event_ids=_split(values["event_ids"])[:100], asset_id=asset_id,
            email_to=_split(values["email_to"])[:20],
            webhook_url=values["webhook_url"].strip()[:400] or None,
            webhook_secret=values["webhook_secret"] or None,
            syslog_forward=bool(values["syslog_forward"]), enabled=bool(values["enabled"]),
            **numbers,
        )  # fmt: skip
    except ValidationError as e:
        for problem in e.errors():
            where = problem["loc"]
            message = problem["msg"].removeprefix("Value error, ")
            name = str(where[0]) if where else _field_of(message, values)
            errors.add(name if name in FIELDS else None, message[:1].upper() + message[1:] + ".")
        return None


def _save(
    request: Request, session: Session, viewer: Viewer, rule: AlertRule | None,
    values: dict[str, str],
) -> Response:  # fmt: skip
    errors = FormErrors()
    data = _parse(session, viewer, values, errors)
    if data is not None:
        policy = webhook_policy(request.app.state.instance.settings)
        try:
            if rule is None:
                services.create_rule(session, viewer.actor, data, policy)
            else:
                services.update_rule(session, viewer.actor, rule.id, data, policy)
        except Error as e:
            discard(session, e)
            if isinstance(e, WebhookRefused):
                errors.add("webhook_url", explain(e))
            elif isinstance(e, Conflict):
                errors.add("name", explain(e))
            else:
                errors.add(_field_of(e.message) or None, explain(e))
    if errors:
        return _form_page(request, viewer, rule, values, errors, status=422)
    return see_other("/monitoring/rules", "rule-saved" if rule else "rule-created")


@router.get("/monitoring/rules")
def rules(request: Request, session: DbSession, viewer: Reader) -> Response:
    found = services.list_rules(session, viewer.actor)
    assets = {r.asset_id for r in found if r.asset_id is not None}
    labels = services.asset_labels(session, viewer.actor, assets)
    is_admin = viewer.actor.role is Role.ADMIN
    return render(
        request, "monitoring/rules.html", viewer=viewer, rules=found, labels=labels,
        severities=SEVERITIES, can_write=viewer.actor.can(Permission.INVENTORY_WRITE),
        settings=_settings(request).public() if is_admin else None,
    )  # fmt: skip


@router.get("/monitoring/rules/new")
def new_rule(request: Request, viewer: Writer) -> Response:
    return _form_page(request, viewer, None, _values(None))


def _form(
    name: Text = "", kind: Text = "", max_severity: Text = "", event_ids: Text = "",
    threshold: Text = "", window_minutes: Text = "", asset_serial: Text = "",
    email_to: Text = "", webhook_url: Text = "", webhook_secret: Text = "",
    syslog_forward: Text = "", enabled: Text = "",
) -> dict[str, str]:  # fmt: skip
    return {
        "name": name, "kind": kind, "max_severity": max_severity, "event_ids": event_ids,
        "threshold": threshold, "window_minutes": window_minutes,
        "asset_serial": asset_serial, "email_to": email_to, "webhook_url": webhook_url,
        "webhook_secret": webhook_secret, "syslog_forward": syslog_forward, "enabled": enabled,
    }  # fmt: skip


Values = Annotated[dict[str, str], Depends(_form)]


@router.post("/monitoring/rules")
def create_rule(request: Request, session: DbSession, viewer: Writer, values: Values) -> Response:
    return _save(request, session, viewer, None, values)


@router.get("/monitoring/rules/{rule_id}")
def edit_rule(request: Request, session: DbSession, viewer: Writer, rule_id: int) -> Response:
    rule = services.get_rule(session, viewer.actor, rule_id)
    labels = services.asset_labels(
        session, viewer.actor, {rule.asset_id} if rule.asset_id else set()
    )
    serial = labels[rule.asset_id].serial if rule.asset_id in labels else ""
    return _form_page(request, viewer, rule, _values(rule, serial))


@router.post("/monitoring/rules/{rule_id}")
def update_rule(
    request: Request, session: DbSession, viewer: Writer, rule_id: int, values: Values
) -> Response:
    rule = services.get_rule(session, viewer.actor, rule_id)
    return _save(request, session, viewer, rule, values)


@router.post("/monitoring/rules/{rule_id}/enabled")
def toggle_rule(session: DbSession, viewer: Writer, rule_id: int, enabled: Text = "") -> Response:
    services.set_rule_enabled(session, viewer.actor, rule_id, enabled == "on")
    return see_other("/monitoring/rules", "rule-enabled" if enabled == "on" else "rule-disabled")


@router.post("/monitoring/rules/{rule_id}/delete")
def delete_rule(session: DbSession, viewer: Writer, rule_id: int) -> Response:
    services.delete_rule(session, viewer.actor, rule_id)
    return see_other("/monitoring/rules", "rule-deleted")
