"""In-app notifications: rows a domain writes in its own transaction (an outbox), which
the worker delivers (``notifications.deliver``) — marking each delivered and recording an
audit event ``notifications:notification:delivered``.

medsec has no mail setting yet, so delivery is in-app only: the notification list of the
recipient (``GET /api/v1/notifications``) and the audit event, which syslog forwarding
carries to a SIEM. A mail adapter belongs here once ``MEDSEC_SMTP_*`` settings exist.
"""
