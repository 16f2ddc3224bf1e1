"""Worker job of the CSAF consumer (registered by ``medsec.worker.tasks.register``):
``csaf.fetch`` fetches every subscription of every organization at minute 23 of each hour
(audit event ``advisories:subscription:fetched`` per subscription)."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab

from medsec.advisories.consumer import services
from medsec.advisories.consumer.download import Downloader, http_client
from medsec.advisories.validation import default_validator
from medsec.audit.services import Context
from medsec.service import Instance

logger = logging.getLogger("medsec.worker")


def fetch_all(instance: Instance) -> int:
    """Fetch every subscription; the number of documents imported."""
    with instance.db.session() as session, http_client(instance.http_transport) as client:
        reports = services.fetch_all(
            session, Downloader(client), default_validator(), Context(actor="worker", ip="local")
        )
    for report in reports:
        if report.error:
            logger.warning("CSAF subscription %d: %s", report.subscription_id, report.error)
    return sum(r.counts.get("imported", 0) for r in reports)


def register(huey: Any, instance: Instance) -> Any:
    def fetching() -> int:
        count = fetch_all(instance)
        if count:
            logger.info("imported %d CSAF documents", count)
        return count

    return huey.periodic_task(crontab(minute="23"), name="csaf.fetch")(fetching)
