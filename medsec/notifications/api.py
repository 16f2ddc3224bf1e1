"""``/api/v1/notifications`` — the caller's own delivered notifications."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from medsec.accounts.actor import Actor
from medsec.accounts.dependencies import DbSession, authenticated
from medsec.notifications import services

router = APIRouter(prefix="/api/v1", tags=["notifications"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    topic: str
    target: str
    subject: str
    body: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


@router.get("/notifications")
def list_notifications(
    actor: Annotated[Actor, authenticated()], session: DbSession
) -> list[NotificationOut]:
    """Newest first, at most 100."""
    return [NotificationOut.model_validate(n) for n in services.mine(session, actor)]
