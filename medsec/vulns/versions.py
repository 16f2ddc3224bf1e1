"""Per-ecosystem version ordering, by OSV ecosystem name, on top of univers.

Each OSV ecosystem (``PyPI``, ``npm``, ``Maven``…, with an optional ``:suffix`` such as
``Debian:12`` or ``Alpine:v3.19``) maps to a univers version class and the ``vers``
scheme of the same rules. :func:`compare` is the one comparison every matcher uses.

>>> compare("PyPI", "1.0.0rc1", "1.0.0")
-1
>>> compare("Debian:12", "1:1.0", "2.0")
1
>>> compare("Go", "v1.2.3", "1.2.3")
0

Where univers deviates from an ecosystem's own rules this module says so next to the
mapping (and ``docs/vulnerabilities.md`` lists the deviations); it does not re-implement
an ordering by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from univers import versions as uv

from medsec.vulns.errors import InvalidVersion, UnknownEcosystem

__all__ = [
    "SEMVER",
    "Scheme",
    "compare",
    "hashable_keys",
    "order",
    "parse",
    "scheme_for",
    "sort_key",
    "supported_ecosystems",
]


@dataclass(frozen=True)
class Scheme:
    """How one ecosystem orders versions."""

    ecosystem: str
    #: The vers (and purl) scheme with the same rules, e.g. ``pypi``, ``deb``.
    vers: str
    version_class: type[uv.Version]
    #: A valid version, shown when a version does not parse.
    example: str


# Notes on univers' behaviour, checked against the ecosystems' rules and the vers-spec
# tests (tests/conformance/test_vers.py lists every deviation it finds):
# - npm, crates.io, Hex, Pub: univers' SemverVersion uses semantic_version's ``coerce``,
#   which accepts partial versions ("1.2" -> 1.2.0) where SemVer 2.0 and npm reject
#   them; a record or SBOM with such a version is therefore matched, not refused.
# - Go: GolangVersion is the same SemverVersion with a leading "v" removed; Go
#   pseudo-versions (v0.0.0-20200101000000-abcdef) are SemVer pre-releases and order
#   correctly.
# - Packagist: ComposerVersion is SemverVersion too, so Composer's stability words are
#   compared as SemVer pre-release identifiers (ASCII), not as dev < alpha < beta < RC.
#   "1.0.0-RC1" < "1.0.0-alpha" holds (uppercase sorts first), unlike Composer, where
#   alpha < RC. Packagist records rarely bound ranges by pre-releases; listed as a
#   deviation.
# - Alpine: AlpineLinuxVersion uses Gentoo's vercmp; only ``<``, ``>`` and ``==`` are
#   defined from it (``<=``/``>=`` fall back to attrs' string order), so this module uses
#   ``<`` and ``==`` only.
# - PyPI: PypiVersion accepts PEP 440 versions only; legacy (non-PEP 440) versions are
#   rejected as invalid rather than ordered before every PEP 440 version.
_SCHEMES: tuple[Scheme, ...] = (
    Scheme("PyPI", "pypi", uv.PypiVersion, "1.0.0, 2.1rc1, 1!2.0.post1"),
    Scheme("npm", "npm", uv.SemverVersion, "1.2.3, 1.2.3-beta.1"),
    Scheme("Maven", "maven", uv.MavenVersion, "1.2.3, 1.2-SNAPSHOT, 2.0.0.Final"),
    Scheme("Go", "golang", uv.GolangVersion, "v1.2.3, v0.0.0-20200101000000-abcdef123456"),
    Scheme("crates.io", "cargo", uv.SemverVersion, "1.2.3, 0.1.0-alpha.1"),
    Scheme("NuGet", "nuget", uv.NugetVersion, "1.2.3, 1.2.3.4, 1.0.0-beta"),
    Scheme("RubyGems", "gem", uv.RubygemsVersion, "1.2.3, 5.0.0.1, 1.0.0.pre"),
    Scheme("Packagist", "composer", uv.ComposerVersion, "1.2.3, v2.0.0-RC1"),
    Scheme("Hex", "hex", uv.SemverVersion, "1.2.3"),
    Scheme("Pub", "pub", uv.SemverVersion, "1.2.3"),
    Scheme("Debian", "deb", uv.DebianVersion, "1.2.3-1, 1:2.0~rc1-3"),
    Scheme("Ubuntu", "deb", uv.DebianVersion, "1.2.3-1ubuntu1"),
    Scheme("Alpine", "apk", uv.AlpineLinuxVersion, "1.2.3-r0, 1.2.3_rc1-r2"),
    Scheme("Red Hat", "rpm", uv.RpmVersion, "1.2.3-4.el8, 1:2.0~rc1-1"),
    Scheme("AlmaLinux", "rpm", uv.RpmVersion, "1.2.3-4.el9"),
    Scheme("Rocky Linux", "rpm", uv.RpmVersion, "1.2.3-4.el9"),
    Scheme("openSUSE", "rpm", uv.RpmVersion, "1.2.3-150400.1"),
    Scheme("SUSE", "rpm", uv.RpmVersion, "1.2.3-150400.1"),
    Scheme("Mageia", "rpm", uv.RpmVersion, "1.2.3-1.mga9"),
)

#: The ordering of OSV ``SEMVER`` ranges, whatever the ecosystem.
SEMVER = Scheme("SEMVER", "semver", uv.SemverVersion, "1.2.3, 1.2.3-rc.1")

_BY_NAME = {s.ecosystem.casefold(): s for s in _SCHEMES}


def supported_ecosystems() -> list[str]:
    """The OSV ecosystem names :func:`compare` knows, in a stable order."""
    return [s.ecosystem for s in _SCHEMES]


@lru_cache(maxsize=256)
def scheme_for(ecosystem: str) -> Scheme:
    """The ordering of ``ecosystem``; a suffix after ``:`` (a release) is ignored."""
    if ecosystem == "SEMVER":
        return SEMVER
    base = ecosystem.split(":", 1)[0].strip().casefold()
    try:
        return _BY_NAME[base]
    except KeyError:
        raise UnknownEcosystem(
            f"unknown ecosystem {ecosystem!r}",
            hint="use one of " + ", ".join(supported_ecosystems()) + " (OSV spelling)",
        ) from None


@lru_cache(maxsize=200_000)
def _parse(scheme: Scheme, version: str) -> uv.Version:
    try:
        return scheme.version_class(version)
    # univers raises InvalidVersion, ValueError, TypeError or IndexError depending on
    # the class; every one of them means "not a version of this scheme".
    except Exception as e:
        raise InvalidVersion(
            f"{version!r} is not a valid {scheme.ecosystem} version",
            hint=f"a valid {scheme.ecosystem} version looks like {scheme.example}",
        ) from e


def parse(ecosystem: str | Scheme, version: str) -> uv.Version:
    """``version`` as a comparable univers object of ``ecosystem``'s scheme."""
    scheme = ecosystem if isinstance(ecosystem, Scheme) else scheme_for(ecosystem)
    if not isinstance(version, str) or not version.strip():
        raise InvalidVersion(
            f"{version!r} is not a valid {scheme.ecosystem} version (empty)",
            hint=f"a valid {scheme.ecosystem} version looks like {scheme.example}",
        )
    return _parse(scheme, version)


