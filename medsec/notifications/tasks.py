"""Worker jobs of notifications, incident cases and training (registered by
``medsec.worker.tasks.register``):

- ``notifications.deliver``: deliver pending notifications (mark delivered, audit event
  ``notifications:notification:delivered``), every minute;
- ``escalation.overdue``: flag cases whose response or resolution target has passed
  (audit event ``escalation:case:overdue``, notifications for both sides), every five
  minutes;
- ``education.reminders``: remind users whose training attestation is due or overdue,
  daily at 06:15 UTC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from huey import crontab

from medsec.db.base import utcnow
from medsec.education import training
from medsec.escalation import services as escalation
from medsec.notifications import services
from medsec.service import Instance

logger = logging.getLogger("medsec.worker")


def deliver(instance: Instance) -> int:
    with instance.db.session() as session:
        return len(services.deliver_pending(session))


def flag_overdue(instance: Instance) -> int:
    with instance.db.session() as session:
        return len(escalation.report_overdue(session, utcnow()))


def remind_training(instance: Instance) -> int:
    with instance.db.session() as session:
        return training.send_reminders(session, utcnow().date())


@dataclass(frozen=True)
class NotificationTasks:
    deliver: Any
    overdue: Any
    reminders: Any


def register(huey: Any, instance: Instance) -> NotificationTasks:
    def delivering() -> int:
        count = deliver(instance)
        if count:
            logger.info("delivered %d notifications", count)
        return count

    def overdue() -> int:
        count = flag_overdue(instance)
        if count:
            logger.info("flagged %d overdue case timers", count)
        return count

    def reminders() -> int:
        count = remind_training(instance)
        if count:
            logger.info("sent %d training reminders", count)
        return count

    return NotificationTasks(
        huey.periodic_task(crontab(minute="*"), name="notifications.deliver")(delivering),
        huey.periodic_task(crontab(minute="*/5"), name="escalation.overdue")(overdue),
        huey.periodic_task(crontab(hour="6", minute="15"), name="education.reminders")(reminders),
    )
