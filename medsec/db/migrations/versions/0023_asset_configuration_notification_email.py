"""assets.configuration: the configuration a device runs, which update release
applicability compares with a release's configurations; e-mail delivery of
notifications: users.notify_by_email (opt-in) and the e-mail state of each notification

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from medsec.db.base import UtcDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("configuration", sa.String(length=80), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_by_email", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("email_to", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("email_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("email_next_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("email_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("emailed_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_notifications_email_status", ["email_status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_email_status")
        for name in (
            "emailed_at",
            "email_error",
            "email_next_at",
            "email_attempts",
            "email_to",
            "email_status",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("notify_by_email")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_column("configuration")
