"""alerts: at most one open alert per (organization_id, dedup_key) — a partial unique
index, so that listener processes evaluating rules at once cannot open duplicates; the
unused ``alerts.notified`` column (deliveries are in alert_deliveries) is dropped

Open duplicates that the race left behind are folded into the oldest open alert of their
key (counts added, the latest ``last_at`` kept) and the others marked acknowledged by
``migration 0022`` (their deliveries stay on record).

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-04 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SAME_KEY = ("d.organization_id = alerts.organization_id AND d.dedup_key = alerts.dedup_key "
             "AND d.status = 'open'")  # fmt: skip
_FOLD = f"""
UPDATE alerts SET
  count = (SELECT SUM(d.count) FROM alerts d WHERE {_SAME_KEY}),
  last_at = (SELECT MAX(d.last_at) FROM alerts d WHERE {_SAME_KEY})
WHERE status = 'open'
  AND id = (SELECT MIN(d.id) FROM alerts d WHERE {_SAME_KEY})
  AND EXISTS (SELECT 1 FROM alerts d WHERE {_SAME_KEY} AND d.id <> alerts.id)
"""  # noqa: S608 — constant SQL
_CLOSE = f"""
UPDATE alerts SET status = 'acknowledged', acknowledged_by = 'migration 0022',
  acknowledged_at = last_at
WHERE status = 'open' AND id > (SELECT MIN(d.id) FROM alerts d WHERE {_SAME_KEY})
"""  # noqa: S608 — constant SQL
_OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.execute(_FOLD)
    op.execute(_CLOSE)
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(
            "uq_alerts_open_dedup_key", ["organization_id", "dedup_key"], unique=True,
            postgresql_where=_OPEN, sqlite_where=_OPEN,
        )  # fmt: skip
        batch_op.drop_column("notified")


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notified", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.drop_index("uq_alerts_open_dedup_key")
