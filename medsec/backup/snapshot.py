"""A portable logical snapshot of the database: each table as JSON lines, with a manifest,
in one gzip-compressed tar stream.

Values are written by meaning, not by storage format (timestamps as ISO 8601 UTC with
``Z``, bytes as base64, decimals as strings), so a snapshot taken from SQLite loads into
PostgreSQL and back. Rows are ordered by primary key and keys sorted, so the same data
always gives the same bytes and the same SHA-256, whichever database it came from.

Tables are read inside one read transaction (REPEATABLE READ, READ ONLY on PostgreSQL; one
``BEGIN`` … ``ROLLBACK`` on SQLite, whose WAL mode gives that reader a fixed snapshot), so
the snapshot is consistent even while the service writes.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Table, delete, insert, select, text
from sqlalchemy.schema import sort_tables
from sqlalchemy.types import TypeDecorator, TypeEngine

from medsec.backup.encryption import BackupError
from medsec.backup.manifest import FORMAT, FORMAT_VERSION, FileEntry, Manifest, TableEntry
from medsec.db.metadata import metadata

#: Not backed up: sessions and rate-limit counters are short-lived. A restore empties them,
#: so everybody logs in again.
EPHEMERAL = frozenset({"login_sessions", "rate_limit_hits"})
MANIFEST = "manifest.json"
INSERT_BATCH = 1000


def backed_up_tables() -> list[Table]:
    """The tables of the current schema that a backup holds, in foreign-key order."""
    return [t for t in metadata.sorted_tables if t.name not in EPHEMERAL]


# --------------------------------------------------------------------------- values


def encode(value: Any) -> Any:
    """A column value as JSON. Naive datetimes are UTC (medsec stores only UTC)."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    raise TypeError(f"cannot write a {type(value).__name__} value")


def _python_type(table: Table, column: str) -> type | None:
    column_type: TypeEngine[Any] = table.columns[column].type
    while isinstance(column_type, TypeDecorator):  # e.g. UtcDateTime: decode as its impl
        column_type = column_type.impl_instance
    try:
        kind: type = column_type.python_type
    except NotImplementedError:
        return None
    return kind


def decode(value: Any, kind: type | None) -> Any:
    """A JSON value back into what the column's type expects."""
    if value is None or kind is None:
        return value
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value, validate=True)
    if kind is decimal.Decimal:
        return decimal.Decimal(value)
    return value


def _line(row: Mapping[str, Any]) -> bytes:
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --------------------------------------------------------------------------- reading


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one snapshot of the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            snapshot = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with snapshot.begin():
                yield snapshot
        return
    with engine.connect() as connection:
        # pysqlite starts transactions only before writes, so without this BEGIN every
        # SELECT would see the database as of its own moment.
        connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            connection.rollback()


@dataclass(frozen=True)
class TableDump:
    entry: TableEntry
    content: bytes


def dump_table(connection: Connection, table: Table) -> TableDump:
    out = io.BytesIO()
    rows = 0
    stmt = select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(stmt.execution_options(yield_per=INSERT_BATCH)).mappings():
        try:
            encoded = {name: encode(value) for name, value in row.items()}
        except TypeError as e:
            raise BackupError(f"table {table.name}: {e}") from e
        out.write(_line(encoded) + b"\n")
        rows += 1
    content = out.getvalue()
    entry = TableEntry(name=table.name, rows=rows, sha256=hashlib.sha256(content).hexdigest())
    return TableDump(entry, content)


def dump_tables(
    connection: Connection, tables: Sequence[Table],
    on_table: Callable[[TableEntry], None] | None = None,
) -> list[TableDump]:  # fmt: skip
    dumps = []
    for table in tables:
        dumped = dump_table(connection, table)
        dumps.append(dumped)
        if on_table is not None:
            on_table(dumped.entry)
    return dumps


# --------------------------------------------------------------------------- the stream


def _add(archive: tarfile.TarFile, name: str, content: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(mtime)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


def pack(manifest: Manifest, tables: Sequence[TableDump], files: Mapping[str, bytes]) -> bytes:
    """The tar.gz stream: the manifest first, then every table, then every file."""
    out = io.BytesIO()
    mtime = manifest.created_at.timestamp()
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        _add(archive, MANIFEST, manifest.model_dump_json(indent=2).encode(), mtime)
        for dumped in tables:
            _add(archive, dumped.entry.member, dumped.content, mtime)
        for entry in manifest.files:
            _add(archive, entry.member, files[entry.path], mtime)
    return out.getvalue()


def file_entry(path: str, content: bytes) -> FileEntry:
    return FileEntry(path=path, size=len(content), sha256=hashlib.sha256(content).hexdigest())


@dataclass(frozen=True)
class Snapshot:
    """A verified snapshot: every part matches the manifest."""

    manifest: Manifest
    tables: Mapping[str, bytes]
    files: Mapping[str, bytes]

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        for line in self.tables[name].splitlines():
            row: dict[str, Any] = json.loads(line)
            yield row


def _members(data: bytes, source: str) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for info in archive:
                if not info.isreg():
                    raise BackupError(f"{source}: part {info.name!r} is not a regular file")
                if info.name in members:
                    raise BackupError(f"{source}: part {info.name!r} appears twice")
                extracted = archive.extractfile(info)
                members[info.name] = extracted.read() if extracted is not None else b""
    except (tarfile.TarError, EOFError, OSError) as e:
        raise BackupError(f"{source}: the decrypted backup is not a valid tar.gz ({e})") from e
    return members


def _manifest(raw: bytes | None, source: str) -> Manifest:
    if raw is None:
        raise BackupError(f"{source}: no {MANIFEST}: not a medsec backup")
    try:
        document = json.loads(raw)
    except ValueError as e:
        raise BackupError(f"{source}: {MANIFEST} is not JSON ({e})") from e
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(f"{source}: {MANIFEST} does not describe a {FORMAT}")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"{source}: backup format version {version!r}; this medsec reads version "
            f"{FORMAT_VERSION}",
            hint="restore it with the medsec version that made it, or a newer one",
        )
    try:
        return Manifest.model_validate(document)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise BackupError(f"{source}: {MANIFEST} is not valid: {problems}") from e


