"""Write a small Zeek ``conn.log`` (TSV) from a list of connections — for the demo and
for trying the check without a sensor.

>>> text = conn_log([Connection(1700000000.0, "10.20.3.11", "10.30.0.10", 8443)])
>>> text.splitlines()[-2].split("\\t")[:7]
['1700000000.000000', 'C0', '10.20.3.11', '40000', '10.30.0.10', '8443', 'tcp']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FIELDS = ("ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
          "orig_bytes", "resp_bytes")  # fmt: skip
TYPES = ("time", "string", "addr", "port", "addr", "port", "enum", "string", "count", "count")


@dataclass(frozen=True)
class Connection:
    ts: float
    orig: str
    resp: str
    port: int
    proto: str = "tcp"
    service: str = "-"
    orig_bytes: int = 100
    resp_bytes: int = 200
    orig_port: int = 40000


def conn_log(connections: Iterable[Connection]) -> str:
    """A Zeek TSV ``conn.log`` with one line per connection."""
    lines = [
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tconn",
        "#fields\t" + "\t".join(FIELDS),
        "#types\t" + "\t".join(TYPES),
    ]
    for i, c in enumerate(connections):
        values = (f"{c.ts:.6f}", f"C{i}", c.orig, str(c.orig_port), c.resp, str(c.port), c.proto,
                  c.service, str(c.orig_bytes), str(c.resp_bytes))  # fmt: skip
        lines.append("\t".join(values))
    lines.append("#close\t2026-01-01-00-00-00")
    return "\n".join(lines) + "\n"