# univers classes whose order is not the order of their ``value`` (they override the
# comparison operators with a vercmp function); every other class is attrs-ordered on
# ``value``, so comparing values is the same order without the attrs overhead (10x).
_VERCMP_CLASSES: tuple[type[uv.Version], ...] = (
    uv.GentooVersion,
    uv.ArchLinuxVersion,
    uv.LexicographicVersion,
)


class _VercmpKey:
    """A sort key delegating to a univers version's own ``<`` and ``==`` (never ``<=``)."""

    __slots__ = ("version",)

    def __init__(self, version: uv.Version) -> None:
        self.version = version

    def __lt__(self, other: _VercmpKey) -> bool:
        return bool(self.version < other.version)

    def __gt__(self, other: _VercmpKey) -> bool:
        return bool(other.version < self.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _VercmpKey) and bool(self.version == other.version)

    def __hash__(self) -> int:
        raise TypeError("vercmp keys are not hashable: equal versions may differ in text")


@lru_cache(maxsize=200_000)
def _key(scheme: Scheme, version: str) -> Any:
    parsed = parse(scheme, version)
    if issubclass(scheme.version_class, _VERCMP_CLASSES):
        return _VercmpKey(parsed)
    return parsed.value


def sort_key(ecosystem: str | Scheme, version: str) -> Any:
    """A key ordering like ``version`` in ``ecosystem``: compare keys with ``<`` and ``==``.

    Raises :class:`InvalidVersion` like :func:`parse`.
    """
    scheme = ecosystem if isinstance(ecosystem, Scheme) else scheme_for(ecosystem)
    if not isinstance(version, str) or not version.strip():
        parse(scheme, version)  # raises the explanation
    return _key(scheme, version)


def hashable_keys(scheme: Scheme) -> bool:
    """Whether equal keys of ``scheme`` hash equal (set look-ups are safe)."""
    return not issubclass(scheme.version_class, _VERCMP_CLASSES)


def order(scheme: Scheme, a: Any, b: Any) -> int:
    """-1, 0 or 1 for two :func:`sort_key` keys of ``scheme``."""
    try:
        if a < b:
            return -1
        if b < a:
            return 1
        return 0
    except Exception as e:  # a univers comparison bug must not escape as a traceback
        raise InvalidVersion(
            f"two {scheme.ecosystem} versions cannot be compared: {e}",
            hint=f"a valid {scheme.ecosystem} version looks like {scheme.example}",
        ) from e


def compare(ecosystem: str, a: str, b: str) -> int:
    """-1 if ``a`` < ``b``, 0 if equal, 1 if greater, in ``ecosystem``'s order."""
    scheme = scheme_for(ecosystem)
    return order(scheme, sort_key(scheme, a), sort_key(scheme, b))
