"""The CSAF product tree, built from the PSP profiles of the advisory's products.

Each version of each product entry becomes a ``product_version`` branch under its
manufacturer (``vendor``) and product name (``product_name``); its product id is the
``KEY@VERSION`` the advisory input uses. Identification helpers come from the profile:
model numbers, and the CPE 2.3 name and purl with their version set to the branch's version
(a profile describes one version; for another one, the version field is replaced).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from packageurl import PackageURL

from medsec.advisories.authoring.input import AdvisoryInput, InputProblem, ProductEntry
from medsec.errors import Error
from medsec.profiles.loader import load_profile
from medsec.profiles.psp import ProductSecurityProfile

_CPE_FIELD = re.compile(r"(?:\\.|[^:\\])*")


@dataclass(frozen=True)
class Product:
    """One product version the advisory covers."""

    product_id: str  #: ``KEY@VERSION``
    key: str
    vendor: str
    name: str
    version: str
    profile: ProductSecurityProfile

    @property
    def display_name(self) -> str:
        """The product name, preceded by the vendor unless it already starts with it."""
        first = self.vendor.split()[0].lower()
        return self.name if self.name.lower().startswith(first) else f"{self.vendor} {self.name}"

    @property
    def full_name(self) -> str:
        return f"{self.display_name} {self.version}"


def cpe_for_version(cpe: str, version: str) -> str | None:
    """A CPE 2.3 formatted string with its version field replaced; ``None`` if not CPE 2.3."""
    fields = [m[0] for m in _CPE_FIELD.finditer(cpe) if m.start() == 0 or cpe[m.start() - 1] == ":"]
    if len(fields) != 13 or fields[:2] != ["cpe", "2.3"]:
        return None
    escaped = re.sub(r"([^A-Za-z0-9._-])", r"\\\1", version)
    return ":".join([*fields[:5], escaped, *fields[6:]])


def purl_for_version(purl: str, version: str) -> str | None:
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    return PackageURL(
        type=parsed.type,
        namespace=parsed.namespace,
        name=parsed.name,
        version=version,
        qualifiers=parsed.qualifiers,
        subpath=parsed.subpath,
    ).to_string()


class ProfileSource(Protocol):
    """Where the profiles of an advisory's products come from: files next to the input
    (:class:`ProfileFiles`) or the service's stored profile versions."""

    def profile(
        self, index: int, entry: ProductEntry, version: str | None
    ) -> ProductSecurityProfile:
        """The profile describing ``version`` of the product (``None``: its default one)."""
        ...


class ProfileFiles:
    """Profiles named by ``profile``, a path relative to ``base`` (the input's folder);
    one profile file describes every version its entry lists."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._loaded: dict[Path, ProductSecurityProfile] = {}

    def profile(
        self, index: int, entry: ProductEntry, version: str | None
    ) -> ProductSecurityProfile:
        if entry.profile is None:
            raise InputProblem(
                ("products", index, "product"),
                f"{entry.product!r} names a product stored in the service",
                hint="an advisory file names its products by profile: a PSP profile file",
            )
        path = self.base / entry.profile
        if path not in self._loaded:
            self._loaded[path] = load_profile(path)
        return self._loaded[path]


def load_products(advisory: AdvisoryInput, source: Path | ProfileSource) -> dict[str, Product]:
    """Every product version, by product id, in input order (``source``: the folder the
    profile paths are relative to, or a :class:`ProfileSource`)."""
    profiles = ProfileFiles(source) if isinstance(source, Path) else source
    products: dict[str, Product] = {}
    for index, entry in enumerate(advisory.products):
        default = profiles.profile(index, entry, None)
        for version in _versions(entry, default):
            profile = default if not entry.versions else profiles.profile(index, entry, version)
            product_id = f"{entry.key}@{version}"
            if product_id in products:
                raise Error(
                    f"product {product_id} is listed twice",
                    hint="give each product entry its own key and each version once",
                )
            products[product_id] = Product(
                product_id,
                entry.key,
                profile.product.manufacturer.name,
                profile.product.name,
                version,
                profile,
            )
    return products


def _versions(entry: ProductEntry, profile: ProductSecurityProfile) -> list[str]:
    return list(entry.versions) or [profile.product.version]


def _helper(product: Product) -> dict[str, Any]:
    psp = product.profile.product
    helper: dict[str, Any] = {}
    if psp.cpe and (cpe := cpe_for_version(psp.cpe, product.version)):
        helper["cpe"] = cpe
    if psp.purl and (purl := purl_for_version(psp.purl, product.version)):
        helper["purl"] = purl
    if psp.models:
        helper["model_numbers"] = list(psp.models)
    return helper


def product_tree(products: dict[str, Product]) -> dict[str, Any]:
    vendors: dict[str, dict[str, list[Product]]] = {}
    for product in products.values():
        vendors.setdefault(product.vendor, {}).setdefault(product.name, []).append(product)
    branches = []
    for vendor, names in vendors.items():
        name_branches = []
        for name, versions in names.items():
            version_branches = []
            for product in versions:
                leaf: dict[str, Any] = {"name": product.full_name, "product_id": product.product_id}
                if helper := _helper(product):
                    leaf["product_identification_helper"] = helper
                version_branches.append(
                    {"category": "product_version", "name": product.version, "product": leaf}
                )
            name_branches.append(
                {"branches": version_branches, "category": "product_name", "name": name}
            )
        branches.append({"branches": name_branches, "category": "vendor", "name": vendor})
    return {"branches": branches}
