"""assets.hardware_revision: the hardware revision of a device, which update release
applicability compares with a release's hardware revisions

Revision ID: 0020
Revises: 0010
Create Date: 2026-12-03 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hardware_revision", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_column("hardware_revision")
