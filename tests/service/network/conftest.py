"""A hospital holding the three example profiles, with the example site imported.

``st_example`` is ``examples/site/st-example.yaml`` with its ``profile: {path: …}``
references written as ``{product, version}`` (the service names profiles so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from medsec.accounts.actor import Actor
from medsec.accounts.roles import OrganizationKind, Role
from medsec.network.site_import import import_site

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
REFS = {
    "../infusion-pump.yaml": ("Northwind LVP 3000", "4.2.1"),
    "../ct-scanner.yaml": ("Fabrikam Aurora CT", "7.2.1"),
    "../pacs-server.yaml": ("Contoso Vista PACS", "12.4.0"),
}


def st_example() -> str:
    text = (EXAMPLES / "site" / "st-example.yaml").read_text(encoding="utf-8")
    for path, (product, version) in REFS.items():
        text = text.replace(
            f"profile: {{path: {path}}}", f'profile: {{product: {product}, version: "{version}"}}'
        )
    assert "path:" not in re.sub(r"(?m)#.*$", "", text)
    return text


@dataclass
class Campus:
    admin: Actor
    auditor: Actor
    site_id: int
    site_text: str


@pytest.fixture
def campus(make: Any) -> Campus:
    vendors = {}
    for file in ("infusion-pump.yaml", "ct-scanner.yaml", "pacs-server.yaml"):
        maker = make.organization(OrganizationKind.MANUFACTURER, name=make.unique("maker"))
        psirt = make.actor(make.user(maker, Role.PRODUCT_SECURITY_OFFICER), recent=True)
        text = (EXAMPLES / file).read_text(encoding="utf-8")
        vendors[file] = make.publish(psirt, make.upload(psirt, text=text, filename=file))
    clinic = make.organization(OrganizationKind.HEALTHCARE_PROVIDER, name="St. Example")
    admin = make.actor(make.user(clinic, Role.ADMIN, username="st-admin"))
    for version in vendors.values():
        make.hold(admin, version.product_id)
    site = make.site(admin, "St. Example Hospital")
    text = st_example()
    with make.session() as session:
        import_site(session, admin, site.id, text, "st-example.yaml")
    auditor = make.actor(make.user(clinic, Role.AUDITOR, username="st-auditor"))
    return Campus(admin, auditor, site.id, text)
