"""The worker's ``feeds.poll`` job: fetch every subscription every 15 minutes (registered
by :func:`medsec.worker.tasks.register`). Each subscription is fetched in its own
transaction, so one failing feed neither blocks nor undoes the others; the feed's ETag
makes an unchanged feed cost one conditional request. A feed's CSAF provider is followed
as well (:mod:`medsec.feeds.advisories`)."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from sqlalchemy import select

from medsec.audit.services import Context
from medsec.feeds import receiving
from medsec.feeds.advisories import advisory_leg
from medsec.feeds.interfaces import Transport
from medsec.feeds.models import FeedSubscription
from medsec.feeds.transport import HttpTransport
from medsec.service import Instance

logger = logging.getLogger("medsec.worker")


def poll(instance: Instance, transport: Transport) -> list[receiving.FetchReport]:
    """Fetch every subscription of every organization once."""
    with instance.db.session() as session:
        ids = list(
            session.execute(select(FeedSubscription.id).order_by(FeedSubscription.id)).scalars()
        )
    context = Context(actor="worker", ip="local")
    reports = []
    with advisory_leg(instance.http_transport) as leg:
        for subscription_id in ids:
            with instance.db.session() as session:
                found = session.get(FeedSubscription, subscription_id)
                if found is None:  # removed meanwhile
                    continue
                reports.append(receiving.fetch(session, found, transport, context, leg))
    return reports


def register(huey: Any, instance: Instance) -> Any:
    def polling() -> int:
        reports = poll(instance, HttpTransport())
        stored = sum(len(r.stored) for r in reports)
        troubled = [r.subscription_id for r in reports if r.status in ("failed", "partial")]
        if stored or troubled:
            logger.info(
                "feeds: %d entries stored; subscriptions with problems: %s",
                stored,
                troubled or "none",
            )
        return stored

    return huey.periodic_task(crontab(minute="*/15"), name="feeds.poll")(polling)
