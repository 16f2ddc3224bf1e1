"""The manufacturer side: each manufacturer organization's feed and its documents.

The feed of an organization lists only **published** profile versions: their profile
(the file as uploaded), their SBOM (when the document was kept) and their VEX. Its URL is
``/public/feeds/{slug}/index.json``, the slug derived from the organization's name
(:func:`slug_of`). The index is signed with the instance's OpenPGP key, the one that
signs CSAF documents (``medsec csaf key create``); the public key is at ``key.asc``.

>>> slug_of("Northwind Medical Systems GmbH")
'northwind-medical-systems-gmbh'
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from medsec.accounts.models import Organization
from medsec.accounts.roles import OrganizationKind
from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.layout import METADATA, PUBLIC
from medsec.advisories.signing.openpgp import KeyStore, OpenPgpSigner
from medsec.errors import ConfigurationError, NotFound
from medsec.feeds import vex as feed_vex
from medsec.feeds.index import KIND_ORDER, FeedEntryDoc, FeedIndex, Kind, Publisher
from medsec.feeds.models import FeedSubscription
from medsec.products.models import Product, ProfileVersion
from medsec.sbom import services as sboms
from medsec.sbom.models import StoredSbom
from medsec.settings import Settings

PROFILE_TYPES = {".json": "application/json", ".yaml": "application/yaml"}


def slug_of(name: str) -> str:
    """Lower-case ASCII letters and digits, runs of anything else as one ``-``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "organization"


def feed_path(organization: Organization) -> str:
    return f"/public/feeds/{slug_of(organization.name)}/index.json"


def publisher(session: Session, slug: str) -> Organization:
    """The manufacturer organization with that slug (the oldest, should two share it);
    not one created to hold what a subscription received."""
    kinds = [OrganizationKind.MANUFACTURER.value, OrganizationKind.BOTH.value]
    # Organizations that hold what a subscription received are not republished.
    received = select(FeedSubscription.publisher_organization_id).where(
        FeedSubscription.publisher_organization_id.is_not(None)
    )
    for organization in session.execute(
        select(Organization)
        .where(Organization.kind.in_(kinds), Organization.id.not_in(received))
        .order_by(Organization.id)
    ).scalars():
        if slug_of(organization.name) == slug:
            return organization
    raise NotFound(
        f"no feed '{slug}'", hint="a feed URL is /public/feeds/{organization-slug}/index.json"
    )


def _profile_filename(version: ProfileVersion) -> str:
    return version.filename if "." in version.filename else f"{version.filename}.yaml"


