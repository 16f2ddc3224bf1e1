"""Demo data of advisories (called by :func:`medsec.demo.seed`): the manufacturer writes the
example advisory (``examples/advisories/nwis-2026-004.yaml``) about its infusion pump in the
service and publishes it; the hospital, which holds the pump and has pumps linked to its
profile, is notified."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy.orm import Session

from medsec.accounts.actor import Actor
from medsec.advisories.authoring.input import AdvisoryInput
from medsec.advisories.publishing import publish, services
from medsec.advisories.publishing.models import AdvisoryRevision
from medsec.advisories.publishing.provider import ProviderTarget
from medsec.advisories.signing.openpgp import KeyStore
from medsec.errors import Error

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "advisories" / "nwis-2026-004.yaml"
PUMP = "Northwind LVP 3000"


def example_input(
    product: str = PUMP, *, publisher: str | None = None, date: dt.datetime | None = None
) -> dict[str, Any]:
    """The example advisory as a service draft: its products named by stored product,
    one revision (the first release), the provider's URL as its self reference."""
    data: dict[str, Any] = YAML(typ="safe").load(EXAMPLE.read_text(encoding="utf-8"))
    for entry in data["products"]:
        del entry["profile"]
        entry["product"] = product
    if publisher is not None:
        data["publisher"]["name"] = publisher
    data.pop("canonical_url", None)
    when = date or dt.datetime.now(dt.UTC)
    data["revisions"] = [{"date": when.isoformat(), "summary": "First release."}]
    return data


def seed(
    session: Session, psirt: Actor, target: ProviderTarget, key_user_id: str
) -> AdvisoryRevision:
    """Write and publish the example advisory (creating the signing key if there is none).

    The provider's URLs use the instance's address when it can serve a provider (https://,
    or http:// on this machine, as ``medsec demo`` runs), else ``http://localhost``."""
    try:
        target.base_url  # noqa: B018 - raises if the address cannot serve a provider
    except Error:
        target = dataclasses.replace(target, site_url="http://localhost")
    store = KeyStore(target.data_dir, target.instance_secret)
    if not store.exists():
        store.create(key_user_id)
    draft = services.create(session, psirt, AdvisoryInput.model_validate(example_input()))
    return publish.publish(session, psirt, draft.id, target)
