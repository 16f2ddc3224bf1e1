"""Profile versions in the service.

Who sees what (enforced here, not only in routes):

- a manufacturer's members see all of its products, drafts included;
- a healthcare provider's members see the published versions of products it holds, and
  the catalog of published products to choose holdings from;
- published versions are immutable (a correction is a new version) and public: their
  security guide and security.txt are served without login.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.accounts.roles import Permission
from medsec.audit.services import record
from medsec.audit.tags import Tag
from medsec.db.base import utcnow
from medsec.errors import AuthenticationRequired, Conflict, Error, NotFound, PermissionDenied
from medsec.products.models import Holding, Product, ProfileVersion
from medsec.profiles.lint import lint
from medsec.profiles.loader import LoadedProfile, build_profile, parse_document
from medsec.profiles.psp import ProductSecurityProfile

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def parse_upload(filename: str, content: bytes) -> LoadedProfile:
    if len(content) > MAX_UPLOAD_BYTES:
        raise Error(f"{filename}: larger than {MAX_UPLOAD_BYTES} bytes")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Error(f"{filename}: not UTF-8 text (byte {e.start})", hint="save as UTF-8") from e
    parsed = parse_document(text, filename)
    return LoadedProfile(build_profile(parsed), parsed.source)


def upload(session: Session, actor: Actor, filename: str, content: bytes) -> ProfileVersion:
    """Validate, lint and store a profile as a draft version of its product."""
    actor.require(Permission.PRODUCTS_WRITE)
    if not actor.organization_kind.is_manufacturer:
        raise PermissionDenied("only manufacturer organizations upload profiles")
    loaded = parse_upload(filename, content)
    profile = loaded.profile
    report = lint(loaded).to_json()
    product = session.execute(
        select(Product).where(
            Product.organization_id == actor.organization_id, Product.name == profile.product.name
        )
    ).scalar_one_or_none()
    if product is None:
        product = Product(
            organization_id=actor.organization_id,
            name=profile.product.name,
            manufacturer=profile.product.manufacturer.name,
        )
        session.add(product)
        session.flush()
    existing = session.execute(
        select(ProfileVersion).where(
            ProfileVersion.product_id == product.id,
            ProfileVersion.version == profile.product.version,
        )
    ).scalar_one_or_none()
    if existing is not None and existing.status == "published":
        raise Conflict(
            f"version {profile.product.version} of {product.name} is published and immutable",
            hint="publish a correction as a new version (change product.version)",
        )
    text = content.decode("utf-8")
    version = existing or ProfileVersion(product_id=product.id, version=profile.product.version)
    version.filename = filename[:200]
    version.source = text
    version.sha256 = hashlib.sha256(content).hexdigest()
    version.lint = report
    version.uploaded_by = actor.username
    version.created_at = utcnow()
    session.add(version)
    session.flush()
    record(
        session,
        Tag.PROFILE_UPLOADED,
        actor.context,
        target=f"profile-version:{version.id}",
        details={
            "product": product.name,
            "version": version.version,
            "sha256": version.sha256,
            "lint_errors": report["summary"]["errors"],
        },
    )
    return version


def visible_product(session: Session, actor: Actor, product_id: int) -> Product:
    """A product of the actor's organization or one it holds; NotFound otherwise."""
    actor.require(Permission.PRODUCTS_READ)
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    if product.organization_id == actor.organization_id:
        return product
    held = session.execute(
        select(Holding).where(
            Holding.organization_id == actor.organization_id, Holding.product_id == product_id
        )
    ).first()
    if not held:
        raise NotFound(f"no product {product_id}")
    return product


def _own(product: Product, actor: Actor) -> bool:
    return product.organization_id == actor.organization_id


@cache
def _products_query() -> Select[Product]:
    """The products an organization owns or holds. Built once: it backs the API's list
    page, among the most frequent authenticated requests, and building the statement
    (and its cache key) each time cost more than running its cached compiled SQL."""
    organization: BindParameter[int] = bindparam("organization_id")
    held = select(Holding.product_id).where(Holding.organization_id == organization)
    return (
        select(Product)
        .where((Product.organization_id == organization) | Product.id.in_(held))
        .order_by(Product.name)
    )


def list_products(session: Session, actor: Actor) -> Sequence[Product]:
    """The actor's own products and the products it holds."""
    actor.require(Permission.PRODUCTS_READ)
    found = session.execute(_products_query(), {"organization_id": actor.organization_id})
    return found.scalars().all()


def versions(session: Session, actor: Actor, product_id: int) -> Sequence[ProfileVersion]:
    product = visible_product(session, actor, product_id)
    stmt = select(ProfileVersion).where(ProfileVersion.product_id == product.id)
    if not _own(product, actor):
        stmt = stmt.where(ProfileVersion.status == "published")
    return session.execute(stmt.order_by(ProfileVersion.id)).scalars().all()


