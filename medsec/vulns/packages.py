"""What the matcher is asked about: a :class:`Package`, and how purls and names map to OSV.

A package is known by an OSV ecosystem and name (from a purl, or given directly), a
version (or ``None``: unknown), and optionally a CPE for firmware and OS components that
have no ecosystem. An SBOM component adapts to it with :meth:`Package.from_purl` or the
constructor.

>>> p = Package.from_purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
>>> p.ecosystem, p.name, p.version
('Maven', 'org.apache.logging.log4j:log4j-core', '2.14.1')
>>> Package.from_purl("pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12").ecosystem
'Debian:12'
>>> normalise_name("PyPI", "Zope.Interface")
'zope-interface'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packageurl import PackageURL

from medsec.vulns.errors import SourceUnreadable

__all__ = ["Package", "ecosystem_of_purl", "normalise_name"]

# purl type -> OSV ecosystem, for types whose namespace does not choose the ecosystem.
_PURL_TYPES = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
}
# Distribution purls: the namespace names the distribution.
_DISTRO_NAMESPACES = {
    ("deb", "debian"): "Debian",
    ("deb", "ubuntu"): "Ubuntu",
    ("apk", "alpine"): "Alpine",
    ("rpm", "redhat"): "Red Hat",
    ("rpm", "almalinux"): "AlmaLinux",
    ("rpm", "rocky"): "Rocky Linux",
    ("rpm", "opensuse"): "openSUSE",
    ("rpm", "suse"): "SUSE",
    ("rpm", "mageia"): "Mageia",
}
_RELEASE = re.compile(r"^(?:[a-z]+-)?v?(?P<release>\d[\w.]*)$")


def _release(ecosystem: str, distro: str | None) -> str | None:
    """The OSV ecosystem suffix for a purl ``distro`` qualifier (``debian-12`` -> ``12``)."""
    if not distro:
        return None
    m = _RELEASE.match(distro.strip().lower())
    if m is None:
        return None
    release = m["release"]
    if ecosystem == "Alpine":
        # OSV spells Alpine releases "v3.19"; purls say "alpine-3.19" or "3.19.1".
        return "v" + ".".join(release.split(".")[:2])
    if ecosystem == "Ubuntu":
        return release
    return release.split(".")[0] if ecosystem == "Debian" else release


def ecosystem_of_purl(purl: PackageURL) -> str | None:
    """The OSV ecosystem of ``purl`` (with a release suffix from ``distro``), or None."""
    if purl.type in _PURL_TYPES:
        return _PURL_TYPES[purl.type]
    base = _DISTRO_NAMESPACES.get((purl.type, (purl.namespace or "").lower()))
    if base is None:
        return None
    raw = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    qualifiers = {str(k).lower(): v for k, v in raw.items()}  # "Distro" is "distro"
    if base not in ("Debian", "Ubuntu", "Alpine"):
        # RPM distributions spell OSV releases their own way ("Red Hat:enterprise_linux:8
        # ::appstream"): no suffix, so every release's records apply.
        return base
    release = _release(base, qualifiers.get("distro"))
    return f"{base}:{release}" if release else base


def _osv_name(purl: PackageURL) -> str:
    """The OSV package name for a purl: namespace rules per ecosystem."""
    namespace = purl.namespace or ""
    if purl.type == "maven":
        return f"{namespace}:{purl.name}" if namespace else purl.name
    if purl.type in ("npm", "golang", "composer") and namespace:
        return f"{namespace}/{purl.name}"
    return purl.name


_PEP503 = re.compile(r"[-_.]+")


def normalise_name(ecosystem: str, name: str) -> str:
    """The key a package name is indexed under, per its ecosystem's naming rules.

    PyPI: PEP 503 (runs of ``-_.`` become ``-``, lowercase). NuGet and Packagist names are
    case-insensitive. npm, Maven, Go, crates.io, RubyGems and distribution packages are
    compared exactly as published.
    """
    base = ecosystem.split(":", 1)[0]
    if base == "PyPI":
        return _PEP503.sub("-", name).lower()
    if base in ("NuGet", "Packagist"):
        return name.casefold()
    return name


@dataclass(frozen=True)
class Package:
    """One package to check. ``version=None`` means the version is unknown."""

    name: str
    version: str | None
    ecosystem: str | None = None
    purl: str | None = None
    cpe: str | None = None

    @classmethod
    def from_purl(cls, purl: str, *, version: str | None = None, cpe: str | None = None) -> Package:
        """A package from a purl string; ``version`` overrides the purl's own."""
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError as e:
            raise SourceUnreadable(
                f"{purl!r} is not a valid purl: {e}",
                hint="a purl looks like pkg:pypi/requests@2.31.0",
            ) from e
        return cls(
            name=_osv_name(parsed),
            version=version if version is not None else parsed.version,
            ecosystem=ecosystem_of_purl(parsed),
            purl=purl,
            cpe=cpe,
        )

    def describe(self) -> str:
        version = self.version if self.version is not None else "(unknown version)"
        where = self.ecosystem or ("cpe " + self.cpe if self.cpe else "no ecosystem")
        return f"{where} {self.name} {version}"
