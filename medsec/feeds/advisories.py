"""The advisory leg of a feed: the manufacturer's CSAF provider, followed with the feed's key.

A feed's index names the publisher's CSAF provider (``publisher.csaf_provider``, kept on
the subscription as ``csaf_provider_url``). The feed and the provider of one medsec
instance are signed with the same instance key, so when a fetch finds a provider the
subscribing organization does not follow yet, it is subscribed to it **pinned to the key
the feed subscription pinned** (audited as ``advisories:subscription:added``, created by
``feed:<id>``) and fetched at once — the advisories arrive with the versions, are
checked (hash, signature with that key, validation), imported, matched to the inventory,
and the matches notified, exactly as for a CSAF subscription added by hand.

Rules:

- the provider URL must be https://, or http:// to a loopback address (the consumer's
  rule: a provider under test); anything else is reported, nothing is subscribed;
- the provider's metadata must list the feed's key (``public_openpgp_keys``) when it lists
  fingerprints: a provider signing with another key is not followed on the feed's word;
- an existing subscription of the organization to the provider (added by hand or by an
  earlier fetch) is kept as it is — never a second one, never a re-pinned key — and
  fetched again when the feed brought something new.

A problem of the advisory leg never undoes what the feed stored: it is reported in the
feed fetch's report (``advisories.error``) and on the next fetch the leg is tried again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from medsec.advisories.consumer import services as csaf
from medsec.advisories.consumer.discovery import discover, public_keys
from medsec.advisories.consumer.download import Downloader, check_url, http_client
from medsec.advisories.consumer.pipeline import Fetcher
from medsec.advisories.interfaces import CsafValidator
from medsec.advisories.validation import default_validator
from medsec.audit.services import Context
from medsec.errors import Error
from medsec.feeds.models import FeedSubscription


@dataclass(frozen=True)
class AdvisoryLeg:
    """What following a provider needs: the consumer's downloader and validator."""

    downloader: Downloader
    validator: CsafValidator


@contextmanager
def advisory_leg(transport: httpx.BaseTransport | None = None) -> Iterator[AdvisoryLeg]:
    """The advisory leg every feed fetch takes (API, web page, CLI, worker): the CSAF
    consumer's downloader on one HTTP client (``transport`` replaces the network in
    tests) and the default validator."""
    with http_client(transport) as client:
        yield AdvisoryLeg(Downloader(client), default_validator())


@dataclass
class AdvisoryReport:
    provider_url: str
    csaf_subscription_id: int | None = None
    created: bool = False
    fetched: bool = False
    counts: dict[str, int] | None = None
    error: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "provider_url": self.provider_url,
            "csaf_subscription_id": self.csaf_subscription_id,
            "created": self.created,
            "fetched": self.fetched,
            "counts": self.counts,
            "error": self.error,
        }


def _check_key(subscription: FeedSubscription, listed: list[tuple[str | None, str]]) -> None:
    fingerprints = {fp for fp, _url in listed if fp}
    if fingerprints and subscription.fingerprint not in fingerprints:
        raise Error(
            f"the CSAF provider lists the key(s) {', '.join(sorted(fingerprints))}, not the "
            f"feed's {subscription.fingerprint}",
            hint="the provider is not followed on the feed's key; subscribe to it by hand "
            "(CSAF subscriptions) with the fingerprint the manufacturer gives you",
        )


def follow(
    session: Session,
    subscription: FeedSubscription,
    leg: AdvisoryLeg,
    context: Context,
    *,
    changed: bool,
) -> AdvisoryReport | None:
    """Subscribe to and fetch the feed's CSAF provider (None when the index names none).

    ``changed``: the feed stored something in this fetch; an existing CSAF subscription
    is fetched only then (otherwise the hourly ``csaf.fetch`` job keeps it current)."""
    url = subscription.csaf_provider_url
    if not url:
        return None
    report = AdvisoryReport(url)
    try:
        with session.begin_nested():
            row = csaf.subscription_for(session, subscription.organization_id, url)
            if row is None:
                provider = discover(leg.downloader, check_url(url))
                _check_key(subscription, public_keys(provider))
                row = csaf.subscription_for(
                    session, subscription.organization_id, provider.metadata_url
                )
            if row is None:
                row = csaf.subscribe_pinned(
                    session,
                    subscription.organization_id,
                    provider,
                    subscription.certificate,
                    context,
                    created_by=f"feed:{subscription.id}",
                )
                report.created = True
    except Error as e:
        report.error = e.diagnostics()
        return report
    report.csaf_subscription_id = row.id
    if report.created or changed:
        fetched = Fetcher(session, leg.downloader, leg.validator, context).fetch(row)
        report.fetched = True
        report.counts = dict(fetched.counts)
        report.error = fetched.error
    return report
