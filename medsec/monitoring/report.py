"""The uncatalogued-messages report, from the JSON lines that ``medsec monitor listen``
and ``medsec monitor parse`` write: per product, which (APP-NAME, MSGID) were not in the
catalog, why, how often, with one example — what the hospital sends back to the
manufacturer so the catalog can grow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from medsec.errors import Error
from medsec.monitoring.enrich import UNATTRIBUTED, Uncatalogued, UncataloguedCounts


def _product(record: dict[str, object]) -> str:
    product = record.get("product")
    if not isinstance(product, dict):
        return UNATTRIBUTED
    return f"{product['manufacturer']} {product['name']} {product['version']}"


def read_events(paths: Iterable[Path]) -> UncataloguedCounts:
    """Count the uncatalogued events in JSON-lines files; raise :class:`Error` at the
    first line that is not an event medsec wrote."""
    counts = UncataloguedCounts()
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise Error(f"cannot read {path}: {e}") from e
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if record["status"] != "uncatalogued":
                    continue
                message = record["message"]
                counts.count(
                    _product(record), message["app_name"], message["msgid"],
                    Uncatalogued(record["reason"]), message["raw"],
                )  # fmt: skip
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise Error(
                    f"{path}:{number}: not an event line written by medsec monitor ({e!r})",
                    hint="give the JSON-lines output of `medsec monitor listen -o` or "
                    "`medsec monitor parse`",
                ) from e
    return counts
