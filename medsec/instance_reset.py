"""``medsec reset --wipe-secrets``: forget every secret the instance holds and start a new
setup, keeping the data and the audit log.

What goes: the instance secret (``data_dir/secret_key``, so every sealed MFA seed becomes
unreadable), every key file under ``data_dir/keys``, all API tokens, browser sessions, MFA
secrets and recovery codes, setup tokens and rate-limit counters. What stays: users (and
their passwords), organizations, products, profiles, settings, and the audit chain, which
gains an ``instance:secrets:wiped`` event. Nothing is disabled.

Afterwards a one-time setup link creates a new admin in the first organization even though
users exist, for the case where the old admins' credentials are lost or compromised.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from medsec.accounts.authentication import SETUP_REQUIRED, token_hash
from medsec.accounts.models import (
    ApiToken,
    InstanceSetting,
    LoginSession,
    RateLimitHit,
    RecoveryCode,
    SetupToken,
    User,
)
from medsec.audit.services import Context, record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import Error
from medsec.service import Instance

#: While this instance setting is true, a setup link is valid although users exist, and
#: completing it adds an admin to the first organization (see docs/operations.md).
SETUP_REQUIRED_KEY = SETUP_REQUIRED


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def key_files(data_dir: Path) -> list[Path]:
    """The instance's signing and encryption key files."""
    found = [data_dir / "secret_key"] if (data_dir / "secret_key").exists() else []
    keys = data_dir / "keys"
    if keys.is_dir():
        found += sorted(p for p in keys.rglob("*") if p.is_file() or p.is_symlink())
    return found


def require_new_setup(session: Session, lifetime: dt.timedelta, context: Context) -> str:
    """Mark the instance as needing setup and issue a one-time setup token for it
    (``medsec.accounts.authentication.setup_open`` honours the flag)."""
    row = session.execute(
        select(InstanceSetting).where(InstanceSetting.key == SETUP_REQUIRED_KEY)
    ).scalar_one_or_none()
    if row is None:
        session.add(InstanceSetting(
            key=SETUP_REQUIRED_KEY, value=True, note="set by medsec reset --wipe-secrets"
        ))  # fmt: skip
    else:
        row.value = True
    token = secrets.token_urlsafe(32)
    session.add(SetupToken(token_hash=token_hash(token), expires_at=utcnow() + lifetime))
    record(session, Tag.SETUP_LINK_ISSUED, context,
           details={"expires_in_hours": lifetime.total_seconds() / 3600,
                    "after": "reset"})  # fmt: skip
    return token


@dataclass(frozen=True)
class ResetReport:
    wiped: dict[str, int]
    removed_files: tuple[Path, ...]
    setup_token: str
    warnings: tuple[str, ...]


def wipe_secrets(instance: Instance, context: Context) -> ResetReport:
    """Wipe every secret (one transaction, then the key files) and issue a setup token."""
    settings = instance.settings
    files = key_files(settings.data_dir)
    with instance.db.session() as session:
        wiped = {
            "api_tokens": _count(session.execute(delete(ApiToken))),
            "sessions": _count(session.execute(delete(LoginSession))),
            "recovery_codes": _count(session.execute(delete(RecoveryCode))),
            "mfa_secrets": _count(session.execute(
                update(User).where(User.mfa_secret.is_not(None) | User.mfa_enabled_at.is_not(None))
                .values(mfa_secret=None, mfa_enabled_at=None, mfa_last_step=None)
            )),
            "setup_tokens": _count(session.execute(delete(SetupToken))),
            "rate_limit_hits": _count(session.execute(delete(RateLimitHit))),
        }  # fmt: skip
        record(session, Tag.INSTANCE_RESET, context, details={
            **wiped, "key_files": [str(p.relative_to(settings.data_dir)) for p in files],
        })  # fmt: skip
        token = require_new_setup(session, instance.auth.setup_link, context)
    removed = []
    for path in files:
        # Unlinking is all a program can do: on journaling file systems and SSDs an
        # overwrite in place does not reliably reach the old blocks either.
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as e:
            raise Error(
                f"the database secrets are wiped, but {path} could not be removed: {e.strerror}",
                hint="remove it by hand, then run `medsec reset --wipe-secrets` again",
            ) from e
        removed.append(path)
    warnings: tuple[str, ...] = ()
    if settings.secret_key is not None:
        warnings = (
            "MEDSEC_SECRET_KEY is set in the environment: replace it with a new value "
            "yourself (medsec cannot change where it comes from)",
        )
    else:
        settings.resolved_secret_key()  # a fresh instance secret, mode 0600
    return ResetReport(wiped, tuple(removed), token, warnings)
