"""Hospital-side monitoring: syslog intake, attribution to assets and catalog events, SIEM
forwarding and exports of a profile's event catalog.

>>> from medsec.monitoring.syslog.parser import read_message
>>> read_message(b"<165>1 2003-10-11T22:14:15.003Z host app - ID47 - hello").msgid
'ID47'
"""
