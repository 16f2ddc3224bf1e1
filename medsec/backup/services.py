"""Create and restore encrypted backups of an instance.

A backup is the database (a logical snapshot, :mod:`medsec.backup.snapshot`) plus the
instance secret (``data_dir/secret_key``, without which sealed MFA seeds are unreadable)
and any keys under ``data_dir/keys``, in a tar stream encrypted with age.

>>> # create_backup(instance, Path("medsec.backup.age"), Passphrase("…"), Context.cli())
>>> # restore_backup(instance, Path("medsec.backup.age"), Passphrase("…"), Context.cli())
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, func, select
from sqlalchemy.orm import Session

from medsec.accounts.models import Organization, User
from medsec.audit.services import Context, VerifyReport, record, verify
from medsec.audit.tags import Tag
from medsec.backup.encryption import BackupError, Identities, Passphrase, Recipients, decrypt
from medsec.backup.encryption import encrypt as age_encrypt
from medsec.backup.manifest import Manifest, TableEntry
from medsec.backup.snapshot import (
    EPHEMERAL,
    Snapshot,
    backed_up_tables,
    dump_tables,
    file_entry,
    pack,
    read_transaction,
    replace_contents,
    unpack,
)
from medsec.db import migrate
from medsec.db.base import utcnow
from medsec.db.engine import Database
from medsec.db.metadata import metadata
from medsec.service import Instance
from medsec.settings import Settings

_KEY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$")


def medsec_version() -> str:
    try:
        return importlib.metadata.version("medsec")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------- files


def instance_files(settings: Settings) -> tuple[Literal["file", "environment"], dict[str, bytes]]:
    """Where the instance secret comes from, and the secret files to back up."""
    files: dict[str, bytes] = {}
    source: Literal["file", "environment"]
    if settings.secret_key is not None:
        source = "environment"
    else:
        source = "file"
        settings.resolved_secret_key()  # creates the file on an instance that never ran
        files["secret_key"] = (settings.data_dir / "secret_key").read_bytes()
    keys = settings.data_dir / "keys"
    if keys.is_dir():
        for path in sorted(keys.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            relative = path.relative_to(keys)
            if path.is_symlink() or not path.is_file():
                raise BackupError(f"{path}: only regular files can be backed up from {keys}")
            if not all(_KEY_NAME.match(part) for part in relative.parts):
                raise BackupError(
                    f"{path}: file name not allowed in a backup",
                    hint="use letters, digits, '.', '_' and '-' only",
                )
            files[f"keys/{relative.as_posix()}"] = path.read_bytes()
    return source, files


def _stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``path`` (mode 0600, synced)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _install(staged: Path, path: Path) -> None:
    os.replace(staged, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: readers see the old file or the new one,
    never a part of it."""
    try:
        _install(_stage(path, data), path)
    except OSError as e:
        raise BackupError(f"cannot write {path}: {e.strerror or e}") from e


# --------------------------------------------------------------------------- create


@dataclass(frozen=True)
class BackupReport:
    path: Path
    manifest: Manifest
    size: int
    sha256: str


def _head() -> str:
    head = migrate.head_revision()
    if head is None:
        raise BackupError("medsec has no database migrations; the installation is broken")
    return head


def _require_head(revision: str | None) -> str:
    head = _head()
    if revision != head:
        raise BackupError(
            f"the database is at migration revision {revision or 'none'}, not {head}",
            hint="run `medsec db upgrade` first",
        )
    return head


