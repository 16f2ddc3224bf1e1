"""Background jobs (huey): forwarding the audit log to syslog and pruning expired rows.

The queue lives in the same database family as the instance: a SQLite file beside the
database, or the PostgreSQL database itself, so ``medsec worker`` scales out to several
hosts on PostgreSQL.
"""
