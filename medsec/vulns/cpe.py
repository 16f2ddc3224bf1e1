"""CPE 2.3 formatted strings and NVD configuration matching (lower confidence).

Firmware and operating systems often have no ecosystem purl, only a CPE. NVD describes
affected products as *configurations*: AND/OR trees of CPE match criteria, each with
optional ``versionStart/End Including/Excluding`` bounds. Matching strings chosen by an
analyst against a CPE chosen by a manufacturer is weaker evidence than an ecosystem
match, so every CPE match is marked ``Confidence.LOW`` and explained.

Versions in CPEs belong to no ecosystem: they are ordered with Maven's ComparableVersion
rules (via univers), which order numeric parts numerically (``1.10 > 1.9``), accept any
number of parts and know the usual qualifiers (alpha < beta < rc < release). A version
that cannot be ordered is never called affected.

>>> c = parse_cpe(r"cpe:2.3:o:acme:pump\\:os:2.1:*:*:*:*:*:*:*")
>>> c.vendor, c.product, c.version
('acme', 'pump:os', '2.1')
>>> criterion_matches(CpeCriterion(criteria="cpe:2.3:o:acme:pump\\\\:os:*:*:*:*:*:*:*:*",
...     version_end_excluding="2.2"), [c]) is not None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field
from univers.versions import MavenVersion

from medsec.vulns.errors import InvalidCpe

__all__ = [
    "ANY",
    "NA",
    "Cpe",
    "CpeCriterion",
    "CpeNode",
    "NvdConfiguration",
    "configuration_matches",
    "criterion_matches",
    "parse_cpe",
]

ANY = "*"
NA = "-"
_FIELDS = (
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
)


@dataclass(frozen=True)
class Cpe:
    """A parsed CPE 2.3 name. Values are unescaped; ``*`` is ANY and ``-`` is NA.

    ``raw`` keeps each value as written (escapes included) for wildcard matching."""

    part: str
    vendor: str
    product: str
    version: str
    update: str
    edition: str
    language: str
    sw_edition: str
    target_sw: str
    target_hw: str
    other: str
    raw: tuple[str, ...]
    text: str

    def value(self, name: str) -> str:
        return str(getattr(self, name))


def _split(body: str, text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            if i + 1 >= len(body):
                raise InvalidCpe(f"{text!r}: ends with a lone backslash", hint="escape it as \\\\")
            current.append(body[i : i + 2])
            i += 2
            continue
        if ch == ":":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw)


@lru_cache(maxsize=65_536)
def parse_cpe(text: str) -> Cpe:
    """Parse a CPE 2.3 formatted string (``cpe:2.3:part:vendor:product:version:…``)."""
    hint = "a CPE 2.3 name looks like cpe:2.3:o:vendor:product:1.0:*:*:*:*:*:*:*"
    if not isinstance(text, str) or not text.startswith("cpe:2.3:"):
        raise InvalidCpe(f"{text!r} is not a CPE 2.3 formatted string", hint=hint)
    raw = _split(text[len("cpe:2.3:") :], text)
    if len(raw) != len(_FIELDS):
        raise InvalidCpe(
            f"{text!r} has {len(raw)} components after 'cpe:2.3:', expected 11", hint=hint
        )
    for name, value in zip(_FIELDS, raw, strict=True):
        if value == "":
            raise InvalidCpe(f"{text!r}: {name} is empty (use * for ANY, - for NA)", hint=hint)
        if any(c.isspace() for c in value):
            raise InvalidCpe(f"{text!r}: {name} contains whitespace", hint=hint)
    if raw[0] not in ("a", "o", "h", ANY):
        raise InvalidCpe(f"{text!r}: part must be a, o, h or *, found {raw[0]!r}", hint=hint)
    values = [v if v in (ANY, NA) else _unescape(v) for v in raw]
    fields = dict(zip(_FIELDS, values, strict=True))
    return Cpe(**fields, raw=tuple(raw), text=text)


def _wildcard(raw: str) -> re.Pattern[str]:
    """A regex for a criteria value: unescaped ``*`` is any run, ``?`` one character."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(re.escape(raw[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _attribute_matches(source_raw: str, target: Cpe, name: str, index: int) -> bool:
    if source_raw == ANY:
        return True
    target_raw = target.raw[index]
    if source_raw == NA:
        return target_raw == NA
    if target_raw in (ANY, NA):
        return False
    return _wildcard(source_raw).fullmatch(target.value(name)) is not None


