"""Notifications: rows a domain writes in its own transaction (an outbox), which the
worker delivers (``notifications.deliver``) — marking each delivered and recording an
audit event ``notifications:notification:delivered``.

Delivery is in-app (the recipient's list, ``GET /api/v1/notifications``, and the audit
event, which syslog forwarding carries to a SIEM) and, for users who opted in (account
settings, ``PUT /api/v1/notifications/settings``), by e-mail through the instance's SMTP
server with retries (:mod:`medsec.notifications.mail`, :mod:`medsec.notifications.smtp`).
"""
