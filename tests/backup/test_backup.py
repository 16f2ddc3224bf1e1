"""``medsec backup``: a restored instance is the backed-up one; a damaged, foreign or
newer backup is refused before the database is touched."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyrage
import pytest
from sqlalchemy import func, select, update

from medsec.accounts import authentication, services, tokens
from medsec.accounts.models import Organization, User
from medsec.accounts.roles import OrganizationKind
from medsec.audit.models import AuditEvent
from medsec.audit.services import Context, verify
from medsec.audit.tags import Tag
from medsec.backup import services as backup
from medsec.backup.encryption import BackupError, Identities, Passphrase, Recipients
from medsec.backup.snapshot import backed_up_tables, dump_tables, read_transaction
from medsec.db import migrate
from medsec.service import Instance

CLI = Context.cli()
PASSWORD = "correct horse battery staple"  # the one conftest's populate() uses
PASSPHRASE = "a passphrase long enough for tests"
InstanceFactory = Callable[..., Instance]
Populate = Callable[[Instance], Any]


def _to(identity: Any) -> Recipients:
    return Recipients((str(identity.to_public()),))


def _checksums(instance: Instance) -> dict[str, str]:
    with read_transaction(instance.db.engine) as connection:
        return {d.entry.name: d.entry.sha256 for d in dump_tables(connection, backed_up_tables())}


def _event_count(instance: Instance) -> int:
    with instance.db.session() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _check_restored(original: dict[str, str], restored: Instance, key_file: bytes) -> None:
    """Everything but the audit log is byte-for-byte the same (the log gained one event)."""
    now = _checksums(restored)
    assert {k: v for k, v in now.items() if not k.startswith("audit_")} == {
        k: v for k, v in original.items() if not k.startswith("audit_")
    }
    assert (restored.settings.data_dir / "keys" / "signing.key").read_bytes() == key_file
    with restored.db.session() as session:
        assert verify(session).ok
        last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
        assert last is not None
        assert (last.tag, last.actor) == (Tag.BACKUP_RESTORED, "cli")


def _credentials_work(instance: Instance, api_token: str, totp_secret: str) -> None:
    """The restored secret key unseals the MFA seed; tokens and passwords still work."""
    fresh = Instance.from_settings(instance.settings)  # reads the restored secret_key
    try:
        with fresh.db.session() as session:
            user = session.execute(select(User).where(User.username == "alice")).scalar_one()
            assert user.mfa_secret is not None
            assert fresh.auth.sealer.unseal(user.mfa_secret) == totp_secret
            assert tokens.resolve_token(session, api_token) is not None
            assert fresh.auth.hasher.verify(user.password_hash or "", PASSWORD)
    finally:
        fresh.db.dispose()


def test_round_trip_sqlite_to_sqlite(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any
) -> None:
    source = make_instance("source")
    population = populate(source)
    original = _checksums(source)
    key_file = (source.settings.data_dir / "keys" / "signing.key").read_bytes()
    out = tmp_path / "medsec.backup.age"
    report = backup.create_backup(source, out, _to(identity), CLI)

    target = make_instance("target")
    restored = backup.restore_backup(target, out, Identities((identity,)), CLI)

    assert restored.migrated_from is None
    assert restored.audit.ok
    assert report.manifest.source_dialect == "sqlite"
    _check_restored(original, target, key_file)
    _credentials_work(target, population.api_token, population.totp_secret)
    assert (target.settings.data_dir / "secret_key").read_bytes() == (
        source.settings.data_dir / "secret_key"
    ).read_bytes()


def test_round_trip_sqlite_to_postgresql_and_back(
    make_instance: InstanceFactory,
    populate: Populate,
    tmp_path: Path,
    identity: Any,
    postgres_url: str,
) -> None:
    source = make_instance("source")
    population = populate(source)
    original = _checksums(source)
    key_file = (source.settings.data_dir / "keys" / "signing.key").read_bytes()
    first = tmp_path / "from-sqlite.age"
    backup.create_backup(source, first, _to(identity), CLI)

    postgres = make_instance("postgres", url=postgres_url, migrated=False)
    backup.restore_backup(postgres, first, Identities((identity,)), CLI)
    _check_restored(original, postgres, key_file)
    _credentials_work(postgres, population.api_token, population.totp_secret)
    with postgres.db.session() as session:
        # The serial sequences moved past the restored ids.
        org = services.create_organization(session, "Second", OrganizationKind.MANUFACTURER, CLI)
        assert org.id == 2

    second = tmp_path / "from-postgres.age"
    report = backup.create_backup(postgres, second, _to(identity), CLI)
    assert report.manifest.source_dialect == "postgresql"
    back = make_instance("back")
    backup.restore_backup(back, second, Identities((identity,)), CLI)
    assert _checksums(back)["organizations"] == _checksums(postgres)["organizations"]
    with back.db.session() as session:
        assert verify(session).ok


def test_creating_a_backup_is_audited(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any
) -> None:
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, _to(identity), CLI)
    with source.db.session() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.tag == Tag.BACKUP_CREATED)
        ).scalar_one()
    assert event.actor == "cli"
    assert event.details["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert event.details["encrypted_to"] == "1 recipient(s)"
    assert event.details["files"] == ["keys/signing.key", "secret_key"]


def test_passphrase_round_trip_and_wrong_passphrase(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path
) -> None:
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, Passphrase(PASSPHRASE), CLI)
    target = make_instance("target")
    with target.db.session() as session:
        services.create_organization(session, "Keep me", OrganizationKind.BOTH, CLI)
    before = _checksums(target)

    with pytest.raises(BackupError, match="cannot decrypt") as raised:
        backup.restore_backup(target, out, Passphrase("not the passphrase at all"), CLI,
                              force=True)  # fmt: skip
    assert "passphrase" in (raised.value.hint or "")
    assert _checksums(target) == before

    backup.restore_backup(target, out, Passphrase(PASSPHRASE), CLI, force=True)
    assert _checksums(target)["organizations"] == _checksums(source)["organizations"]


def test_a_short_passphrase_is_refused(make_instance: InstanceFactory, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="at least 12"):
        backup.create_backup(make_instance("s"), tmp_path / "b.age", Passphrase("short"), CLI)
    assert not (tmp_path / "b.age").exists()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        pytest.param(lambda d: _flip(d, len(d) // 2), "cannot decrypt", id="byte-flipped-in-body"),
        pytest.param(lambda d: _flip(d, 40), "cannot decrypt", id="byte-flipped-in-header"),
        pytest.param(lambda d: _flip(d, len(d) - 1), "cannot decrypt", id="last-byte-flipped"),
        pytest.param(lambda d: d[:-16], "cannot decrypt", id="truncated-end"),
        pytest.param(lambda d: d[: len(d) // 2], "cannot decrypt", id="truncated-half"),
        pytest.param(lambda d: d[:10], "no age header", id="truncated-header"),
        pytest.param(lambda d: b"", "no age header", id="empty"),
        pytest.param(lambda d: b"PK\x03\x04 a zip file", "no age header", id="not-age"),
    ],
)
def test_damaged_file_is_refused_and_database_untouched(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any,
    damage: Callable[[bytes], bytes], expected: str,
) -> None:  # fmt: skip
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, _to(identity), CLI)
    out.write_bytes(damage(out.read_bytes()))
    target = make_instance("target")
    before = _checksums(target)
    with pytest.raises(BackupError, match=expected):
        backup.restore_backup(target, out, Identities((identity,)), CLI, force=True)
    assert _checksums(target) == before


def _rewrite(path: Path, identity: Any, edit: Callable[[dict[str, bytes]], None]) -> None:
    """Decrypt, change the parts, re-encrypt with the same key: what someone holding the
    key (or a bug) could produce."""
    plain = pyrage.decrypt(path.read_bytes(), [identity])
    parts: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:gz") as archive:
        for info in archive:
            member = archive.extractfile(info)
            assert member is not None
            parts[info.name] = member.read()
    edit(parts)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, content in parts.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    path.write_bytes(pyrage.encrypt(out.getvalue(), [identity.to_public()]))


def _manifest_edit(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, bytes]], None]:
    def edit(parts: dict[str, bytes]) -> None:
        manifest = json.loads(parts["manifest.json"])
        change(manifest)
        parts["manifest.json"] = json.dumps(manifest).encode()

    return edit


def _table(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in manifest["tables"] if t["name"] == name)


def _users_renamed(parts: dict[str, bytes]) -> None:
    parts["tables/users.jsonl"] = parts["tables/users.jsonl"].replace(b"alice", b"mallory")


def _extra_part(parts: dict[str, bytes]) -> None:
    parts["files/keys/evil"] = b"x"


def _missing_part(parts: dict[str, bytes]) -> None:
    del parts["tables/products.jsonl"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(_users_renamed, r"tables/users.jsonl: SHA-256 .* does not match",
                     id="table-content-changed"),
        pytest.param(
            _manifest_edit(lambda m: _table(m, "users").update(sha256="0" * 64)),
            r"tables/users.jsonl: SHA-256 .* does not match", id="manifest-checksum-changed",
        ),
        pytest.param(
            _manifest_edit(lambda m: _table(m, "users").update(rows=7)),
            "has 1 rows; the manifest says 7", id="row-count-changed",
        ),
        pytest.param(
            _manifest_edit(lambda m: m["files"][0].update(sha256="1" * 64)),
            r"files/.*: SHA-256", id="file-checksum-changed",
        ),
        pytest.param(_extra_part, "parts not in the manifest: files/keys/evil", id="extra-part"),
        pytest.param(_missing_part, "tables/products.jsonl, which are missing", id="missing-part"),
        pytest.param(
            _manifest_edit(lambda m: m.update(format_version=2)),
            "format version 2; this medsec reads version 1", id="newer-format",
        ),
        pytest.param(
            _manifest_edit(lambda m: m.update(surprise=True)),
            "surprise: Extra inputs are not permitted", id="unknown-manifest-field",
        ),
        pytest.param(
            _manifest_edit(lambda m: m["files"].append(
                {"path": "../../etc/passwd", "size": 1, "sha256": "0" * 64})),
            r"files.2.path: String should match pattern", id="path-escapes-data-dir",
        ),
        pytest.param(
            _manifest_edit(lambda m: m.update(format="tarball")),
            "does not describe a medsec-backup", id="not-a-medsec-manifest",
        ),
    ],
)  # fmt: skip
def test_inconsistent_backup_is_refused(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any,
    edit: Callable[[dict[str, bytes]], None], expected: str,
) -> None:  # fmt: skip
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, _to(identity), CLI)
    _rewrite(out, identity, edit)
    target = make_instance("target")
    before = _checksums(target)
    with pytest.raises(BackupError, match=expected):
        backup.restore_backup(target, out, Identities((identity,)), CLI, force=True)
    assert _checksums(target) == before
    assert not (target.settings.data_dir / "keys").exists()


def test_backup_from_a_newer_schema_is_refused(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any
) -> None:
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, _to(identity), CLI)
    _rewrite(out, identity, _manifest_edit(
        lambda m: m.update(alembic_revision="0099", medsec_version="9.0.0")
    ))  # fmt: skip
    target = make_instance("target")
    before = _checksums(target)
    with pytest.raises(BackupError, match="revision 0099, which this medsec") as raised:
        backup.restore_backup(target, out, Identities((identity,)), CLI)
    assert "upgrade medsec to 9.0.0" in (raised.value.hint or "")
    assert _checksums(target) == before


def test_non_empty_target_needs_force(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any
) -> None:
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, _to(identity), CLI)
    target = make_instance("target")
    with target.db.session() as session:
        services.create_organization(session, "Existing", OrganizationKind.BOTH, CLI)
    before = _checksums(target)

    with pytest.raises(BackupError, match="already holds organizations or users") as raised:
        backup.restore_backup(target, out, Identities((identity,)), CLI)
    assert "--force" in (raised.value.hint or "")
    assert _checksums(target) == before

    report = backup.restore_backup(target, out, Identities((identity,)), CLI, force=True)
    assert report.replaced["organizations"] == 1
    with target.db.session() as session:
        names = session.execute(select(Organization.name)).scalars().all()
        assert names == ["Hôpital Saint-Éloi"]
        assert verify(session).ok


def test_restore_ends_every_session(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any
) -> None:
    instance = make_instance("one")
    population = populate(instance)
    out = tmp_path / "b.age"
    backup.create_backup(instance, out, _to(identity), CLI)
    backup.restore_backup(instance, out, Identities((identity,)), CLI, force=True)
    with instance.db.session() as session:
        assert authentication.resolve_session(
            session, instance.auth, population.session_token
        ) is None  # fmt: skip


def test_backup_with_a_broken_audit_chain_is_refused_unless_accepted(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any
) -> None:
    source = make_instance("source")
    populate(source)
    with source.db.session() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="someone"))
    out = tmp_path / "b.age"
    backup.create_backup(source, out, _to(identity), CLI)
    target = make_instance("target")
    before = _checksums(target)

    with pytest.raises(BackupError, match="audit log does not verify at row 2"):
        backup.restore_backup(target, out, Identities((identity,)), CLI)
    assert _checksums(target) == before

    report = backup.restore_backup(
        target, out, Identities((identity,)), CLI, accept_broken_chain=True
    )
    assert not report.audit.ok
    with target.db.session() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.tag == Tag.BACKUP_RESTORED)
        ).scalar_one()
        assert event.details["audit_chain"].startswith("broken: row 2")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_snapshot_is_one_consistent_read(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any,
    request: pytest.FixtureRequest, database: str,
) -> None:  # fmt: skip
    """A write committed while the tables are read is not half in the backup."""
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    source = make_instance("source", url=url)
    populate(source)
    events_before = _event_count(source)
    out = tmp_path / "b.age"
    written: list[bool] = []

    def write_during_dump(entry: Any) -> None:
        if entry.name == "audit_events" and not written:
            with source.db.session() as session:
                services.create_organization(session, "Late", OrganizationKind.BOTH, CLI)
            written.append(True)

    report = backup.create_backup(source, out, _to(identity), CLI, on_table=write_during_dump)
    assert written
    assert report.manifest.table("audit_events").rows == events_before  # type: ignore[union-attr]
    snapshot = backup.read_backup(out, Identities((identity,)))
    (head,) = snapshot.rows("audit_head")
    assert head["last_seq"] == events_before
    assert [o["name"] for o in snapshot.rows("organizations")] == ["Hôpital Saint-Éloi"]
    target = make_instance("target")
    backup.restore_backup(target, out, Identities((identity,)), CLI)
    with target.db.session() as session:
        assert verify(session).ok


def test_failed_write_keeps_the_previous_backup(
    make_instance: InstanceFactory, tmp_path: Path, identity: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    source = make_instance("source")
    out = tmp_path / "b.age"
    out.write_bytes(b"previous backup")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(BackupError, match=r"cannot write .*No space left on device"):
        backup.create_backup(source, out, _to(identity), CLI)
    assert out.read_bytes() == b"previous backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.age", "source"]


def test_backup_of_an_outdated_schema_is_refused(
    make_instance: InstanceFactory, tmp_path: Path, identity: Any
) -> None:
    empty = make_instance("empty", migrated=False)
    with pytest.raises(
        BackupError, match=f"revision none, not {migrate.head_revision()}"
    ) as raised:
        backup.create_backup(empty, tmp_path / "b.age", _to(identity), CLI)
    assert raised.value.hint == "run `medsec db upgrade` first"


def test_verify_reads_the_manifest(
    make_instance: InstanceFactory, populate: Populate, tmp_path: Path, identity: Any
) -> None:
    source = make_instance("source")
    populate(source)
    out = tmp_path / "b.age"
    backup.create_backup(source, out, _to(identity), CLI)
    manifest = backup.inspect_backup(out, Identities((identity,)))
    assert manifest.alembic_revision == migrate.head_revision()
    assert manifest.table("users").rows == 1  # type: ignore[union-attr]
    assert [f.path for f in manifest.files] == ["secret_key", "keys/signing.key"]
