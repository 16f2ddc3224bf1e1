"""A disk spool for device events while the database is away.

The spool is one append-only file of JSON lines (one :class:`DeviceEventRecord` a
line). :meth:`DiskSpool.append` writes a batch with one ``write`` and ``fsync`` before it
returns, so what the intake counts as written is on disk. :meth:`DiskSpool.batches`
reads it back in the order written; the store's insert is idempotent on the message id,
so replaying a batch twice (a crash after the insert, before :meth:`DiskSpool.clear`)
stores each message once. A last line cut short by a crash during ``append`` (that batch
was never acknowledged) is skipped with a warning.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from medsec.errors import ConfigurationError
from medsec.monitoring.records import DeviceEventRecord

log = logging.getLogger(__name__)


class DiskSpool:
    def __init__(self, path: Path, batch_size: int = 500) -> None:
        self.path = path
        self.batch_size = batch_size
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=True)
        except OSError as e:
            raise ConfigurationError(
                f"cannot create the spool file {path}: {e}",
                hint="give --spool a file in a directory the listener can write to",
            ) from e

    @property
    def pending(self) -> bool:
        return self.path.stat().st_size > 0

    def append(self, records: Sequence[DeviceEventRecord]) -> None:
        text = "".join(
            json.dumps(r.as_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
            for r in records
        )
        with self.path.open("a", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())

    def batches(self) -> Iterator[list[DeviceEventRecord]]:
        """The spooled records in the order written, ``batch_size`` at a time."""
        batch: list[DeviceEventRecord] = []
        with self.path.open(encoding="utf-8") as file:
            for number, line in enumerate(file, 1):
                if not line.endswith("\n"):
                    log.warning("%s:%d: skipping a line cut short by a crash", self.path, number)
                    break
                batch.append(DeviceEventRecord.from_json(json.loads(line)))
                if len(batch) >= self.batch_size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def count(self) -> int:
        with self.path.open("rb") as file:
            return sum(1 for line in file if line.endswith(b"\n"))

    def clear(self) -> None:
        with self.path.open("r+b") as file:
            file.truncate(0)
            file.flush()
            os.fsync(file.fileno())
