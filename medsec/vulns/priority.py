"""One documented formula from CVSS, KEV, EPSS, the manufacturer and the asset to a priority.

**The formula** (each factor is listed in the explanation with its contribution):

=========================  ===============================================================
factor                     contribution to the score
=========================  ===============================================================
CVSS base score            the score, 0–10 (CVSS 4.0 when a 4.0 vector is given, else the
                           highest 3.x; vectors computed with the ``cvss`` library). No
                           vector: 5.0, and the explanation says it was assumed
KEV                        +2.0 when CISA lists the id or an alias as exploited
EPSS                       +2.0 × the probability (0–1) from the EPSS file
manufacturer priority      critical +2.0, high +1.0, medium 0, low −1.0 (the factor names
                           where the manufacturer stated it: an advisory, an update
                           release)
zone exposure              internet +1.5, enterprise 0, isolated −1.0
clinical criticality       life-sustaining +1.5, high +1.0, medium 0, low −0.5
=========================  ===============================================================

Bands on the score: **critical** ≥ 9.0, **high** ≥ 7.0, **medium** ≥ 4.0, else **low**.
A vulnerability in KEV is at least **high** whatever its score. A finding that VEX or
triage says is ``not_affected`` or ``fixed`` gets **none** (the factors are still shown).

>>> p = prioritise(["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"], kev=True)
>>> p.level.value, p.score
('critical', 11.8)
>>> [f.name for f in p.factors]
['CVSS 3.1', 'KEV']
"""

from __future__ import annotations

import csv
import enum
import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cvss import CVSS3, CVSS4  # type: ignore[import-untyped]
from cvss.exceptions import CVSSError  # type: ignore[import-untyped]

from medsec.errors import Error, Location, Problem
from medsec.inventory.fields import Criticality
from medsec.vulns.errors import InvalidRecord