def create_backup(
    instance: Instance, out: Path, to: Passphrase | Recipients, context: Context,
    on_table: Callable[[TableEntry], None] | None = None,
) -> BackupReport:  # fmt: skip
    """Write an encrypted snapshot of the instance to ``out`` and record it in the log."""
    with read_transaction(instance.db.engine) as connection:
        revision = _require_head(MigrationContext.configure(connection).get_current_revision())
        dumps = dump_tables(connection, backed_up_tables(), on_table)
    source, files = instance_files(instance.settings)
    manifest = Manifest(
        medsec_version=medsec_version(),
        alembic_revision=revision,
        created_at=utcnow(),
        source_dialect=instance.db.engine.dialect.name,
        secret_key=source,
        tables=tuple(d.entry for d in dumps),
        files=tuple(file_entry(path, content) for path, content in files.items()),
    )
    data = age_encrypt(pack(manifest, dumps, files), to)
    write_atomically(out, data)
    digest = hashlib.sha256(data).hexdigest()
    audit = manifest.table("audit_events")
    with instance.db.session() as session:
        record(session, Tag.BACKUP_CREATED, context, target=f"file:{out.name}", details={
            "sha256": digest,
            "size": len(data),
            "revision": revision,
            "encrypted_to": "passphrase" if isinstance(to, Passphrase)
            else f"{len(to.keys)} recipient(s)",
            "tables": {t.name: t.rows for t in manifest.tables},
            "audit_events": audit.rows if audit else 0,
            "files": sorted(files),
        })  # fmt: skip
    return BackupReport(out, manifest, len(data), digest)


# --------------------------------------------------------------------------- restore


