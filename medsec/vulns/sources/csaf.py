"""Adapter: CSAF 2.0 advisories (``csaf_security_advisory``, ``csaf_vex``, any CSAF 2.0
document with ``vulnerabilities``) → vulnerability-store records.

What is read
    The **product tree**: every ``product_id`` of ``branches`` (any depth),
    ``full_product_names`` and ``relationships``, with its full name, the ``vendor``,
    ``product_name``, ``product_version`` or ``product_version_range`` branches above it,
    and its ``product_identification_helper`` (``purl``, ``cpe``). ``product_groups`` are
    expanded. Per **vulnerability**: the CVE (or the first ``ids`` entry) as identifier,
    the others as aliases, the title, the CWE, every CVSS v3/v4 score with its products,
    the ``product_status`` of each product (``known_affected``, ``first_affected``,
    ``last_affected`` read as *affected*; ``fixed``, ``first_fixed``; ``known_not_affected``;
    ``under_investigation``; ``recommended``) and the ``remediations`` (category, details,
    URL, products).

One advisory is one record
    Its identity is the publisher namespace plus ``tracking.id`` (CSAF 2.0 §3.2.1.12: the
    id is unique per publisher), its ``modified`` is ``tracking.current_release_date``.

Matching
    :meth:`CsafProduct.matches_identity` compares a device's vendor, model and firmware with
    the product's vendor/product name/version (case and spacing ignored; a
    ``product_version_range`` given as ``vers:`` is evaluated with univers). This is a
    **name** match: lower confidence than a purl or CPE match, because two vendors may use one
    model name and names are written differently. A purl or CPE of the product compared
    with the identifiers of the device's profile is an **identifier** match.

>>> import json
>>> doc = {"document": {"category": "csaf_security_advisory", "csaf_version": "2.0",
...     "publisher": {"category": "vendor", "name": "Acme", "namespace": "https://acme.example"},
...     "title": "t", "tracking": {"id": "ACME-1", "current_release_date": "2024-02-01T00:00:00Z",
...     "initial_release_date": "2024-01-01T00:00:00Z", "revision_history": [],
...     "status": "final", "version": "2"}},
...   "product_tree": {"branches": [{"category": "vendor", "name": "Acme", "branches": [
...     {"category": "product_name", "name": "Pump", "branches": [{"category": "product_version",
...      "name": "2.0", "product": {"name": "Acme Pump 2.0", "product_id": "P"}}]}]}]},
...   "vulnerabilities": [{"cve": "CVE-2024-1", "product_status": {"known_affected": ["P"]}}]}
>>> a = parse_advisory(doc, "a.json")
>>> a.record_id, a.vulnerabilities[0].affected_products()
('https://acme.example#ACME-1', ('P',))
>>> a.product("P").matches_identity("ACME", " pump", "2.0")
True
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from univers.version_range import VersionRange

from medsec.advisories.document import parse_csaf_text, read_csaf
from medsec.errors import DocumentError, Error, Location, Problem
from medsec.vulns.errors import InvalidRecord, SourceUnreadable
from medsec.vulns.sources.osv import RecordProblem

__all__ = [
    "CsafAdvisory",
    "CsafProduct",
    "CsafVulnerability",
    "ProductStatus",
    "advisory_files",
    "parse_advisory",
    "read_advisories",
]

#: A record id is ``namespace#tracking-id``; the store's column is 200 characters.
MAX_RECORD_ID: Final = 200


class ProductStatus(enum.StrEnum):
    """The CSAF ``product_status`` groups, reduced to what a hospital acts on."""

    AFFECTED = "affected"
    FIXED = "fixed"
    NOT_AFFECTED = "not_affected"
    UNDER_INVESTIGATION = "under_investigation"
    RECOMMENDED = "recommended"

    @property
    def concerns_the_device(self) -> bool:
        """Whether a device running the product should be reported (affected, or the
        manufacturer is still investigating)."""
        return self in (ProductStatus.AFFECTED, ProductStatus.UNDER_INVESTIGATION)


#: CSAF 2.0 §3.2.3.9 ``product_status`` members → status.
STATUS_GROUPS: Final[Mapping[str, ProductStatus]] = {
    "known_affected": ProductStatus.AFFECTED,
    "first_affected": ProductStatus.AFFECTED,
    "last_affected": ProductStatus.AFFECTED,
    "fixed": ProductStatus.FIXED,
    "first_fixed": ProductStatus.FIXED,
    "known_not_affected": ProductStatus.NOT_AFFECTED,
    "under_investigation": ProductStatus.UNDER_INVESTIGATION,
    "recommended": ProductStatus.RECOMMENDED,
}


def _key(value: str | None) -> str:
    return " ".join((value or "").casefold().split())


@dataclass(frozen=True)
class CsafProduct:
    """One ``product_id`` of the product tree and what identifies it."""

    product_id: str
    name: str
    vendor: str | None = None
    product_name: str | None = None
    #: The ``product_version`` branch (one version).
    version: str | None = None
    #: The ``product_version_range`` branch (``vers:…`` or free text).
    version_range: str | None = None
    purl: str | None = None
    cpe: str | None = None

    def version_matches(self, firmware: str | None) -> bool:
        if not firmware:
            return False
        if self.version is not None:
            return _key(self.version) == _key(firmware)
        if self.version_range is not None and self.version_range.startswith("vers:"):
            try:
                vers = VersionRange.from_string(self.version_range)  # type: ignore[no-untyped-call]
                return bool(vers.version_class(firmware.strip()) in vers)
            except Exception:  # an unknown scheme or a version it cannot read: no match
                return False
        return False

    def matches_identity(self, vendor: str, model: str, firmware: str | None) -> bool:
        """Whether a device with this vendor/model/firmware runs this product (name match)."""
        if self.vendor is None or self.product_name is None:
            return False
        return (
            _key(self.vendor) == _key(vendor)
            and _key(self.product_name) == _key(model)
            and self.version_matches(firmware)
        )

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Cvss:
    version: str
    vector: str
    base_score: float
    products: tuple[str, ...]


@dataclass(frozen=True)
class Remediation:
    category: str
    details: str
    products: tuple[str, ...]
    url: str | None = None


@dataclass(frozen=True)
class CsafVulnerability:
    #: The CVE, else the first ``ids[].text``, else ``<tracking id>#<index>``.
    id: str
    aliases: tuple[str, ...]
    title: str | None
    cwe: str | None
    statuses: Mapping[str, ProductStatus]
    cvss: tuple[Cvss, ...] = ()
    remediations: tuple[Remediation, ...] = ()

    def affected_products(self) -> tuple[str, ...]:
        return tuple(p for p, s in self.statuses.items() if s is ProductStatus.AFFECTED)

    def base_score(self, product_id: str) -> float | None:
        scores = [c.base_score for c in self.cvss if not c.products or product_id in c.products]
        return max(scores) if scores else None

    def remediations_for(self, product_id: str) -> tuple[Remediation, ...]:
        return tuple(r for r in self.remediations if product_id in r.products)


@dataclass(frozen=True)
class CsafAdvisory:
    """One CSAF document as the vulnerability store keeps it."""

    source: str
    tracking_id: str
    namespace: str
    publisher: str
    title: str
    version: str
    status: str
    modified: dt.datetime
    published: dt.datetime | None
    products: Mapping[str, CsafProduct]
    vulnerabilities: tuple[CsafVulnerability, ...]
    document: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def record_id(self) -> str:
        return f"{self.namespace}#{self.tracking_id}"

    def product(self, product_id: str) -> CsafProduct:
        return self.products[product_id]

    @property
    def cves(self) -> tuple[str, ...]:
        ids = [v.id for v in self.vulnerabilities] + [
            a for v in self.vulnerabilities for a in v.aliases
        ]
        return tuple(dict.fromkeys(i for i in ids if i.upper().startswith("CVE-")))


# --- reading -----------------------------------------------------------------------------


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, pointer: str, message: str) -> InvalidRecord:
        return InvalidRecord(
            self.source, [RecordProblem(Location(self.source, 0, 0, pointer), message)]
        )

    def obj(self, value: Any, pointer: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(pointer, f"expected a JSON object, found {type(value).__name__}")
        return value

    def text(self, value: Any, pointer: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(pointer, "expected a non-empty string")
        return value

    def array(self, value: Any, pointer: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(pointer, f"expected a JSON array, found {type(value).__name__}")
        return value

    def time(self, value: Any, pointer: str) -> dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(self.text(value, pointer))
        except ValueError as e:
            raise self.fail(pointer, f"not an RFC 3339 date-time: {value!r}") from e
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    # -- product tree ---------------------------------------------------------------------
    def product(self, value: Any, pointer: str, above: Mapping[str, str]) -> CsafProduct:
        product = self.obj(value, pointer)
        helper = product.get("product_identification_helper")
        helper = helper if isinstance(helper, dict) else {}
        return CsafProduct(
            product_id=self.text(product.get("product_id"), f"{pointer}/product_id"),
            name=self.text(product.get("name"), f"{pointer}/name"),
            vendor=above.get("vendor"),
            product_name=above.get("product_name"),
            version=above.get("product_version"),
            version_range=above.get("product_version_range"),
            purl=helper.get("purl") if isinstance(helper.get("purl"), str) else None,
            cpe=helper.get("cpe") if isinstance(helper.get("cpe"), str) else None,
        )

    def branches(
        self, value: Any, pointer: str, above: Mapping[str, str], out: dict[str, CsafProduct]
    ) -> None:
        for i, raw in enumerate(self.array(value, pointer)):
            at = f"{pointer}/{i}"
            branch = self.obj(raw, at)
            category = self.text(branch.get("category"), f"{at}/category")
            here = {**above, category: self.text(branch.get("name"), f"{at}/name")}
            if "product" in branch:
                product = self.product(branch["product"], f"{at}/product", here)
                out[product.product_id] = product
            self.branches(branch.get("branches"), f"{at}/branches", here, out)

    def tree(self, value: Any) -> tuple[dict[str, CsafProduct], dict[str, list[str]]]:
        tree = self.obj(value, "/product_tree") if value is not None else {}
        products: dict[str, CsafProduct] = {}
        self.branches(tree.get("branches"), "/product_tree/branches", {}, products)
        for i, raw in enumerate(
            self.array(tree.get("full_product_names"), "/product_tree/full_product_names")
        ):
            p = self.product(raw, f"/product_tree/full_product_names/{i}", {})
            products[p.product_id] = p
        for i, raw in enumerate(
            self.array(tree.get("relationships"), "/product_tree/relationships")
        ):
            at = f"/product_tree/relationships/{i}"
            rel = self.obj(raw, at)
            parent = products.get(str(rel.get("relates_to_product_reference")))
            above = {}
            if parent is not None:  # a component of a device is matched as the device
                for key, attr in (
                    ("vendor", "vendor"),
                    ("product_name", "product_name"),
                    ("product_version", "version"),
                    ("product_version_range", "version_range"),
                ):
                    if getattr(parent, attr) is not None:
                        above[key] = getattr(parent, attr)
            p = self.product(rel.get("full_product_name"), f"{at}/full_product_name", above)
            products[p.product_id] = p
        groups: dict[str, list[str]] = {}
        for i, raw in enumerate(
            self.array(tree.get("product_groups"), "/product_tree/product_groups")
        ):
            at = f"/product_tree/product_groups/{i}"
            group = self.obj(raw, at)
            members = self.array(group.get("product_ids"), f"{at}/product_ids")
            groups[self.text(group.get("group_id"), f"{at}/group_id")] = [str(m) for m in members]
        return products, groups

    # -- vulnerabilities ------------------------------------------------------------------
    def ids(
        self, entry: dict[str, Any], at: str, products: Mapping[str, CsafProduct],
        groups: Mapping[str, list[str]],
    ) -> tuple[str, ...]:  # fmt: skip
        found: list[str] = []
        for k, pid in enumerate(self.array(entry.get("product_ids"), f"{at}/product_ids")):
            if str(pid) not in products:
                raise self.fail(
                    f"{at}/product_ids/{k}",
                    f"product id {pid!r} is not defined in the product_tree",
                )
            found.append(str(pid))
        for k, gid in enumerate(self.array(entry.get("group_ids"), f"{at}/group_ids")):
            if str(gid) not in groups:
                raise self.fail(
                    f"{at}/group_ids/{k}", f"group id {gid!r} is not defined in the product_tree"
                )
            found += groups[str(gid)]
        return tuple(dict.fromkeys(found))

    def vulnerability(
        self, raw: Any, at: str, tracking_id: str, index: int,
        products: Mapping[str, CsafProduct], groups: Mapping[str, list[str]],
    ) -> CsafVulnerability:  # fmt: skip
        v = self.obj(raw, at)
        names = [v["cve"]] if isinstance(v.get("cve"), str) else []
        for k, x in enumerate(self.array(v.get("ids"), f"{at}/ids")):
            names.append(self.text(self.obj(x, f"{at}/ids/{k}").get("text"), f"{at}/ids/{k}/text"))
        names = list(dict.fromkeys(names)) or [f"{tracking_id}#{index}"]
        statuses: dict[str, ProductStatus] = {}
        status_map = v.get("product_status")
        status_map = self.obj(status_map, f"{at}/product_status") if status_map is not None else {}
        for group, status in STATUS_GROUPS.items():
            pointer = f"{at}/product_status/{group}"
            for k, pid in enumerate(self.array(status_map.get(group), pointer)):
                if str(pid) not in products:
                    raise self.fail(
                        f"{pointer}/{k}", f"product id {pid!r} is not defined in the product_tree"
                    )
                statuses.setdefault(str(pid), status)
        cvss: list[Cvss] = []
        for k, score in enumerate(self.array(v.get("scores"), f"{at}/scores")):
            score = self.obj(score, f"{at}/scores/{k}")
            pids = self.ids(
                {"product_ids": score.get("products")}, f"{at}/scores/{k}", products, groups
            )
            for key in ("cvss_v4", "cvss_v3"):
                metric = score.get(key)
                if isinstance(metric, dict) and isinstance(metric.get("baseScore"), int | float):
                    cvss.append(
                        Cvss(
                            str(metric.get("version", key[-1])),
                            str(metric.get("vectorString", "")),
                            float(metric["baseScore"]),
                            pids,
                        )
                    )
        remediations: list[Remediation] = []
        for k, rem in enumerate(self.array(v.get("remediations"), f"{at}/remediations")):
            rat = f"{at}/remediations/{k}"
            rem = self.obj(rem, rat)
            remediations.append(
                Remediation(
                    category=self.text(rem.get("category"), f"{rat}/category"),
                    details=self.text(rem.get("details"), f"{rat}/details"),
                    products=self.ids(rem, rat, products, groups),
                    url=rem.get("url") if isinstance(rem.get("url"), str) else None,
                )
            )
        cwe = v.get("cwe")
        return CsafVulnerability(
            id=names[0],
            aliases=tuple(names[1:]),
            title=v.get("title") if isinstance(v.get("title"), str) else None,
            cwe=str(cwe.get("id")) if isinstance(cwe, dict) and cwe.get("id") else None,
            statuses=statuses,
            cvss=tuple(cvss),
            remediations=tuple(remediations),
        )


def parse_advisory(document: Mapping[str, Any], source: str) -> CsafAdvisory:
    """The advisory of a parsed CSAF 2.0 document; :class:`InvalidRecord` (with the JSON
    pointer) when something the store needs is missing or inconsistent."""
    r = _Reader(source)
    doc = r.obj(document, "")
    meta = r.obj(doc.get("document"), "/document")
    tracking = r.obj(meta.get("tracking"), "/document/tracking")
    publisher = r.obj(meta.get("publisher"), "/document/publisher")
    tracking_id = r.text(tracking.get("id"), "/document/tracking/id")
    namespace = r.text(publisher.get("namespace"), "/document/publisher/namespace")
    if len(f"{namespace}#{tracking_id}") > MAX_RECORD_ID:
        raise r.fail(
            "/document/tracking/id",
            f"publisher namespace and tracking id are longer than {MAX_RECORD_ID} characters",
        )
    products, groups = r.tree(doc.get("product_tree"))
    vulnerabilities = tuple(
        r.vulnerability(v, f"/vulnerabilities/{i}", tracking_id, i, products, groups)
        for i, v in enumerate(r.array(doc.get("vulnerabilities"), "/vulnerabilities"))
    )
    initial = tracking.get("initial_release_date")
    return CsafAdvisory(
        source=source,
        tracking_id=tracking_id,
        namespace=namespace,
        publisher=r.text(publisher.get("name"), "/document/publisher/name"),
        title=r.text(meta.get("title"), "/document/title"),
        version=r.text(tracking.get("version"), "/document/tracking/version"),
        status=r.text(tracking.get("status"), "/document/tracking/status"),
        modified=r.time(
            tracking.get("current_release_date"), "/document/tracking/current_release_date"
        ),
        published=r.time(initial, "/document/tracking/initial_release_date") if initial else None,
        products=products,
        vulnerabilities=vulnerabilities,
        document=doc,
    )


def parse_advisory_bytes(data: bytes, source: str) -> CsafAdvisory:
    """Parse the bytes of a CSAF file (UTF-8 JSON) into an advisory."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DocumentError(source, [Problem(Location(source, 0, 0), "not UTF-8 text")]) from e
    return parse_advisory(parse_csaf_text(text.removeprefix("\ufeff"), source), source)


def advisory_files(path: Path) -> list[Path]:
    """The ``*.json`` files of a folder (recursively, sorted), or the one file given."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*.json") if p.is_file())
    raise SourceUnreadable(
        f"{path}: no such file or directory", hint="give a CSAF .json file or a folder of them"
    )


def read_advisories(
    path: Path, *, progress: Callable[[int], None] | None = None
) -> Iterator[CsafAdvisory]:
    """Every advisory of a file or folder; the first bad one raises (nothing is half-read
    when the caller collects the whole list before writing)."""
    for file in advisory_files(path):
        try:
            document = read_csaf(file)
        except DocumentError:
            raise
        except Error as e:
            raise InvalidRecord(
                str(file), [RecordProblem(Location(str(file), 0, 0, ""), e.message)]
            ) from e
        yield parse_advisory(document, str(file))
        if progress:
            progress(1)
