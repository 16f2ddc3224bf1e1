"""The disk spool and the records it keeps: a record survives JSON unchanged whatever
the message, batches come back in the order written, a line cut short by a crash is
skipped, a damaged record is a clear error."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medsec.errors import Error
from medsec.monitoring.assets_file import FileAssetDirectory
from medsec.monitoring.catalog import Catalog
from medsec.monitoring.enrich import Enricher
from medsec.monitoring.records import DeviceEventRecord
from medsec.monitoring.spool import DiskSpool
from medsec.monitoring.syslog.parser import read_message

ENRICHER = Enricher(Catalog([]), FileAssetDirectory.empty())
WHEN = dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC)


def record(line: bytes, n: int = 0) -> DeviceEventRecord:
    message = read_message(line, received=WHEN + dt.timedelta(seconds=n), source="10.0.0.1")
    return DeviceEventRecord.of(ENRICHER.enrich(message), organization_id=1)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.from_regex(rb"<[0-9]{1,3}>1 [ -~]{0,120}", fullmatch=True))
def test_a_record_survives_json_unchanged(line: bytes) -> None:
    original = record(line)
    text = json.dumps(original.as_json(), ensure_ascii=False)
    assert DeviceEventRecord.from_json(json.loads(text)) == original
    assert "\x00" not in original.raw and "\x00" not in original.msg


def test_batches_come_back_in_order_and_clear_empties(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path / "sub" / "spool.jsonl", batch_size=2)
    assert not spool.pending
    first = [record(f"<13>1 - h a - M - {n}".encode(), n) for n in range(3)]
    second = [record(b"<13>1 - h a - M - last", 9)]
    spool.append(first)
    spool.append(second)
    assert spool.pending and spool.count() == 4
    batches = list(spool.batches())
    assert [len(b) for b in batches] == [2, 2]
    assert [r.message_id for b in batches for r in b] == [r.message_id for r in first + second]
    spool.clear()
    assert not spool.pending and list(spool.batches()) == []


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path / "spool.jsonl")
    kept = record(b"<13>1 - h a - M - kept")
    spool.append([kept])
    with spool.path.open("a", encoding="utf-8") as file:
        file.write('{"message_id": "half')
    assert [r for b in spool.batches() for r in b] == [kept]


def test_a_damaged_record_is_an_error(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path / "spool.jsonl")
    spool.path.write_text('{"message_id": "x"}\n', encoding="utf-8")
    with pytest.raises(Error, match="spooled device event is incomplete or damaged"):
        list(spool.batches())


def test_an_unwritable_spool_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(Error, match="cannot create the spool file"):
        DiskSpool(blocker / "spool.jsonl")


@pytest.mark.parametrize(
    ("line", "identity"),
    [
        (b'<13>1 - h a - M [medsec-identity@32473 vendor="V" model="M" serial="S" firmware="1"] x',
         {"vendor": "V", "model": "M", "serial": "S", "firmware": "1"}),
        (b'<13>1 - h a - M [medsec-identity@32473 serial="S" other="o"] x', {"serial": "S"}),
        (b'<13>1 - h a - M [other@1 serial="S"] x', None),
        (b"<13>1 - h a - M - x", None),
    ],
)  # fmt: skip
def test_identity_fields_are_read_from_the_documented_sd_id(
    line: bytes, identity: dict[str, str] | None
) -> None:
    assert record(line).identity() == identity