def get_version(session: Session, actor: Actor, version_id: int) -> ProfileVersion:
    version = session.get(ProfileVersion, version_id)
    if version is None:
        raise NotFound(f"no profile version {version_id}")
    product = visible_product(session, actor, version.product_id)
    if not _own(product, actor) and version.status != "published":
        raise NotFound(f"no profile version {version_id}")
    return version


def publish(session: Session, actor: Actor, version_id: int) -> ProfileVersion:
    actor.require(Permission.PRODUCTS_PUBLISH)
    # Before looking the version up, as for every sensitive action: the answer is the same
    # whether or not the id exists.
    if not actor.recently_authenticated:
        raise AuthenticationRequired(
            "publishing needs a recent login", hint="log in again, then publish"
        )
    version = get_version(session, actor, version_id)
    if not _own(version.product, actor):
        raise NotFound(f"no profile version {version_id}")
    if version.status == "published":
        raise Conflict(f"version {version.version} is already published")
    errors = version.lint.get("summary", {}).get("errors", 0)
    if errors:
        raise Conflict(f"the profile has {errors} lint error(s); fix them and upload again")
    version.status = "published"
    version.published_at = utcnow()
    record(
        session,
        Tag.PROFILE_PUBLISHED,
        actor.context,
        target=f"profile-version:{version.id}",
        details={
            "product": version.product.name,
            "version": version.version,
            "sha256": version.sha256,
        },
    )
    return version


def profile_of(version: ProfileVersion) -> ProductSecurityProfile:
    """The stored profile (it was valid on upload, so this cannot fail on good data)."""
    return build_profile(parse_document(version.source, version.filename))


def published_version(session: Session, version_id: int) -> ProfileVersion:
    """A published version, for the public (unauthenticated) documents."""
    version = session.get(ProfileVersion, version_id)
    if version is None or version.status != "published":
        raise NotFound(f"no published profile version {version_id}")
    return version


@dataclass(frozen=True)
class CatalogEntry:
    product_id: int
    name: str
    manufacturer: str
    latest_version: str
    latest_version_id: int


def catalog(session: Session, actor: Actor) -> list[CatalogEntry]:
    """Every product with a published version, for providers choosing holdings."""
    actor.require(Permission.PRODUCTS_READ)
    rows = session.execute(
        select(Product, ProfileVersion)
        .join(ProfileVersion, ProfileVersion.product_id == Product.id)
        .where(ProfileVersion.status == "published")
        .order_by(Product.name, ProfileVersion.id)
    ).all()
    latest: dict[int, CatalogEntry] = {}
    for product, version in rows:
        latest[product.id] = CatalogEntry(
            product.id, product.name, product.manufacturer, version.version, version.id
        )
    return list(latest.values())


def hold(session: Session, actor: Actor, product_id: int, note: str | None = None) -> Holding:
    actor.require(Permission.HOLDINGS_MANAGE)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied("only healthcare-provider organizations hold products")
    product = session.get(Product, product_id)
    has_published = session.execute(
        select(ProfileVersion).where(
            ProfileVersion.product_id == product_id, ProfileVersion.status == "published"
        )
    ).first()
    if product is None or not has_published:
        raise NotFound(f"no published product {product_id}")
    existing = session.execute(
        select(Holding).where(
            Holding.organization_id == actor.organization_id, Holding.product_id == product_id
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    holding = Holding(organization_id=actor.organization_id, product_id=product_id, note=note)
    session.add(holding)
    session.flush()
    record(session, Tag.HOLDING_ADDED, actor.context, target=f"product:{product_id}")
    return holding


def release(session: Session, actor: Actor, product_id: int) -> None:
    actor.require(Permission.HOLDINGS_MANAGE)
    if not actor.organization_kind.is_provider:
        raise PermissionDenied("only healthcare-provider organizations hold products")
    holding = session.execute(
        select(Holding).where(
            Holding.organization_id == actor.organization_id, Holding.product_id == product_id
        )
    ).scalar_one_or_none()
    if holding is None:
        raise NotFound(f"you do not hold product {product_id}")
    session.delete(holding)
    record(session, Tag.HOLDING_REMOVED, actor.context, target=f"product:{product_id}")


def compare(session: Session, actor: Actor, old_id: int, new_id: int) -> list[dict[str, Any]]:
    """The customer-relevant differences between two visible versions."""
    from medsec.profiles.diff import diff_profiles

    old = profile_of(get_version(session, actor, old_id))
    new = profile_of(get_version(session, actor, new_id))
    return [change.as_json() for change in diff_profiles(old, new)]
