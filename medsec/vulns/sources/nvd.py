"""Read NVD CVE JSON 2.0 (an API response or a feed file) with CPE configurations.

Only what matching needs is kept: the CVE id, its dates and status, and the
configurations. ``vulnStatus: Rejected`` makes a CVE withdrawn (it never matches).

>>> import json, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "nvd.json"
>>> _ = p.write_text(json.dumps({"vulnerabilities": [{"cve": {"id": "CVE-2024-0001",
...     "lastModified": "2024-01-02T00:00:00.000", "configurations": [{"nodes": [
...     {"operator": "OR", "cpeMatch": [{"vulnerable": True,
...      "criteria": "cpe:2.3:o:acme:fw:*:*:*:*:*:*:*:*", "versionEndExcluding": "2.0"}]}]}]}}]}))
>>> [c.id for c in read_nvd(p)]
['CVE-2024-0001']
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medsec.errors import Location, Problem
from medsec.vulns.cpe import Cpe, CpeCriterion, NvdConfiguration, configuration_matches, parse_cpe
from medsec.vulns.errors import InvalidCpe, InvalidRecord, SourceUnreadable
from medsec.vulns.sources.osv import RecordProblem

__all__ = ["NvdCve", "NvdSource", "read_nvd"]


class NvdCve(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    id: str = Field(pattern=r"^CVE-\d{4}-\d{4,}$")
    published: datetime | None = None
    last_modified: datetime | None = Field(default=None, alias="lastModified")
    status: str | None = Field(default=None, alias="vulnStatus")
    configurations: tuple[NvdConfiguration, ...] = ()

    @property
    def is_withdrawn(self) -> bool:
        return (self.status or "").lower() == "rejected"

    def matches(self, cpes: Sequence[Cpe]) -> list[tuple[CpeCriterion, Cpe]]:
        """The vulnerable criteria matched by ``cpes`` over all configurations."""
        if self.is_withdrawn:
            return []
        out: list[tuple[CpeCriterion, Cpe]] = []
        for configuration in self.configurations:
            out.extend(configuration_matches(configuration, cpes) or [])
        return out


def _problem(source: str, pointer: str, message: str) -> Problem:
    return RecordProblem(Location(source, 0, 0, pointer), message)


def read_nvd(path: Path) -> Iterator[NvdCve]:
    """Every CVE of an NVD CVE JSON 2.0 file (``{"vulnerabilities": [{"cve": …}]}``)."""
    source = str(path)
    try:
        raw = json.loads(path.read_bytes())
    except OSError as e:
        raise SourceUnreadable(f"{path}: cannot be read: {e.strerror}") from e
    except ValueError as e:
        raise InvalidRecord(source, [_problem(source, "", f"not valid JSON: {e}")]) from e
    items = raw.get("vulnerabilities") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise InvalidRecord(
            source,
            [_problem(source, "/vulnerabilities", "an NVD CVE JSON 2.0 file has a list here")],
        )
    cves: list[NvdCve] = []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        try:
            cve = NvdCve.model_validate(item.get("cve") if isinstance(item, dict) else item)
            for j, c in enumerate(cve.configurations):
                for k, n in enumerate(c.nodes):
                    for m, crit in enumerate(n.cpe_match):
                        try:
                            parse_cpe(crit.criteria)
                        except InvalidCpe as e:
                            problems.append(
                                _problem(
                                    source,
                                    f"/vulnerabilities/{i}/cve/configurations/{j}/nodes/{k}"
                                    f"/cpeMatch/{m}/criteria",
                                    e.message,
                                )
                            )
            cves.append(cve)
        except ValidationError as e:
            problems.extend(
                _problem(
                    source,
                    f"/vulnerabilities/{i}/cve/" + "/".join(str(p) for p in err["loc"]),
                    err["msg"],
                )
                for err in e.errors()
            )
    if problems:
        raise InvalidRecord(source, problems)
    yield from cves


class NvdSource:
    """The NVD adapter of the vulnerability-source port."""

    name = "nvd"

    def records(self, path: Path) -> Iterator[NvdCve]:
        return read_nvd(path)