class Level(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"

    @property
    def rank(self) -> int:
        return {"critical": 4, "high": 3, "medium": 2, "low": 1, "none": 0}[self.value]


class Exposure(enum.StrEnum):
    """How reachable the asset's zone is."""

    INTERNET = "internet"
    ENTERPRISE = "enterprise"
    ISOLATED = "isolated"


ASSUMED_CVSS = 5.0
KEV_POINTS = 2.0
EPSS_WEIGHT = 2.0
MANUFACTURER_POINTS: Mapping[Level, float] = {
    Level.CRITICAL: 2.0,
    Level.HIGH: 1.0,
    Level.MEDIUM: 0.0,
    Level.LOW: -1.0,
}
EXPOSURE_POINTS: Mapping[Exposure, float] = {
    Exposure.INTERNET: 1.5,
    Exposure.ENTERPRISE: 0.0,
    Exposure.ISOLATED: -1.0,
}
CRITICALITY_POINTS: Mapping[Criticality, float] = {
    Criticality.LIFE_SUSTAINING: 1.5,
    Criticality.HIGH: 1.0,
    Criticality.MEDIUM: 0.0,
    Criticality.LOW: -0.5,
}
BANDS = ((9.0, Level.CRITICAL), (7.0, Level.HIGH), (4.0, Level.MEDIUM))


@dataclass(frozen=True)
class Factor:
    name: str
    value: str
    contribution: float
    #: Where the value was stated (``advisory ACME-2024-1 2 of Acme: impact threat``).
    source: str = ""

    def describe(self) -> str:
        sign = "+" if self.contribution >= 0 else "−"
        where = f" ({self.source})" if self.source else ""
        return f"{self.name} {self.value}{where}: {sign}{abs(self.contribution):g}"


@dataclass(frozen=True)
class Stated:
    """A manufacturer's priority for a vulnerability, and where it stated it."""

    level: Level
    source: str = ""


@dataclass(frozen=True)
class CvssScore:
    method: str  #: ``CVSSv31``/``CVSSv30``/``CVSSv4`` (CycloneDX rating methods)
    vector: str
    score: float
    severity: str


@dataclass(frozen=True)
class Priority:
    level: Level
    score: float
    factors: tuple[Factor, ...]
    cvss: tuple[CvssScore, ...] = ()
    #: Why the level is not the band of the score (KEV floor, VEX), if it is not.
    note: str = ""

    def explanation(self) -> str:
        parts = [f.describe() for f in self.factors]
        text = f"{self.level.value} (score {self.score:g} = " + ", ".join(parts) + ")"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class AssetContext:
    """What the hospital knows about where the component runs (all optional)."""

    exposure: Exposure | None = None
    criticality: Criticality | None = None
    #: The manufacturer's priority per vulnerability id (from an advisory or update).
    manufacturer_priority: Mapping[str, Level | Stated] | None = None


@functools.lru_cache(maxsize=65536)
def _cvss_score(vector: str) -> CvssScore | None:
    """The score of one vector, or None if the ``cvss`` library refuses it (a fleet
    shares few vectors over many findings: each is computed once)."""
    try:
        if vector.startswith("CVSS:4.0/"):
            c4 = CVSS4(vector)
            return CvssScore("CVSSv4", vector, float(c4.base_score), str(c4.severity))
        if vector.startswith("CVSS:3."):
            c3 = CVSS3(vector)
            method = "CVSSv31" if vector.startswith("CVSS:3.1/") else "CVSSv3"
            return CvssScore(method, vector, float(c3.base_score), str(c3.severities()[0]))
    except CVSSError:
        return None
    return None


def cvss_scores(vectors: Iterable[str]) -> tuple[tuple[CvssScore, ...], list[str]]:
    """Scores of the vectors the ``cvss`` library can compute, and the ones it cannot."""
    out: list[CvssScore] = []
    bad: list[str] = []
    for vector in vectors:
        score = _cvss_score(vector)
        if score is None:
            bad.append(vector)
        else:
            out.append(score)
    return tuple(out), bad


def _band(score: float) -> Level:
    for bound, level in BANDS:
        if score >= bound:
            return level
    return Level.LOW


def prioritise(
    vectors: Iterable[str] = (),
    *,
    kev: bool = False,
    epss: float | None = None,
    manufacturer: Level | Stated | None = None,
    context: AssetContext | None = None,
    suppressed: str | None = None,
) -> Priority:
    """The priority of one finding. ``suppressed`` (a reason) gives level none.

    Equal inputs give an equal (immutable) priority, computed once: a fleet repeats the
    same record on many devices of the same criticality."""
    try:
        return _prioritise_once(tuple(vectors), kev, epss, manufacturer, context, suppressed)
    except TypeError:  # an unhashable context (a manufacturer_priority dict)
        return _prioritise(
            vectors,
            kev=kev,
            epss=epss,
            manufacturer=manufacturer,
            context=context,
            suppressed=suppressed,
        )


@functools.lru_cache(maxsize=65536)
def _prioritise_once(
    vectors: tuple[str, ...],
    kev: bool,
    epss: float | None,
    manufacturer: Level | Stated | None,
    context: AssetContext | None,
    suppressed: str | None,
) -> Priority:
    return _prioritise(
        vectors,
        kev=kev,
        epss=epss,
        manufacturer=manufacturer,
        context=context,
        suppressed=suppressed,
    )


def _prioritise(
    vectors: Iterable[str] = (),
    *,
    kev: bool = False,
    epss: float | None = None,
    manufacturer: Level | Stated | None = None,
    context: AssetContext | None = None,
    suppressed: str | None = None,
) -> Priority:
    scores, bad = cvss_scores(vectors)
    factors: list[Factor] = []
    v4 = [s for s in scores if s.method == "CVSSv4"]
    chosen = max(v4 or scores, key=lambda s: s.score, default=None)
    if chosen is None:
        why = "no vector" if not bad else f"no computable vector ({bad[0]!r} refused)"
        factors.append(Factor("CVSS", f"assumed {ASSUMED_CVSS:g} ({why})", ASSUMED_CVSS))
    else:
        label = "CVSS 4.0" if chosen.method == "CVSSv4" else "CVSS " + chosen.vector[5:8]
        factors.append(Factor(label, f"{chosen.score:g} {chosen.severity}", chosen.score))
    if kev:
        factors.append(Factor("KEV", "known exploited", KEV_POINTS))
    if epss is not None:
        factors.append(Factor("EPSS", f"{epss:.3f}", round(EPSS_WEIGHT * epss, 2)))
    stated = Stated(manufacturer) if isinstance(manufacturer, Level) else manufacturer
    if stated is not None and stated.level in MANUFACTURER_POINTS:
        points = MANUFACTURER_POINTS[stated.level]
        factors.append(Factor("manufacturer priority", stated.level.value, points, stated.source))
    if context is not None and context.exposure is not None:
        factors.append(
            Factor("zone exposure", context.exposure.value, EXPOSURE_POINTS[context.exposure])
        )
    if context is not None and context.criticality is not None:
        factors.append(
            Factor(
                "clinical criticality",
                context.criticality.value,
                CRITICALITY_POINTS[context.criticality],
            )
        )
    score = round(sum(f.contribution for f in factors), 2)
    level = _band(score)
    note = ""
    if kev and level.rank < Level.HIGH.rank:
        level, note = Level.HIGH, "at least high: known exploited (KEV)"
    if suppressed:
        level, note = Level.NONE, suppressed
    return Priority(level, score, tuple(factors), scores, note)


@dataclass(frozen=True)
class EpssScores:
    """EPSS probabilities (and percentiles) by CVE id, from FIRST's CSV."""

    scores: Mapping[str, tuple[float, float]]
    model_version: str | None = None

    def probability(self, ids: Iterable[str]) -> float | None:
        """The highest probability of any of ``ids``, or None."""
        found = [self.scores[i][0] for i in ids if i in self.scores]
        return max(found) if found else None


def parse_epss(text: str, source: str) -> EpssScores:
    """``cve,epss,percentile`` rows; a leading ``#model_version:…`` comment line is read."""
    lines = text.splitlines()
    model = None
    if lines and lines[0].startswith("#"):
        for part in lines[0][1:].split(","):
            key, _, value = part.partition(":")
            if key.strip() == "model_version":
                model = value.strip()
        lines = lines[1:]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:3]] != ["cve", "epss", "percentile"]:
        raise _bad(source, 1 + (model is not None), "the header must be cve,epss,percentile")
    scores: dict[str, tuple[float, float]] = {}
    for n, row in enumerate(reader, start=2 + (model is not None)):
        if not row or not "".join(row).strip():
            continue
        try:
            cve, epss, pct = row[0].strip(), float(row[1]), float(row[2])
        except (IndexError, ValueError):
            raise _bad(source, n, f"expected CVE,probability,percentile, found {row!r}") from None
        if not (0.0 <= epss <= 1.0 and 0.0 <= pct <= 1.0):
            raise _bad(source, n, "probability and percentile are between 0 and 1")
        scores[cve] = (epss, pct)
    return EpssScores(scores, model)


def read_epss(path: Path) -> EpssScores:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise Error(f"cannot read {path}: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise _bad(str(path), 0, f"not UTF-8 text: {e}") from e
    return parse_epss(text, str(path))


def _bad(source: str, line: int, message: str) -> InvalidRecord:
    return InvalidRecord(source, [Problem(Location(source, line, 1), message)])
