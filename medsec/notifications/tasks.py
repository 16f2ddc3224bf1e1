"""Worker jobs of notifications, incident cases and training (registered by
``medsec.worker.tasks.register``):

- ``notifications.deliver``: deliver pending notifications (mark delivered, audit event
  ``notifications:notification:delivered``; queue e-mail for those who opted in) and send
  the due e-mails through the SMTP server, with retries (:mod:`medsec.notifications.mail`),
  every minute;
- ``escalation.overdue``: flag cases whose response or resolution target has passed
  (audit event ``escalation:case:overdue``, notifications for both sides), every five
  minutes;
- ``education.reminders``: remind users whose training attestation is due or overdue,
  daily at 06:15 UTC.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from huey import crontab

from medsec.db.base import utcnow
from medsec.education import training
from medsec.escalation import services as escalation
from medsec.monitoring.delivery import RetryPolicy
from medsec.notifications import services
from medsec.notifications.mail import MailDeliverer, MailReport
from medsec.notifications.smtp import SmtpConfig
from medsec.service import Instance

logger = logging.getLogger("medsec.worker")


def deliver(instance: Instance) -> int:
    email = instance.settings.smtp_host is not None
    with instance.db.session() as session:
        return len(services.deliver_pending(session, email=email))


def send_emails(instance: Instance, now: dt.datetime | None = None) -> MailReport:
    """Send the due notification e-mails (none without an SMTP server)."""
    settings = instance.settings
    if settings.smtp_host is None:
        return MailReport()
    mailer = MailDeliverer(
        instance.db,
        SmtpConfig.from_settings(settings),
        RetryPolicy.from_settings(settings),
        base_url=settings.base_url,
    )
    return mailer.deliver(now)


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
        mail = send_emails(instance)
        if mail.sent or mail.retrying or mail.failed:
            logger.info("notification e-mails: %d sent, %d to retry, %d failed",
                        mail.sent, mail.retrying, mail.failed)  # fmt: skip
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
