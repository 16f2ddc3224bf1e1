"""Observed network flows checked against the authorized flow map.

Readers turn Zeek ``conn.log`` (TSV or JSON) and ``nfdump -o csv`` output into
:class:`~medsec.flows.records.ObservedFlow` records and a
:class:`~medsec.flows.records.ReadReport` of malformed lines; the engine anti-joins them,
in DuckDB, against the authorized map that ``medsec network flows --format json`` prints.

>>> from medsec.flows.records import ObservedFlow
>>> ObservedFlow(ts=1.0, orig_h="10.0.0.1", orig_p=5000, resp_h="10.0.0.2", resp_p=80,
...              proto="tcp").key
('10.0.0.1', '10.0.0.2', 'tcp', 80)
"""
