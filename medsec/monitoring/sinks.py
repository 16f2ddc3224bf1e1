"""A :class:`~medsec.monitoring.interfaces.Sink` that appends enriched events to a file,
one JSON object a line (the same objects ``medsec monitor parse`` prints).

Each batch is written with one ``write`` and flushed with ``fsync`` before
:meth:`JsonLinesSink.write` returns, so a batch the intake counts as written is on disk.
The database sink comes with the inventory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from medsec.errors import ConfigurationError
from medsec.monitoring.enrich import EnrichedEvent


class JsonLinesSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file = path.open("a", encoding="utf-8")
        except OSError as e:
            raise ConfigurationError(
                f"cannot open {path} to append syslog events: {e}",
                hint="give --output a file in a directory you can write to",
            ) from e

    def write(self, batch: Sequence[EnrichedEvent]) -> None:
        text = "".join(json.dumps(e.as_json(), ensure_ascii=False) + "\n" for e in batch)
        self._file.write(text)
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()