def _check(source: str, member: str, content: bytes, sha256: str) -> None:
    found = hashlib.sha256(content).hexdigest()
    if found != sha256:
        raise BackupError(
            f"{source}: {member}: SHA-256 {found} does not match the manifest's {sha256}",
            hint="the backup is damaged; use another copy",
        )


def unpack(data: bytes, source: str) -> Snapshot:
    """Open a decrypted snapshot and check every part against the manifest."""
    members = _members(data, source)
    manifest = _manifest(members.pop(MANIFEST, None), source)
    expected = {t.member for t in manifest.tables} | {f.member for f in manifest.files}
    if len(expected) != len(manifest.tables) + len(manifest.files):
        raise BackupError(f"{source}: {MANIFEST} lists a table or a file twice")
    if missing := sorted(expected - members.keys()):
        raise BackupError(f"{source}: the manifest lists {', '.join(missing)}, which are missing")
    if extra := sorted(members.keys() - expected):
        raise BackupError(f"{source}: parts not in the manifest: {', '.join(extra)}")
    for table in manifest.tables:
        content = members[table.member]
        _check(source, table.member, content, table.sha256)
        lines = content.splitlines()
        if len(lines) != table.rows:
            raise BackupError(
                f"{source}: {table.member} has {len(lines)} rows; the manifest says {table.rows}"
            )
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except ValueError as e:
                raise BackupError(f"{source}: {table.member}:{number}: not JSON ({e})") from e
            if not isinstance(row, dict):
                raise BackupError(f"{source}: {table.member}:{number}: not a JSON object")
    for file in manifest.files:
        content = members[file.member]
        _check(source, file.member, content, file.sha256)
        if len(content) != file.size:
            raise BackupError(f"{source}: {file.member}: size differs from the manifest")
    return Snapshot(
        manifest,
        tables={t.name: members[t.member] for t in manifest.tables},
        files={f.path: members[f.member] for f in manifest.files},
    )


# --------------------------------------------------------------------------- loading


def _decoded_rows(snapshot: Snapshot, table: Table) -> Iterator[dict[str, Any]]:
    columns = set(table.columns.keys())
    kinds = {name: _python_type(table, name) for name in columns}
    member = f"tables/{table.name}.jsonl"
    for number, row in enumerate(snapshot.rows(table.name), start=1):
        if row.keys() != columns:
            unknown = sorted(row.keys() - columns)
            absent = sorted(columns - row.keys())
            raise BackupError(
                f"{member}:{number}: columns do not match table {table.name} at revision "
                f"{snapshot.manifest.alembic_revision} (unknown: {unknown}, missing: {absent})"
            )
        try:
            yield {name: decode(value, kinds[name]) for name, value in row.items()}
        except (ValueError, TypeError) as e:
            raise BackupError(f"{member}:{number}: a value does not fit its column: {e}") from e


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def replace_contents(
    connection: Connection, snapshot: Snapshot, tables: Sequence[Table],
    clear: Sequence[Table] = (),
) -> dict[str, int]:  # fmt: skip
    """In the caller's transaction: empty ``tables`` and ``clear`` (children first), then
    insert the snapshot's rows (parents first). Returns how many rows each table had."""
    names = {t.name for t in tables}
    if names != set(snapshot.tables):
        raise BackupError(
            f"the backup's tables ({', '.join(sorted(snapshot.tables))}) are not those of "
            f"revision {snapshot.manifest.alembic_revision} ({', '.join(sorted(names))})"
        )
    ordered = sort_tables([*tables, *clear])
    replaced: dict[str, int] = {}
    for table in reversed(ordered):
        replaced[table.name] = connection.execute(delete(table)).rowcount
    for table in ordered:
        if table.name in names:
            for batch in _batches(_decoded_rows(snapshot, table)):
                connection.execute(insert(table), batch)
    if connection.dialect.name == "postgresql":
        reset_sequences(connection, tables)
    return replaced


def reset_sequences(connection: Connection, tables: Sequence[Table]) -> None:
    """Move each serial column's sequence past the restored rows (explicit ids do not)."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar_one()
            if sequence is None:
                continue
            connection.execute(
                text(
                    f"SELECT setval(:sequence, COALESCE(MAX({quote(column.name)}), 0) + 1, "  # noqa: S608
                    f"false) FROM {quote(table.name)}"
                ),
                {"sequence": sequence},
            )
