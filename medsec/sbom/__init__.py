"""SBOMs: CycloneDX (1.4–1.7, JSON and XML) and SPDX (2.2/2.3, JSON and tag-value) read,
validated and normalised into :class:`~medsec.sbom.model.Sbom` /
:class:`~medsec.sbom.model.Component`; NTIA minimum-elements reports.

>>> from medsec.sbom import read_sbom_bytes
>>> sbom = read_sbom_bytes(b'{"bomFormat": "CycloneDX", "specVersion": "1.5",'
...     b' "components": [{"type": "library", "name": "zlib"}]}', "x.json")
>>> sbom.format.value, sbom.components[0].version is None
('cyclonedx-json', True)
"""

from medsec.sbom.model import Component, Edge, EdgeKind, Sbom, SbomFormat
from medsec.sbom.read import read_sbom, read_sbom_bytes

__all__ = [
    "Component",
    "Edge",
    "EdgeKind",
    "Sbom",
    "SbomFormat",
    "read_sbom",
    "read_sbom_bytes",
]
