"""Where the site's assets get their Product Security Profiles from (a port and its file adapter).

A site names each asset's profile by ``path`` (relative to the site file) or by
``product`` + ``version``. :class:`ProfileSource` is the port the flow map uses; the
file adapter here reads profile files, the database adapter (products and profile
versions) plugs in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from medsec.errors import Error, NotFound
from medsec.network.site import ProfileRef
from medsec.profiles.loader import load_profile
from medsec.profiles.psp import ProductSecurityProfile

if TYPE_CHECKING:  # flowmap imports this module
    from medsec.network.flowmap import FlowMap


class ProfileSource(Protocol):
    def resolve(self, ref: ProfileRef) -> ProductSecurityProfile:
        """The profile ``ref`` names, or raise :class:`medsec.errors.Error`."""
        ...


@dataclass
class FileProfiles:
    """Profiles from files: ``path`` refs relative to ``base``; product+version refs among
    the ``*.yaml``/``*.yml``/``*.json`` profiles found in ``search`` directories."""

    base: Path
    search: list[Path] = field(default_factory=list)
    _cache: dict[Path, ProductSecurityProfile] = field(default_factory=dict, repr=False)

    def _load(self, path: Path) -> ProductSecurityProfile:
        key = path.resolve()
        if key not in self._cache:
            self._cache[key] = load_profile(path)
        return self._cache[key]

    def resolve(self, ref: ProfileRef) -> ProductSecurityProfile:
        if ref.path is not None:
            return self._load(self.base / ref.path)
        for directory in self.search:
            for path in sorted(directory.glob("*")):
                if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
                    continue
                try:
                    profile = self._load(path)
                except Error:
                    continue  # not a profile (a site file, a draft): keep looking
                if (profile.product.name, profile.product.version) == (ref.product, ref.version):
                    return profile
        where = ", ".join(str(d) for d in self.search) or "no directory"
        raise NotFound(
            f"no profile of {ref.product} {ref.version} in {where}",
            hint="give the profile's path in the site file, or pass --profiles DIR",
        )


def flowmap_of_site_file(site_path: Path, profiles: list[Path] | None = None) -> FlowMap:
    """The authorized flow map of a site file, its profiles read from files: ``path`` refs
    relative to the site file, product+version refs found in ``profiles`` (default: the
    site file's folder and its parent)."""
    from medsec.network.flowmap import compute
    from medsec.network.site_yaml import load_site

    site = load_site(site_path)
    base = site_path.parent
    return compute(site, FileProfiles(base, profiles if profiles else [base, base.parent]))
