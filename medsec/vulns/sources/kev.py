"""Read the CISA Known Exploited Vulnerabilities catalog (its JSON feed).

>>> import json, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "kev.json"
>>> _ = p.write_text(json.dumps({"catalogVersion": "1", "dateReleased": "2024-01-01T00:00:00Z",
...     "count": 1, "vulnerabilities": [{"cveID": "CVE-2021-44228", "vendorProject": "Apache",
...     "product": "Log4j2", "vulnerabilityName": "Log4Shell", "dateAdded": "2021-12-10",
...     "shortDescription": "RCE", "requiredAction": "Apply updates", "dueDate": "2021-12-24"}]}))
>>> read_kev(p).entry("CVE-2021-44228").product
'Log4j2'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from medsec.errors import Location, Problem
from medsec.vulns.errors import InvalidRecord, SourceUnreadable
from medsec.vulns.sources.osv import RecordProblem

__all__ = ["KevCatalog", "KevEntry", "read_kev"]


class KevEntry(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    cve_id: str = Field(alias="cveID", pattern=r"^CVE-\d{4}-\d{4,}$")
    vendor_project: str = Field(alias="vendorProject")
    product: str
    vulnerability_name: str = Field(alias="vulnerabilityName")
    date_added: date = Field(alias="dateAdded")
    short_description: str = Field(alias="shortDescription")
    required_action: str = Field(alias="requiredAction")
    due_date: date | None = Field(default=None, alias="dueDate")
    known_ransomware_campaign_use: str | None = Field(
        default=None, alias="knownRansomwareCampaignUse"
    )
    notes: str | None = None
    cwes: tuple[str, ...] = ()


class KevCatalog(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    title: str | None = None
    catalog_version: str = Field(alias="catalogVersion")
    date_released: datetime = Field(alias="dateReleased")
    count: int
    vulnerabilities: tuple[KevEntry, ...]

    @model_validator(mode="after")
    def _count(self) -> KevCatalog:
        if self.count != len(self.vulnerabilities):
            raise ValueError(
                f"count says {self.count} but the catalog lists {len(self.vulnerabilities)}"
            )
        return self

    @cached_property
    def _by_cve(self) -> dict[str, KevEntry]:
        return {e.cve_id: e for e in self.vulnerabilities}

    def entry(self, cve_id: str) -> KevEntry | None:
        return self._by_cve.get(cve_id)

    def exploited(self, ids: Iterable[str]) -> list[KevEntry]:
        """The KEV entries of any of ``ids`` (a record id and its aliases)."""
        return [e for i in ids if (e := self._by_cve.get(i)) is not None]


def read_kev(path: Path) -> KevCatalog:
    source = str(path)
    try:
        raw = json.loads(path.read_bytes())
    except OSError as e:
        raise SourceUnreadable(f"{path}: cannot be read: {e.strerror}") from e
    except ValueError as e:
        raise InvalidRecord(
            source, [RecordProblem(Location(source, 0, 0, ""), f"not valid JSON: {e}")]
        ) from e
    try:
        return KevCatalog.model_validate(raw)
    except ValidationError as e:
        problems: list[Problem] = [
            RecordProblem(
                Location(source, 0, 0, "/" + "/".join(str(p) for p in err["loc"])),
                err["msg"].removeprefix("Value error, "),
            )
            for err in e.errors()
        ]
        raise InvalidRecord(source, problems) from None