def _version_key(version: str) -> MavenVersion | None:
    try:
        return MavenVersion(version)
    except Exception:  # univers raises several types for a bad version
        return None


class CpeCriterion(BaseModel):
    """One NVD ``cpeMatch`` entry."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    criteria: str
    vulnerable: bool = True
    match_criteria_id: str | None = Field(default=None, alias="matchCriteriaId")
    version_start_including: str | None = Field(default=None, alias="versionStartIncluding")
    version_start_excluding: str | None = Field(default=None, alias="versionStartExcluding")
    version_end_including: str | None = Field(default=None, alias="versionEndIncluding")
    version_end_excluding: str | None = Field(default=None, alias="versionEndExcluding")

    def bounds(self) -> str:
        parts = []
        if self.version_start_including:
            parts.append(f">= {self.version_start_including}")
        if self.version_start_excluding:
            parts.append(f"> {self.version_start_excluding}")
        if self.version_end_including:
            parts.append(f"<= {self.version_end_including}")
        if self.version_end_excluding:
            parts.append(f"< {self.version_end_excluding}")
        return ", ".join(parts)

    def has_bounds(self) -> bool:
        return bool(self.bounds())


class CpeNode(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    operator: str = "OR"
    negate: bool = False
    cpe_match: tuple[CpeCriterion, ...] = Field(default=(), alias="cpeMatch")


class NvdConfiguration(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    operator: str | None = None
    negate: bool = False
    nodes: tuple[CpeNode, ...] = ()


def _in_bounds(criterion: CpeCriterion, version: str) -> bool:
    v = _version_key(version)
    if v is None:
        return False
    checks = (
        (criterion.version_start_including, lambda b: not v < b),
        (criterion.version_start_excluding, lambda b: b < v),
        (criterion.version_end_including, lambda b: not b < v),
        (criterion.version_end_excluding, lambda b: v < b),
    )
    for bound, ok in checks:
        if bound is None:
            continue
        b = _version_key(bound)
        if b is None or not ok(b):
            return False
    return True


def criterion_matches(criterion: CpeCriterion, cpes: Sequence[Cpe]) -> Cpe | None:
    """The first of ``cpes`` that ``criterion`` matches, or None.

    A CPE whose version is ANY or NA never matches a criterion that constrains the
    version: its version is unknown, and unknown is not affected.
    """
    source = parse_cpe(criterion.criteria)
    for target in cpes:
        if not all(
            _attribute_matches(source.raw[i], target, name, i)
            for i, name in enumerate(_FIELDS)
            if name != "version"
        ):
            continue
        version_raw = source.raw[3]
        if version_raw != ANY:
            if not _attribute_matches(version_raw, target, "version", 3):
                s, t = _version_key(source.version), _version_key(target.version)
                if s is None or t is None or target.raw[3] in (ANY, NA) or s != t:
                    continue
        if criterion.has_bounds():
            if target.raw[3] in (ANY, NA) or not _in_bounds(criterion, target.version):
                continue
        return target
    return None


def _node(node: CpeNode, cpes: Sequence[Cpe]) -> tuple[bool, list[tuple[CpeCriterion, Cpe]]]:
    hits = [(c, t) for c in node.cpe_match if (t := criterion_matches(c, cpes)) is not None]
    if node.operator.upper() == "AND":
        result = len(hits) == len(node.cpe_match) and bool(node.cpe_match)
    else:
        result = bool(hits)
    return (not result if node.negate else result), hits


def configuration_matches(
    configuration: NvdConfiguration, cpes: Sequence[Cpe]
) -> list[tuple[CpeCriterion, Cpe]] | None:
    """The vulnerable criteria (with the CPE each matched) if ``configuration`` holds for
    the set ``cpes`` (a component and, for AND configurations, its platform), else None."""
    results = [_node(n, cpes) for n in configuration.nodes]
    if not results:
        return None
    if (configuration.operator or "OR").upper() == "AND":
        holds = all(r for r, _ in results)
    else:
        holds = any(r for r, _ in results)
    if configuration.negate:
        holds = not holds
    if not holds:
        return None
    vulnerable = [(c, t) for ok, hits in results if ok for c, t in hits if c.vulnerable]
    return vulnerable or None
