"""sboms.product_purl and product_cpe: the identity of the product an SBOM describes, so
hospital triage is keyed by it (purl without version, else CPE vendor:product, else name)
and carries over to the product's next SBOM

Data: the purl and CPE of SBOMs stored before are read from their stored copy (when it was
kept); triage decisions keyed by the old keys (the product's name; a CPE-only component's
name) are re-keyed to the identities of the SBOM components they applied to, so none is
lost. A decision that applied to several products of one name is kept for each of them,
as it applied before. Downgrade drops the columns and leaves the re-keyed decisions as
they are (they then apply to components with those purls only).

Revision ID: 0021
Revises: 0023
Create Date: 2026-12-04 02:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from medsec.errors import Error
from medsec.sbom.importing import product_of_stored
from medsec.sbom.model import Component
from medsec.vulns.triage import component_key

revision: str = "0021"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_sboms = sa.table(
    "sboms",
    sa.column("id", sa.Integer),
    sa.column("organization_id", sa.Integer),
    sa.column("asset_id", sa.Integer),
    sa.column("profile_version_id", sa.Integer),
    sa.column("filename", sa.String),
    sa.column("document", sa.LargeBinary),
    sa.column("document_stored", sa.Boolean),
    sa.column("product_name", sa.String),
    sa.column("product_purl", sa.Text),
    sa.column("product_cpe", sa.Text),
)
_components = sa.table(
    "sbom_components",
    sa.column("sbom_id", sa.Integer),
    sa.column("name", sa.Text),
    sa.column("namespace", sa.Text),
    sa.column("purl", sa.Text),
    sa.column("cpe", sa.Text),
)
_assets = sa.table(
    "assets",
    sa.column("id", sa.Integer),
    sa.column("organization_id", sa.Integer),
    sa.column("vendor", sa.String),
    sa.column("model", sa.String),
    sa.column("profile_version_id", sa.Integer),
)
_versions = sa.table(
    "profile_versions", sa.column("id", sa.Integer), sa.column("product_id", sa.Integer)
)
_products = sa.table("products", sa.column("id", sa.Integer), sa.column("name", sa.String))
_triage = sa.table(
    "finding_triage",
    sa.column("id", sa.Integer),
    sa.column("organization_id", sa.Integer),
    sa.column("product_key", sa.String),
    sa.column("component_key", sa.String),
    sa.column("vulnerability", sa.String),
    sa.column("status", sa.String),
    sa.column("justification", sa.String),
    sa.column("note", sa.Text),
    sa.column("analyst", sa.String),
    sa.column("recorded_at", sa.DateTime),
    sa.column("component_version", sa.String),
    sa.column("component_hashes", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("sboms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_purl", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("product_cpe", sa.Text(), nullable=True))
    bind = op.get_bind()
    _fill_identities(bind)
    _rekey_triage(bind)


def downgrade() -> None:
    with op.batch_alter_table("sboms", schema=None) as batch_op:
        batch_op.drop_column("product_cpe")
        batch_op.drop_column("product_purl")


def _fill_identities(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.select(_sboms.c.id, _sboms.c.filename, _sboms.c.document).where(
            _sboms.c.document_stored.is_(True)
        )
    ).all()
    for sbom_id, filename, document in rows:
        if not document:
            continue
        try:
            product = product_of_stored(bytes(document), filename)
        except Error:
            continue  # unreadable now: the SBOM keeps its name as identity
        if product is None or not (product.purl or product.cpe):
            continue
        bind.execute(
            sa.update(_sboms)
            .where(_sboms.c.id == sbom_id)
            .values(product_purl=product.purl, product_cpe=product.cpe)
        )


def _scope(bind: sa.Connection, organization_id: int) -> list[tuple[int, str, str]]:
    """(SBOM id, old product key, new product key) of every SBOM the organization's
    assets were scanned with (their own, their linked versions')."""
    own = bind.execute(
        sa.select(
            _sboms.c.id, _sboms.c.product_name, _sboms.c.product_purl, _sboms.c.product_cpe,
            _assets.c.vendor, _assets.c.model,
        )
        .join(_assets, _assets.c.id == _sboms.c.asset_id)
        .where(_assets.c.organization_id == organization_id)
    ).all()  # fmt: skip
    linked = sa.select(_assets.c.profile_version_id).where(
        _assets.c.organization_id == organization_id,
        _assets.c.profile_version_id.is_not(None),
    )
    shared = bind.execute(
        sa.select(
            _sboms.c.id, _sboms.c.product_name, _sboms.c.product_purl, _sboms.c.product_cpe,
            _products.c.name,
        )
        .join(_versions, _versions.c.id == _sboms.c.profile_version_id)
        .join(_products, _products.c.id == _versions.c.product_id)
        .where(_sboms.c.profile_version_id.in_(linked))
    ).all()  # fmt: skip
    found = []
    for sbom_id, name, purl, cpe, *fallback in [*own, *shared]:
        old = name or " ".join(fallback)
        new = component_key(Component(ref=None, type="device", name=old, purl=purl, cpe=cpe))
        found.append((sbom_id, old, new))
    return found


def _rekey_triage(bind: sa.Connection) -> None:
    rows = bind.execute(sa.select(_triage)).mappings().all()
    scopes: dict[int, list[tuple[int, str, str]]] = {}
    taken = {
        (r["organization_id"], r["product_key"], r["component_key"], r["vulnerability"])
        for r in rows
    }
    for row in rows:
        org, current = row["organization_id"], (row["product_key"], row["component_key"])
        if org not in scopes:
            scopes[org] = _scope(bind, org)
        sboms = [(s, new) for s, old, new in scopes[org] if old == current[0]]
        if not sboms:
            continue
        renamed = _component_keys(bind, [s for s, _ in sboms], current[1])
        wanted = dict.fromkeys((new[:400], renamed.get(s, current[1])[:400]) for s, new in sboms)
        # The row itself moves to the first new identity (unless it still applies as it
        # is); every other identity it applied to gets a copy.
        move = current not in wanted
        for product, comp in wanted:
            key = (org, product, comp, row["vulnerability"])
            if key in taken:
                continue
            taken.add(key)
            if move:
                bind.execute(
                    sa.update(_triage)
                    .where(_triage.c.id == row["id"])
                    .values(product_key=product, component_key=comp)
                )
                move = False
            else:
                values: dict[str, Any] = {k: v for k, v in row.items() if k != "id"}
                bind.execute(
                    sa.insert(_triage).values(
                        {**values, "product_key": product, "component_key": comp}
                    )
                )


def _component_keys(bind: sa.Connection, sbom_ids: list[int], old: str) -> dict[int, str]:
    """The new key of the component whose old key is ``old``, by SBOM: only components
    without a purl change (a CPE now identifies them); purl keys are as they were."""
    if old.startswith("pkg:"):
        return {}
    rows = bind.execute(
        sa.select(
            _components.c.sbom_id, _components.c.name, _components.c.namespace,
            _components.c.cpe,
        ).where(
            _components.c.sbom_id.in_(sbom_ids),
            _components.c.purl.is_(None),
            _components.c.cpe.is_not(None),
        )
    ).all()  # fmt: skip
    found: dict[int, str] = {}
    for sbom_id, name, namespace, cpe in rows:
        if (f"{namespace}/" if namespace else "") + name != old:
            continue
        group = namespace or None
        found[sbom_id] = component_key(
            Component(ref=None, type="library", name=name, group=group, cpe=cpe)
        )
    return found
