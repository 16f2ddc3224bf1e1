"""What medsec knows about an SBOM once it is read, whatever its format.

An :class:`Sbom` lists :class:`Component` objects; this is what the vulnerability
matcher consumes (it looks at ``purl``, ``cpe``, ``name`` and ``version``). Nothing is
invented: a component without a version has ``version=None``; a supplier that is not
named is ``None``.

>>> c = Component(ref="pkg-a", type="library", name="openssl", version="3.0.13",
...               purl="pkg:generic/openssl@3.0.13")
>>> c.identifiers()
('pkg:generic/openssl@3.0.13',)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

#: The ``hashes`` of a component without any (one shared empty mapping).
NO_HASHES: Mapping[str, str] = MappingProxyType({})


class SbomFormat(enum.StrEnum):
    """The standard and the encoding an SBOM was read from."""

    CYCLONEDX_JSON = "cyclonedx-json"
    CYCLONEDX_XML = "cyclonedx-xml"
    SPDX_JSON = "spdx-json"
    SPDX_TAG_VALUE = "spdx-tag-value"

    @property
    def standard(self) -> str:
        return "CycloneDX" if self.value.startswith("cyclonedx") else "SPDX"


class EdgeKind(enum.StrEnum):
    #: ``source`` needs ``target`` (CycloneDX ``dependencies``, SPDX ``DEPENDS_ON``).
    DEPENDS_ON = "depends-on"
    #: ``source`` contains ``target`` (SPDX ``CONTAINS``; CycloneDX nesting is ``parent``).
    CONTAINS = "contains"


@dataclass(frozen=True, slots=True)
class Component:
    """One piece of software (or hardware, firmware…) an SBOM lists.

    ``ref`` is the CycloneDX ``bom-ref`` or the SPDX ``SPDXID`` (``None`` when a
    CycloneDX component has no ``bom-ref``). ``hashes`` maps a CycloneDX algorithm name
    (``SHA-256``, ``SHA-1``, ``MD5``…; SPDX names are translated) to lower-case hex.
    ``licenses`` holds SPDX ids, SPDX expressions or, failing those, licence names.
    ``parent`` is the ``ref`` of the component this one is nested in (CycloneDX nested
    ``components``), ``scope`` the CycloneDX scope (``required``/``optional``/``excluded``).
    """

    ref: str | None
    type: str | None
    name: str
    version: str | None = None
    group: str | None = None
    purl: str | None = None
    cpe: str | None = None
    supplier: str | None = None
    hashes: Mapping[str, str] = field(default_factory=lambda: NO_HASHES)
    licenses: tuple[str, ...] = ()
    parent: str | None = None
    scope: str | None = None

    def identifiers(self) -> tuple[str, ...]:
        """The unique identifiers the component carries (purl, CPE), in that order."""
        return tuple(i for i in (self.purl, self.cpe) if i)


@dataclass(frozen=True, slots=True)
class Edge:
    """One relationship between two components, by ``ref``."""

    source: str
    target: str
    kind: EdgeKind = EdgeKind.DEPENDS_ON


@dataclass(frozen=True, slots=True)
class Sbom:
    """An SBOM read and checked.

    ``product`` is what the SBOM describes (CycloneDX ``metadata.component``, the SPDX
    package the document ``DESCRIBES``); it is not repeated in ``components``.
    ``serial_number`` is the CycloneDX ``serialNumber`` or the SPDX document namespace;
    ``version`` the CycloneDX BOM version (SPDX has none). ``authors`` are the people
    and organisations who made the SBOM data, ``tools`` the programs.
    """

    format: SbomFormat
    spec_version: str
    serial_number: str | None = None
    version: int | None = None
    timestamp: datetime | None = None
    authors: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    product: Component | None = None
    components: tuple[Component, ...] = ()
    edges: tuple[Edge, ...] = ()

    def component(self, ref: str) -> Component | None:
        """The component (or the product) whose ``ref`` is ``ref``, if any."""
        if self.product is not None and self.product.ref == ref:
            return self.product
        return next((c for c in self.components if c.ref == ref), None)