def _media_type(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return PROFILE_TYPES.get(".yaml" if suffix == ".yml" else suffix, "application/yaml")


def _document_url(slug: str, version_id: int, kind: Kind) -> str:
    return f"/public/feeds/{slug}/versions/{version_id}/{kind.value}"


def build_index(
    session: Session,
    organization: Organization,
    *,
    fingerprint: str | None,
    csaf_provider: str | None,
) -> FeedIndex:
    """The index of the organization's published versions, oldest product first."""
    slug = slug_of(organization.name)
    rows = session.execute(
        select(ProfileVersion, Product)
        .join(Product, Product.id == ProfileVersion.product_id)
        .where(Product.organization_id == organization.id, ProfileVersion.status == "published")
        .order_by(Product.name, ProfileVersion.id)
    ).all()
    ids = [v.id for v, _ in rows]
    sbom_of = {
        s.profile_version_id: s
        for s in session.execute(
            select(StoredSbom).where(
                StoredSbom.profile_version_id.in_(ids), StoredSbom.document_stored.is_(True)
            )
        ).scalars()
    }
    vex_of = feed_vex.current_of(session, ids)
    entries: list[FeedEntryDoc] = []
    for version, product in rows:
        common = {
            "product": product.name,
            "manufacturer": product.manufacturer,
            "version": version.version,
        }
        filename = _profile_filename(version)
        entries.append(
            FeedEntryDoc(
                **common,
                kind=Kind.PROFILE,
                url=_document_url(slug, version.id, Kind.PROFILE),
                sha256=version.sha256,
                size=len(version.source.encode()),
                filename=filename,
                media_type=_media_type(filename),
                published=version.published_at,
            )
        )
        if (sbom := sbom_of.get(version.id)) is not None:
            entries.append(
                FeedEntryDoc(
                    **common,
                    kind=Kind.SBOM,
                    url=_document_url(slug, version.id, Kind.SBOM),
                    sha256=sbom.sha256,
                    size=sbom.size_bytes,
                    filename=sbom.filename,
                    media_type=sboms.DOCUMENT_TYPES.get(sbom.format, "application/octet-stream"),
                    published=max(sbom.uploaded_at, version.published_at or sbom.uploaded_at),
                )
            )
        if (vex := vex_of.get(version.id)) is not None:
            entries.append(
                FeedEntryDoc(
                    **common,
                    kind=Kind.VEX,
                    url=_document_url(slug, version.id, Kind.VEX),
                    sha256=vex.sha256,
                    size=vex.size_bytes or 0,
                    filename=vex.filename,
                    media_type=feed_vex.MEDIA_TYPE,
                    published=vex.uploaded_at,
                )
            )
    entries.sort(key=lambda e: (e.product, KIND_ORDER[e.kind]))
    times = [e.published for e in entries if e.published is not None]
    return FeedIndex(
        publisher=Publisher(
            name=organization.name,
            slug=slug,
            key_fingerprint=fingerprint,
            csaf_provider=csaf_provider,
        ),
        updated=max(times) if times else None,
        entries=entries,
    )


@dataclass(frozen=True)
class FeedDocument:
    chunks: Iterator[bytes]
    media_type: str
    sha256: str
    filename: str


def document(
    session: Session, organization: Organization, version_id: int, kind: Kind
) -> FeedDocument:
    """One document the feed lists (NotFound for anything it does not list)."""
    version = session.get(ProfileVersion, version_id)
    missing = NotFound(f"the feed lists no {kind.value} of version {version_id}")
    if (
        version is None
        or version.status != "published"
        or version.product.organization_id != organization.id
    ):
        raise missing
    match kind:
        case Kind.PROFILE:
            name = _profile_filename(version)
            body = version.source.encode()
            return FeedDocument(iter([body]), _media_type(name), version.sha256, name)
        case Kind.SBOM:
            sbom = sboms.current(
                session, sboms.Owner(organization.id, profile_version_id=version.id)
            )
            if sbom is None or not sbom.document_stored:
                raise missing
            media_type = sboms.DOCUMENT_TYPES.get(sbom.format, "application/octet-stream")
            return FeedDocument(sboms.document_chunks(sbom), media_type, sbom.sha256, sbom.filename)
        case Kind.VEX:
            vex = feed_vex.current(session, version.id)
            if vex is None or vex.document is None:
                raise missing
            return FeedDocument(iter([vex.document]), feed_vex.MEDIA_TYPE, vex.sha256, vex.filename)


# --------------------------------------------------------------------------- signing

_signers: dict[tuple[Path, float], OpenPgpSigner] = {}
_lock = threading.Lock()


def signer(settings: Settings) -> OpenPgpSigner:
    """The instance key's signer, decrypted once per process (and again after a rotation)."""
    store = KeyStore(settings.data_dir, settings.resolved_secret_key())
    if not store.exists():
        raise ConfigurationError(
            "this instance has no signing key, so it publishes no feeds",
            hint="create one with: medsec csaf key create --user-id 'NAME <email>'",
        )
    key = (store.secret_path, store.secret_path.stat().st_mtime)
    with _lock:
        found = _signers.get(key)
        if found is None:
            found = store.signer()
            _signers.clear()
            _signers[key] = found
        return found


def csaf_provider_url(settings: Settings) -> str | None:
    """Where this instance's CSAF provider says it lives: the ``canonical_url`` of the
    built ``provider-metadata.json`` (CSAF 2.0 §7.1.1), else its path under ``base_url``;
    None when no provider is built."""
    path = provider_dir(settings.data_dir) / PUBLIC / METADATA
    try:
        metadata = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        metadata = None
    canonical = metadata.get("canonical_url") if isinstance(metadata, dict) else None
    if isinstance(canonical, str) and canonical.startswith("https://"):
        return canonical
    return settings.base_url.rstrip("/") + f"/.well-known/csaf/{METADATA}"
