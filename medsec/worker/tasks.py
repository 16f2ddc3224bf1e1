"""The worker's jobs, registered on a huey instance for one :class:`Instance`.

- ``audit.forward``: send audit events after the stored cursor to the syslog server
  (MEDSEC_AUDIT_SYSLOG_*), every minute and on demand (``medsec audit forward --queue``),
  retried with back-off when the server is unreachable. A huey lock keeps two workers
  from forwarding at once.
- ``maintenance.prune``: delete rate-limit counters older than an hour and sessions that
  expired, idled out or were revoked, every ten minutes.
- ``updates.notices.publish``: publish the lifecycle (end-of-support) notices whose
  publication date has come, every hour (``medsec updates notices due --publish`` does
  the same by hand). Each publication is an audit event, which the syslog forwarding
  carries to subscribers' SIEMs, and a notification to the users of each hospital that
  holds the product.
- ``updates.reminders``: remind the planners of maintenance windows with planned updates
  starting within a day, and of tasks whose slot ended without an outcome, every 15
  minutes (:mod:`medsec.updates.reminders`; ``medsec updates remind`` by hand).
- ``monitoring.alert-deliveries``: alert notifications due for a (re)try, every minute
  (:mod:`medsec.monitoring.tasks`).
- ``notifications.deliver``, ``escalation.overdue``, ``education.reminders``: see
  :mod:`medsec.notifications.tasks`.
- ``feeds.poll``: fetch every feed subscription, every 15 minutes; see
  :mod:`medsec.feeds.tasks`.
- ``csaf.fetch``: fetch every CSAF subscription hourly, see
  :mod:`medsec.advisories.consumer.tasks`.

Huey calls tasks by name, so the process that enqueues and the one that runs must both
call :func:`register`. Task functions take no arguments: everything comes from the
instance the worker was started with.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from huey import crontab
from huey.exceptions import TaskLockedException
from sqlalchemy import delete, or_

from medsec.accounts import ratelimit
from medsec.accounts.models import LoginSession
from medsec.advisories.consumer import tasks as csaf_tasks
from medsec.audit import syslog
from medsec.audit.services import Context
from medsec.db.base import utcnow
from medsec.errors import ConfigurationError
from medsec.feeds import tasks as feed_tasks
from medsec.monitoring import tasks as monitoring_tasks
from medsec.notifications import tasks as notification_tasks
from medsec.service import Instance
from medsec.settings import Settings
from medsec.updates import reminders
from medsec.updates import services as updates

logger = logging.getLogger("medsec.worker")

FORWARD_LOCK = "audit-forward"
#: The on-demand forward retries 5 times, 30 s apart and doubling (30 s … 8 min).
FORWARD_RETRIES, FORWARD_RETRY_DELAY = 5, 30
RATE_LIMIT_KEEP = dt.timedelta(hours=1)


def syslog_connection(settings: Settings) -> AbstractContextManager[syslog.Sender]:
    if not settings.audit_syslog_host:
        raise ConfigurationError(
            "no syslog server to forward the audit log to",
            hint="set MEDSEC_AUDIT_SYSLOG_HOST (and _PORT, _TLS, _CA_FILE)",
        )
    return syslog.TcpSender(
        settings.audit_syslog_host, settings.audit_syslog_port,
        tls=settings.audit_syslog_tls, ca_file=settings.audit_syslog_ca_file,
    )  # fmt: skip


class ForwardingBusy(Exception):
    """Another process holds the forwarding lock."""


def forward_audit_events(instance: Instance, huey: Any) -> syslog.ForwardReport:
    """Forward pending events under the queue-wide lock (:class:`ForwardingBusy` if held)."""
    settings = instance.settings
    try:
        with huey.lock_task(FORWARD_LOCK):
            return syslog.forward_pending(instance.db, lambda: syslog_connection(settings))
    except TaskLockedException as e:
        raise ForwardingBusy(str(e)) from e


@dataclass(frozen=True)
class PruneReport:
    sessions: int
    rate_limit_hits: int


def prune_expired(instance: Instance) -> PruneReport:
    """Delete sessions that can no longer be used and rate-limit counters past any window."""
    now = utcnow()
    with instance.db.session() as session:
        gone = session.execute(
            delete(LoginSession).where(or_(
                LoginSession.revoked_at.is_not(None),
                LoginSession.expires_at < now,
                LoginSession.last_seen_at < now - instance.auth.idle,
            ))
        )  # fmt: skip
        hits = ratelimit.prune(session, older_than=RATE_LIMIT_KEEP)
    return PruneReport(int(getattr(gone, "rowcount", 0) or 0), hits)


def publish_due_notices(instance: Instance) -> int:
    """Publish the lifecycle notices that have become due; how many were published."""
    with instance.db.session() as session:
        found = updates.publish_due(session, utcnow().date(), Context(actor="worker", ip="local"))
        return len(found)


def send_update_reminders(instance: Instance) -> reminders.Reminders:
    """Queue the update-planning reminders that have come due (see the module)."""
    with instance.db.session() as session:
        return reminders.remind(session, utcnow())


@dataclass(frozen=True)
class Tasks:
    """The registered task wrappers: call one to enqueue it."""

    huey: Any
    forward_audit: Any
    forward_audit_periodic: Any
    prune: Any
    publish_notices: Any
    update_reminders: Any


def register(huey: Any, instance: Instance) -> Tasks:
    def forward() -> int:
        if not instance.settings.audit_syslog_host:
            return 0
        try:
            report = forward_audit_events(instance, huey)
        except ForwardingBusy:
            logger.info("audit forwarding already running elsewhere; skipped")
            return 0
        if report.sent:
            logger.info("forwarded %d audit events (through seq %d)", report.sent, report.last_seq)
        return report.sent

    def prune() -> None:
        report = prune_expired(instance)
        logger.info("pruned %d sessions and %d rate-limit counters",
                    report.sessions, report.rate_limit_hits)  # fmt: skip

    # huey is untyped: its decorators are applied as calls so mypy keeps the functions' types.
    on_demand = huey.task(
        retries=FORWARD_RETRIES, retry_delay=FORWARD_RETRY_DELAY, retry_backoff=2,
        name="audit.forward",
    )(forward)  # fmt: skip
    # Every minute, retried twice 15 s apart; a run that finds the lock held skips.
    periodic = huey.periodic_task(
        crontab(minute="*"), retries=2, retry_delay=15, name="audit.forward.periodic"
    )(forward)
    pruning = huey.periodic_task(crontab(minute="*/10"), name="maintenance.prune")(prune)

    def notices() -> int:
        published = publish_due_notices(instance)
        if published:
            logger.info("published %d lifecycle notices that became due", published)
        return published

    # Hourly, so a worker that was down at midnight catches up within the hour.
    noticing = huey.periodic_task(crontab(minute="7"), name="updates.notices.publish")(notices)

    def update_reminders() -> int:
        sent = send_update_reminders(instance)
        if sent.windows or sent.overdue:
            logger.info("update reminders: %d upcoming windows, %d overdue tasks",
                        sent.windows, sent.overdue)  # fmt: skip
        return sent.windows + sent.overdue

    reminding = huey.periodic_task(crontab(minute="*/15"), name="updates.reminders")(
        update_reminders
    )
    notification_tasks.register(huey, instance)
    feed_tasks.register(huey, instance)
    csaf_tasks.register(huey, instance)
    monitoring_tasks.register(huey, instance)
    return Tasks(huey, on_demand, periodic, pruning, noticing, reminding)


def run_consumer(instance: Instance, huey: Any, *, threads: int = 2) -> None:
    """Run the huey consumer in this process until SIGINT/SIGTERM (blocking)."""
    register(huey, instance)
    # extra_locks: a worker killed while forwarding must not leave the lock held forever.
    consumer = huey.create_consumer(
        workers=threads, worker_type="thread", periodic=True, extra_locks=FORWARD_LOCK,
        check_worker_health=True,
    )  # fmt: skip
    consumer.run()
