"""Linking an asset to the profile version of its product.

An asset may link only to a **published** version of a product its organization
**holds**. Without an explicit link, :func:`match` looks for one: the vendor equal to the
product's manufacturer, the model equal to the product's name or one of the profile's
``product.models``, and the firmware version equal to the profile's version (all compared
without case and surrounding space). A link found so is marked ``matched``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.errors import Error
from medsec.inventory.fields import InvalidValue
from medsec.products.models import Holding, Product, ProfileVersion
from medsec.profiles.loader import build_profile, parse_document


@dataclass(frozen=True)
class Candidate:
    version_id: int
    manufacturer: str
    product: str
    models: tuple[str, ...]
    version: str


def _key(value: str | None) -> str:
    return " ".join((value or "").lower().split())


@lru_cache(maxsize=512)
def _parsed_models(version_id: int, sha256: str, source: str, filename: str) -> tuple[str, ...]:
    """Published versions are immutable, so their model names are read once per process."""
    del version_id, sha256  # part of the cache key only
    try:
        profile = build_profile(parse_document(source, filename))
    except Error:  # stored versions were valid on upload; a broken one only matches by name
        return ()
    return tuple(str(m) for m in profile.product.models)


def _models(version: ProfileVersion) -> tuple[str, ...]:
    return _parsed_models(version.id, version.sha256, version.source, version.filename)


def models_of(version: ProfileVersion) -> tuple[str, ...]:
    """The model names a published version's profile lists (read once per process)."""
    return _models(version)


def candidates(session: Session, organization_id: int) -> list[Candidate]:
    """The published versions of the products ``organization_id`` holds."""
    rows = session.execute(
        select(ProfileVersion, Product)
        .join(Product, Product.id == ProfileVersion.product_id)
        .join(Holding, Holding.product_id == Product.id)
        .where(Holding.organization_id == organization_id, ProfileVersion.status == "published")
        .order_by(ProfileVersion.id)
    ).all()
    return [Candidate(v.id, p.manufacturer, p.name, _models(v), v.version) for v, p in rows]


def same_product(candidate: Candidate, vendor: str, model: str) -> bool:
    """Whether a device of ``vendor``/``model`` is of the candidate's product (any version)."""
    return _key(candidate.manufacturer) == _key(vendor) and _key(model) in {
        _key(candidate.product),
        *(_key(m) for m in candidate.models),
    }


def match(found: list[Candidate], vendor: str, model: str, firmware: str | None) -> int | None:
    """The one version matching vendor+model+firmware, else None (none or ambiguous)."""
    if not firmware:
        return None
    hits = {
        c.version_id
        for c in found
        if _key(c.manufacturer) == _key(vendor)
        and _key(model) in {_key(c.product), *(_key(m) for m in c.models)}
        and _key(c.version) == _key(firmware)
    }
    return hits.pop() if len(hits) == 1 else None


def check_link(found: list[Candidate], version_id: int) -> int:
    """``version_id`` if it is a published version of a held product."""
    if version_id not in {c.version_id for c in found}:
        raise InvalidValue(
            f"profile version {version_id} is not a published version of a product you hold",
            hint="hold the product in the catalog first, or leave the link empty to match",
        )
    return version_id