def read_backup(path: Path, key: Passphrase | Identities) -> Snapshot:
    """Decrypt ``path`` and check every part against its manifest."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BackupError(f"cannot read {path}: {e.strerror or e}") from e
    return unpack(decrypt(data, key, source=str(path)), str(path))


def _known_revisions() -> set[str]:
    script = ScriptDirectory(str(migrate.MIGRATIONS))
    return {r.revision for r in script.walk_revisions()}


def _check_revision(snapshot: Snapshot) -> None:
    revision = snapshot.manifest.alembic_revision
    if revision not in _known_revisions():
        raise BackupError(
            f"this backup was made by medsec {snapshot.manifest.medsec_version} at database "
            f"revision {revision}, which this medsec ({medsec_version()}, revision "
            f"{migrate.head_revision()}) does not know",
            hint=f"upgrade medsec to {snapshot.manifest.medsec_version} or newer, then restore",
        )


def _prepare_target(db: Database) -> None:
    """Give an empty database the current schema; refuse one at another revision."""
    current = migrate.current_revision(db.engine)
    head = migrate.head_revision()
    if current is None:
        migrate.upgrade(db.url)
    elif current not in _known_revisions():
        raise BackupError(
            f"the target database is at revision {current}, newer than this medsec knows",
            hint="restore with the newer medsec that migrated it",
        )
    elif current != head:
        raise BackupError(
            f"the target database is at revision {current}, not {head}",
            hint="run `medsec db upgrade` first",
        )


def migrate_snapshot(snapshot: Snapshot, scratch_dir: Path) -> Snapshot:
    """Bring a snapshot from an older revision to the current one: load it into a scratch
    SQLite database at its revision, run the migrations, and read it back.

    The scratch file lives in the data directory, beside the live database, which holds
    the same data unencrypted anyway, and is deleted afterwards.
    """
    names = list(snapshot.tables)
    scratch_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=scratch_dir, prefix=".restore-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'migrate.db'}"
        migrate.upgrade(url, snapshot.manifest.alembic_revision)
        db = Database(url)
        try:
            with db.engine.begin() as connection:
                reflected = MetaData()
                reflected.reflect(connection, only=names)
                replace_contents(connection, snapshot, [reflected.tables[n] for n in names])
        finally:
            db.dispose()
        migrate.upgrade(url, "head")
        db = Database(url)
        try:
            with read_transaction(db.engine) as connection:
                dumps = dump_tables(connection, backed_up_tables())
        finally:
            db.dispose()
    manifest = snapshot.manifest.model_copy(
        update={"alembic_revision": _head(), "tables": tuple(d.entry for d in dumps)}
    )
    return Snapshot(manifest, {d.entry.name: d.content for d in dumps}, snapshot.files)


def holds_data(session: Session) -> bool:
    """Whether the database has organizations or users (then a restore would replace them)."""
    for model in (Organization, User):
        if session.execute(select(func.count()).select_from(model)).scalar_one() > 0:
            return True
    return False


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    #: The revision the backup was made at, when it had to be migrated.
    migrated_from: str | None
    replaced: Mapping[str, int]
    audit: VerifyReport
    warnings: tuple[str, ...] = field(default=())


def _secret_warnings(snapshot: Snapshot, settings: Settings) -> tuple[str, ...]:
    if snapshot.manifest.secret_key == "environment":  # noqa: S105 (where it came from)
        return ("the backup's instance secret came from MEDSEC_SECRET_KEY and is not in the "
                "backup: set the same MEDSEC_SECRET_KEY, or users must re-enrol MFA",)  # fmt: skip
    if settings.secret_key is not None:
        return ("MEDSEC_SECRET_KEY is set, so the restored data_dir/secret_key is not used: "
                "unset it, or users must re-enrol MFA",)  # fmt: skip
    return ()


def restore_backup(
    instance: Instance, path: Path, key: Passphrase | Identities, context: Context, *,
    force: bool = False, accept_broken_chain: bool = False,
) -> RestoreReport:  # fmt: skip
    """Replace the database and instance secrets with the backup's, in one transaction.

    Everything is checked before the database is touched: decryption, every checksum, the
    manifest, the schema revision. A database that already holds data is only replaced
    with ``force``. The restored audit chain must verify, with the restore event
    appended, or the transaction is rolled back (unless ``accept_broken_chain``).
    """
    snapshot = read_backup(path, key)
    _check_revision(snapshot)
    settings = instance.settings
    original = snapshot.manifest
    migrated_from = None
    if original.alembic_revision != migrate.head_revision():
        migrated_from = original.alembic_revision
        snapshot = migrate_snapshot(snapshot, settings.data_dir)
    _prepare_target(instance.db)
    staged = {name: _stage(settings.data_dir / name, content)
              for name, content in snapshot.files.items()}  # fmt: skip
    try:
        with instance.db.session() as session:
            if not force and holds_data(session):
                raise BackupError(
                    f"the database at {instance.db.engine.url.render_as_string()} already "
                    "holds organizations or users; a restore would replace all of it",
                    hint="stop medsec serve and medsec worker, then add --force",
                )
            ephemeral = [metadata.tables[n] for n in sorted(EPHEMERAL)]
            replaced = replace_contents(
                session.connection(), snapshot, backed_up_tables(), ephemeral
            )
            audit_rows = snapshot.manifest.table("audit_events")
            report = verify(session)
            record(session, Tag.BACKUP_RESTORED, context, target=f"file:{path.name}", details={
                "backup_created_at": original.created_at.isoformat(),
                "backup_revision": original.alembic_revision,
                "backup_medsec_version": original.medsec_version,
                "migrated": migrated_from is not None,
                "audit_events_in_backup": audit_rows.rows if audit_rows else 0,
                "replaced_rows": dict(sorted(replaced.items())),
                "audit_chain": "intact" if report.ok else f"broken: {report.problem}",
            })  # fmt: skip
            if not report.ok and not accept_broken_chain:
                raise BackupError(
                    f"{path}: the backup's audit log does not verify at row "
                    f"{report.first_bad_seq}: {report.problem}; nothing was restored",
                    hint="the log was altered before the backup was made; to restore it "
                    "anyway (the restore event records the break) add "
                    "--accept-broken-audit-chain",
                )
            after = verify(session)
    except BaseException:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        raise
    for name, temporary in staged.items():
        _install(temporary, settings.data_dir / name)
    return RestoreReport(original, migrated_from, replaced, after,
                         _secret_warnings(snapshot, settings))  # fmt: skip


def inspect_backup(path: Path, key: Passphrase | Identities) -> Manifest:
    """Decrypt and check a backup without restoring it; its manifest."""
    snapshot = read_backup(path, key)
    _check_revision(snapshot)
    return snapshot.manifest
