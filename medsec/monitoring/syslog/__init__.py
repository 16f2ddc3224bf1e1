"""Syslog on the wire: RFC 5424 and RFC 3164 messages, RFC 6587 framing.

:func:`medsec.monitoring.syslog.parser.read_message` turns any received octets into a
:class:`~medsec.monitoring.syslog.message.SyslogMessage`, never raising: a message that
does not parse is kept raw with its parse error.
"""
