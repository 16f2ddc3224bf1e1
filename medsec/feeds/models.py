"""Tables of the feeds domain (hospital side): feed subscriptions and the state of each
entry received. A version's VEX document is kept by the findings domain
(``vex_documents``, :mod:`medsec.feeds.vex`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from medsec.db.base import Base, utcnow
from medsec.products.models import ProfileVersion


class FeedSubscription(Base):
    """A hospital organization's subscription to one manufacturer feed.

    ``fingerprint`` pins the key (the certificate is stored too, so verification needs no
    key server); ``publisher_organization_id`` is the local organization that holds the
    received products (created on the first fetch, shared by subscriptions to the same
    key); ``csaf_provider_url`` is what the feed says about the manufacturer's CSAF
    provider, for the CSAF consumer.
    """

    __tablename__ = "feed_subscriptions"
    __table_args__ = (UniqueConstraint("organization_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    fingerprint: Mapped[str] = mapped_column(String(64))
    certificate: Mapped[str] = mapped_column(Text)
    publisher_name: Mapped[str | None] = mapped_column(String(200))
    publisher_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    csaf_provider_url: Mapped[str | None] = mapped_column(String(2000))
    etag: Mapped[str | None] = mapped_column(String(200))
    #: ``never``, ``ok``, ``unchanged``, ``partial`` or ``failed``.
    last_status: Mapped[str] = mapped_column(String(16), default="never")
    last_error: Mapped[str | None] = mapped_column(Text)
    last_fetched_at: Mapped[dt.datetime | None] = mapped_column()
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[FeedEntry]] = relationship(
        back_populates="subscription",
        order_by="FeedEntry.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class FeedEntry(Base):
    """One entry of a feed as received: ``stored`` or ``quarantined`` (with the reason).

    A stored profile entry links the profile version it created, the version it was
    compared with, the diff (``changes``, as :meth:`medsec.profiles.diff.Change.as_json`)
    and how many of the hospital's devices are of the product.
    """

    __tablename__ = "feed_entries"
    __table_args__ = (UniqueConstraint("subscription_id", "entry_key", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("feed_subscriptions.id", ondelete="CASCADE"), index=True
    )
    #: ``product/version/kind`` as the index names it.
    entry_key: Mapped[str] = mapped_column(String(700))
    product: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    published: Mapped[dt.datetime | None] = mapped_column()
    #: ``stored`` or ``quarantined``.
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    profile_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="SET NULL"), index=True
    )
    previous_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_versions.id", ondelete="SET NULL")
    )
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    devices: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    subscription: Mapped[FeedSubscription] = relationship(back_populates="entries")
    profile_version: Mapped[ProfileVersion | None] = relationship(foreign_keys=[profile_version_id])
