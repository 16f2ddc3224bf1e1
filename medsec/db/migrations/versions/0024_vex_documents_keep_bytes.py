"""vex_documents keep the document's bytes; product_vex (a second copy of a version's
VEX, what the feed served) is dropped after its bytes are moved over

Each ``product_vex`` row's bytes go to the ``vex_documents`` row of the same version and
SHA-256; a row without one (its statements were never stored) becomes a
``vex_documents`` row of its own without statements, so the feed keeps serving it.
Downgrade rebuilds ``product_vex`` from the newest document with bytes of each version.

Revision ID: 0024
Revises: 0015
Create Date: 2026-12-04 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import medsec.db.base

revision: str = "0024"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("vex_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("size_bytes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("document", sa.LargeBinary(), nullable=True))
    op.execute(
        """UPDATE vex_documents SET
        document = (SELECT pv.document FROM product_vex pv
            WHERE pv.profile_version_id = vex_documents.profile_version_id
            AND pv.sha256 = vex_documents.sha256),
        size_bytes = (SELECT pv.size_bytes FROM product_vex pv
            WHERE pv.profile_version_id = vex_documents.profile_version_id
            AND pv.sha256 = vex_documents.sha256)
        WHERE EXISTS (SELECT 1 FROM product_vex pv
            WHERE pv.profile_version_id = vex_documents.profile_version_id
            AND pv.sha256 = vex_documents.sha256)"""
    )
    op.execute(
        "INSERT INTO vex_documents (organization_id, profile_version_id, format, filename, "
        "sha256, size_bytes, document, statement_count, skipped_count, uploaded_by, "
        "uploaded_at) "
        "SELECT pv.organization_id, pv.profile_version_id, pv.format, pv.filename, pv.sha256, "
        "pv.size_bytes, pv.document, 0, 0, pv.uploaded_by, pv.uploaded_at FROM product_vex pv "
        "WHERE NOT EXISTS (SELECT 1 FROM vex_documents d "
        "WHERE d.profile_version_id = pv.profile_version_id AND d.sha256 = pv.sha256)"
    )
    with op.batch_alter_table("product_vex", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_vex_organization_id"))
    op.drop_table("product_vex")


def downgrade() -> None:
    op.create_table(
        "product_vex",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("profile_version_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("statement_count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.Column("uploaded_at", medsec.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_product_vex_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["profile_version_id"],
            ["profile_versions.id"],
            name=op.f("fk_product_vex_profile_version_id_profile_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_vex")),
        sa.UniqueConstraint("profile_version_id", name=op.f("uq_product_vex_profile_version_id")),
    )
    with op.batch_alter_table("product_vex", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_vex_organization_id"), ["organization_id"], unique=False
        )
    # the newest document with bytes of each version (as the feed served it)
    op.execute(
        "INSERT INTO product_vex (organization_id, profile_version_id, format, filename, "
        "sha256, size_bytes, document, statement_count, source, uploaded_by, uploaded_at) "
        "SELECT d.organization_id, d.profile_version_id, d.format, d.filename, d.sha256, "
        "COALESCE(d.size_bytes, 0), d.document, d.statement_count, "
        "CASE WHEN d.uploaded_by LIKE 'feed:%' THEN 'feed' ELSE 'upload' END, "
        "d.uploaded_by, d.uploaded_at FROM vex_documents d "
        "WHERE d.document IS NOT NULL AND d.id = (SELECT n.id FROM vex_documents n "
        "WHERE n.profile_version_id = d.profile_version_id AND n.document IS NOT NULL "
        "ORDER BY n.uploaded_at DESC, n.id DESC LIMIT 1)"
    )
    with op.batch_alter_table("vex_documents", schema=None) as batch_op:
        batch_op.drop_column("document")
        batch_op.drop_column("size_bytes")
