"""The worker job of monitoring (registered by ``medsec.worker.tasks.register``):

- ``monitoring.alert-deliveries``: attempt the alert notifications that are due (first
  attempts the listener could not make, and retries after failures, see
  :mod:`medsec.monitoring.delivery`), every minute, with the SMTP, syslog and webhook
  settings of the instance (``MEDSEC_SMTP_*``, ``MEDSEC_ALERT_*``).
"""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab

from medsec.monitoring.delivery import Deliverer, DeliveryReport, RetryPolicy
from medsec.monitoring.notify import Notifier, NotifierConfig
from medsec.service import Instance

logger = logging.getLogger("medsec.worker")


def deliver_alerts(instance: Instance) -> DeliveryReport:
    settings = instance.settings
    deliverer = Deliverer(instance.db, Notifier(NotifierConfig.from_settings(settings)),
                          RetryPolicy.from_settings(settings))  # fmt: skip
    return deliverer.deliver()


def register(huey: Any, instance: Instance) -> Any:
    def delivering() -> int:
        report = deliver_alerts(instance)
        if report.delivered or report.failed or report.retrying:
            logger.info("alert notifications: %d delivered, %d to retry, %d given up",
                        report.delivered, report.retrying, report.failed)  # fmt: skip
        return report.delivered

    return huey.periodic_task(crontab(minute="*"), name="monitoring.alert-deliveries")(delivering)
