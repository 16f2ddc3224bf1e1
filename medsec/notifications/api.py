"""``/api/v1/notifications`` — the caller's own delivered notifications and settings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, authenticated, instance
from medsec.api.routing import OneThreadRoute
from medsec.notifications import services

router = APIRouter(prefix="/api/v1", tags=["notifications"], route_class=OneThreadRoute)


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    topic: str
    target: str
    subject: str
    body: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class NotificationSettings(BaseModel):
    #: Also send the caller's notifications by e-mail (needs an address on the account).
    email: bool


class NotificationSettingsOut(NotificationSettings):
    address: str | None
    #: Whether the instance has an SMTP server: without one, nothing is e-mailed.
    mail_server: bool


def _settings_out(request: Request, email: bool, address: str | None) -> NotificationSettingsOut:
    configured = instance(request).settings.smtp_host is not None
    return NotificationSettingsOut(email=email, address=address, mail_server=configured)


@router.get("/notifications/settings")
def get_settings(
    request: Request, actor: Annotated[Actor, authenticated()], session: DbSession
) -> NotificationSettingsOut:
    """The caller's notification settings."""
    user = services.settings_of(session, actor)
    return _settings_out(request, user.notify_by_email, user.email)


@router.put("/notifications/settings")
def put_settings(
    request: Request,
    body: NotificationSettings,
    actor: Annotated[Actor, authenticated()],
    session: DbSession,
) -> NotificationSettingsOut:
    """Turn e-mail notifications on or off (``409 conflict`` on without an address)."""
    user = services.set_email(session, actor, body.email)
    return _settings_out(request, user.notify_by_email, user.email)


@router.get("/notifications")
def list_notifications(
    actor: Annotated[Actor, authenticated()], session: DbSession
) -> list[NotificationOut]:
    """Newest first, at most 100."""
    return [NotificationOut.model_validate(n) for n in services.mine(session, actor)]
