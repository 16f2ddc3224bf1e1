"""Check a provider directory offline against CSAF 2.0 §7.1, as gocsaf's ``csaf_checker`` does
against a live server.

Every requirement 1–23 gets a :class:`RequirementResult`: ``pass``, ``fail``, ``not checked``
(it needs the network: TLS, redirects, DNS, server directory listings) or ``not applicable``
(optional ROLIE documents not used; 21–23 concern aggregators). CSAF 2.0 has 23 requirements;
24 (HTTP User-Agent) and 25 come from the CSAF 2.1 draft. The role the directory fulfils is
computed from the results by §7.2 (publisher: 1–4; provider: + 5–7, one of 8–10, and 11–14 or
15–17; trusted provider: + 18–20), counting ``not checked`` as not disproved.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pysequoia
from pydantic import ValidationError

from medsec.advisories.explain import explain
from medsec.advisories.interfaces import CsafValidator, Preset
from medsec.advisories.provider.layout import (
    METADATA,
    WELL_KNOWN,
    Tlp,
    Tree,
    base_url_of,
    csaf_file_name,
    parse_timestamp,
)
from medsec.advisories.provider.metadata import ProviderMetadata
from medsec.advisories.provider.report import (
    NOTES,
    TITLES,
    CheckReport,
    RequirementResult,
    Status,
    role_met,
)
from medsec.advisories.signing.interfaces import SignatureError
from medsec.advisories.signing.openpgp import load_certificate, verify_detached
from medsec.documents.securitytxt import parse_security_txt
from medsec.errors import Error

_QUOTED_ROW: Final = re.compile(r'^"[^"]*","[^"]*"$')
_HEX: Final = re.compile(r"^[0-9a-fA-F]+")


@dataclass
class _Doc:
    path: Path
    document: dict[str, Any] | None
    listed_in: set[str] = field(default_factory=set)


class _Checker:
    def __init__(self, root: Path, validator: CsafValidator, security_txt: Path | None) -> None:
        self.tree = Tree(root)
        self.root = root
        self.validator = validator
        self.security_txt = security_txt
        self.problems: dict[int, list[str]] = {n: [] for n in TITLES}
        self.status: dict[int, Status] = {}
        self.docs: dict[Path, _Doc] = {}

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def fail(self, number: int, message: str) -> None:
        self.problems[number].append(message)

    def text(self, number: int, path: Path) -> str:
        try:
            return path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail(number, f"{self.rel(path)} is not UTF-8 text (byte {e.start})")
            return ""

    # -- provider-metadata.json ------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        path = self.tree.public / METADATA
        if not path.is_file():
            raise Error(
                f"{self.root}: no {METADATA} (looked in {self.rel(path)})",
                hint="give the folder `medsec csaf provider build` wrote, or a provider web root",
            )
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise Error(f"{self.rel(path)}: not JSON ({e})") from e
        if not isinstance(raw, dict):
            raise Error(f"{self.rel(path)}: not a JSON object")
        try:
            ProviderMetadata.model_validate(raw)
        except ValidationError as e:
            for err in e.errors():
                where = "/" + "/".join(str(p) for p in err["loc"])
                self.fail(7, f"{METADATA} {where}: {err['msg']}")
        metadata: dict[str, Any] = raw
        return metadata

    # -- documents ------------------------------------------------------------------------
    def doc_at(self, path: Path) -> _Doc:
        if path not in self.docs:
            document = None
            # Names from index.txt/changes.csv/feeds never lead outside the directory.
            if path.resolve().is_relative_to(self.root.resolve()) and path.is_file():
                try:
                    value = json.loads(path.read_text(encoding="utf-8"))
                    document = value if isinstance(value, dict) else None
                except (ValueError, UnicodeDecodeError):
                    document = None
            self.docs[path] = _Doc(path, document)
        return self.docs[path]

    def scan(self) -> None:
        """Every CSAF document on disk, listed or not."""
        roots = {self.tree.public, self.tree.restricted}
        for top in roots:
            for path in sorted(top.rglob("*.json")):
                try:
                    value = json.loads(path.read_text(encoding="utf-8"))
                except (ValueError, UnicodeDecodeError):
                    continue
                if isinstance(value, dict) and isinstance(value.get("document"), dict):
                    self.doc_at(path)

    def directory(self, url: str, base: str) -> None:
        folder = self.tree.path_of(url.rstrip("/") + "/", base)
        if folder is None or not folder.is_dir():
            self.fail(12, f"directory_url {url} is not a folder of this provider")
            return
        index = folder / "index.txt"
        listed: list[str] = []
        if not index.is_file():
            self.fail(12, f"{self.rel(index)} is missing")
        else:
            listed = [line for line in self.text(12, index).splitlines() if line]
            for name in listed:
                doc = self.doc_at(folder / name)
                doc.listed_in.add("index")
                if doc.document is None:
                    self.fail(
                        12, f"{self.rel(index)} lists {name}, which is not a CSAF document here"
                    )
        for path, doc in self.docs.items():
            if path.is_relative_to(folder) and doc.document is not None:
                if str(path.relative_to(folder)) not in listed:
                    self.fail(12, f"{self.rel(path)} is in {self.rel(folder)} but not in index.txt")
        self.changes(folder, set(listed))

    def changes(self, folder: Path, listed: set[str]) -> None:
        path = folder / "changes.csv"
        if not path.is_file():
            self.fail(13, f"{self.rel(path)} is missing")
            return
        text = self.text(13, path)
        rows: list[tuple[str, str]] = []
        for number, line in enumerate(text.splitlines(), 1):
            if not _QUOTED_ROW.match(line):
                self.fail(13, f'{self.rel(path)}:{number}: not two quoted fields ("file","date")')
        try:
            rows = [(r[0], r[1]) for r in csv.reader(io.StringIO(text), strict=True) if len(r) == 2]
        except csv.Error as e:
            self.fail(13, f"{self.rel(path)} is not RFC 4180 CSV ({e})")
        dates = []
        for name, value in rows:
            doc = self.doc_at(folder / name)
            if doc.document is None:
                self.fail(13, f"{self.rel(path)} names {name}, which is not a CSAF document here")
                continue
            actual = _tracking(doc.document).get("current_release_date")
            try:
                moment = parse_timestamp(value)
            except ValueError:
                self.fail(13, f"{self.rel(path)}: {value!r} for {name} is not an RFC 3339 time")
                continue
            if not isinstance(actual, str) or parse_timestamp(actual) != moment:
                self.fail(13, f"{self.rel(path)}: {name} has {value}, the document says {actual}")
            dates.append(moment)
        if dates != sorted(dates, reverse=True):
            self.fail(13, f"{self.rel(path)} is not sorted newest current_release_date first")
        missing = listed - {name for name, _ in rows}
        for name in sorted(missing):
            self.fail(13, f"{self.rel(path)} does not list {name} (index.txt does)")

    def feed(self, feed: dict[str, Any], base: str) -> None:
        url = str(feed.get("url", ""))
        label = str(feed.get("tlp_label", ""))
        path = self.tree.path_of(url, base)
        if path is None or not path.is_file():
            self.fail(15, f"feed {url} is not a file of this provider")
            return
        if label in ("AMBER", "RED") and self.tree.is_public(path) and self.tree.split:
            self.fail(5, f"the TLP:{label} feed {self.rel(path)} is in the public tree")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data["feed"]["entry"]
            if not isinstance(entries, list):
                raise TypeError("entry is not a list")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
            self.fail(15, f"{self.rel(path)} is not a ROLIE feed in JSON ({e})")
            return
        feed_links = data["feed"].get("link")
        selves = [
            link.get("href")
            for link in (feed_links if isinstance(feed_links, list) else [])
            if isinstance(link, dict) and link.get("rel") == "self"
        ]
        if selves != [url]:
            self.fail(15, f"{self.rel(path)}: its self link {selves} is not its URL {url}")
        for number, entry in enumerate(entries):
            self.entry(path, number, entry, label, base)

    def entry(self, feed: Path, number: int, entry: Any, label: str, base: str) -> None:
        where = f"{self.rel(feed)} entry {number}"
        links = entry.get("link") if isinstance(entry, dict) else None
        if not isinstance(links, list):
            self.fail(15, f"{where} has no links")
            return
        by_rel: dict[str, list[str]] = {}
        for link in links:
            if isinstance(link, dict):
                by_rel.setdefault(str(link.get("rel")), []).append(str(link.get("href")))
        selves = by_rel.get("self", [])
        if len(selves) != 1:
            self.fail(15, f"{where} needs exactly one link with rel 'self'")
            return
        doc_path = self.tree.path_of(selves[0], base)
        doc = self.doc_at(doc_path) if doc_path else None
        if doc is None or doc.document is None:
            self.fail(15, f"{where}: {selves[0]} is not a CSAF document of this provider")
            return
        doc.listed_in.add("rolie")
        content = entry.get("content") if isinstance(entry, dict) else None
        src = content.get("src") if isinstance(content, dict) else None
        if src != selves[0]:
            self.fail(15, f"{where}: content.src {src} is not the self link {selves[0]}")
        if label and Tlp.of(doc.document).value != label:
            self.fail(
                15,
                f"{where}: {self.rel(doc.path)} is TLP:{Tlp.of(doc.document).value} "
                f"in the TLP:{label} feed",
            )
        for suffix, rel in (("sha256", "hash"), ("sha512", "hash"), ("asc", "signature")):
            if doc.path.with_name(f"{doc.path.name}.{suffix}").is_file():
                if f"{selves[0]}.{suffix}" not in by_rel.get(rel, []):
                    self.fail(15, f"{where}: the {suffix} file exists but is not linked as {rel!r}")

    # -- per-document checks ------------------------------------------------------------------
    def documents(self, keys: list[pysequoia.Cert]) -> None:
        for path, doc in sorted(self.docs.items()):
            if doc.document is None:
                continue
            name = self.rel(path)
            data = path.read_bytes()
            tlp = Tlp.of(doc.document)
            public = self.tree.is_public(path)
            if tlp.is_public and not public:
                self.fail(4, f"{name} is TLP:{tlp.value} but only in the restricted tree")
            if not tlp.is_public and public:
                self.fail(5, f"{name} is TLP:{tlp.value} and in the public tree")
            if not doc.listed_in:
                # No consumer fetches it, so only where it lies (4, 5) and that it is unlisted
                # count; the other checks are for the documents a downloader sees.
                self.fail(12, f"{name} is listed neither in an index.txt nor in a ROLIE feed")
                continue
            result = self.validator.validate(doc.document, file=name, preset=Preset.MANDATORY)
            for finding in result.errors[:3]:
                self.fail(1, f"{name}: {explain(finding, doc.document)}")
            tracking = _tracking(doc.document)
            tracking_id = tracking.get("id")
            if isinstance(tracking_id, str) and csaf_file_name(tracking_id) != path.name:
                self.fail(
                    2, f"{name}: tracking.id {tracking_id!r} gives {csaf_file_name(tracking_id)}"
                )
            initial = tracking.get("initial_release_date")
            try:
                year = f"{parse_timestamp(str(initial)).year:04d}"
            except ValueError:
                year = "?"
            if path.parent.name != year and "index" in doc.listed_in:
                self.fail(11, f"{name} is not in a folder named {year} (its initial_release_date)")
            self.integrity(path, name, data)
            self.signature(path, name, data, keys)

    def integrity(self, path: Path, name: str, data: bytes) -> None:
        found = False
        for algorithm in ("sha256", "sha512"):
            hash_file = path.with_name(f"{path.name}.{algorithm}")
            if not hash_file.is_file():
                continue
            found = True
            match = _HEX.match(hash_file.read_text(encoding="ascii", errors="replace"))
            if not match or match[0].lower() != hashlib.new(algorithm, data).hexdigest():
                self.fail(
                    18, f"{name}: does not match its .{algorithm} file (changed after hashing)"
                )
        if not found:
            self.fail(18, f"{name}: has no .sha256 or .sha512 file")

    def signature(self, path: Path, name: str, data: bytes, keys: list[pysequoia.Cert]) -> None:
        sig = path.with_name(f"{path.name}.asc")
        if not sig.is_file():
            self.fail(19, f"{name}: has no .asc signature")
            return
        if not keys:
            self.fail(19, f"{name}: no published key to verify its signature with")
            return
        try:
            verify_detached(data, sig.read_bytes(), keys)
        except SignatureError as e:
            self.fail(19, f"{name}: {e.message}")

    def public_keys(self, metadata: dict[str, Any], base: str) -> list[pysequoia.Cert]:
        keys: list[pysequoia.Cert] = []
        listed = metadata.get("public_openpgp_keys")
        if not isinstance(listed, list) or not listed:
            self.fail(20, "provider-metadata.json lists no public_openpgp_keys")
            return keys
        for key in listed:
            url = str(key.get("url")) if isinstance(key, dict) else ""
            path = self.tree.path_of(url, base)
            if path is None or not path.is_file():
                self.fail(
                    20, f"the key {url} is not a file of this provider (published elsewhere?)"
                )
                continue
            if not self.tree.is_public(path):
                self.fail(20, f"the key {self.rel(path)} is not in the public tree")
            try:
                cert = load_certificate(path.read_bytes(), self.rel(path))
            except Error as e:
                self.fail(20, e.message)
                continue
            expected = str(key.get("fingerprint", "")).upper()
            if expected and cert.fingerprint.upper() != expected:
                self.fail(
                    20,
                    f"{self.rel(path)} has fingerprint {cert.fingerprint.upper()}, not {expected}",
                )
            keys.append(cert)
        return keys

    def security(self, canonical: str) -> Status:
        candidates = [self.security_txt] if self.security_txt else []
        candidates += [self.root / "security.txt", self.tree.public / "security.txt"]
        path = next((p for p in candidates if p and p.is_file()), None)
        if path is None:
            return Status.NOT_CHECKED
        fields, _problems = parse_security_txt(self.text(8, path))
        values = [f.value for f in fields if f.name.lower() == "csaf"]
        if not values:
            self.fail(8, f"{self.rel(path)} has no CSAF field")
        elif not values[0].startswith("https://"):
            self.fail(
                8, f"{self.rel(path)}: the first CSAF field {values[0]!r} is not an https:// URL"
            )
        elif canonical not in values:
            self.fail(8, f"{self.rel(path)}: no CSAF field points at {canonical}")
        return Status.PASS


def _tracking(document: dict[str, Any]) -> dict[str, Any]:
    doc = document.get("document")
    tracking = doc.get("tracking") if isinstance(doc, dict) else None
    return tracking if isinstance(tracking, dict) else {}


def _urls(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [u for v in value.values() for u in _urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in _urls(v)]
    return [value] if isinstance(value, str) and "://" in value else []


def check_provider(
    root: Path,
    *,
    validator: CsafValidator,
    security_txt: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> CheckReport:
    """Check the provider directory ``root`` (a medsec build or a provider web root)."""
    checker = _Checker(root, validator, security_txt)
    metadata = checker.metadata()
    canonical = str(metadata.get("canonical_url", ""))
    base = base_url_of(canonical)
    status = checker.status
    checker.scan()
    urls = [u for key, v in metadata.items() if key != "publisher" for u in _urls(v)]
    for url in urls:
        if not url.startswith("https://"):
            checker.fail(3, f"{url} is not an https:// URL")
    path = checker.tree.path_of(canonical, base)
    if path != checker.tree.public / METADATA:
        checker.fail(7, f"canonical_url {canonical} does not name this provider-metadata.json")
    if not canonical.endswith(WELL_KNOWN + METADATA):
        checker.fail(9, f"canonical_url {canonical} is not under {WELL_KNOWN}")
    status[8] = checker.security(canonical)
    distributions = [d for d in _list(metadata.get("distributions")) if isinstance(d, dict)]
    directory_urls = [
        d["directory_url"] for d in distributions if isinstance(d.get("directory_url"), str)
    ]
    rolie = [d["rolie"] for d in distributions if isinstance(d.get("rolie"), dict)]
    feeds = [f for r in rolie for f in _list(r.get("feeds")) if isinstance(f, dict)]
    for url in directory_urls:
        checker.directory(url, base)
    for feed in feeds:
        checker.feed(feed, base)
    if feeds and not any(f.get("tlp_label") in ("WHITE", "GREEN", "UNLABELED") for f in feeds):
        checker.fail(15, "no TLP:WHITE, TLP:GREEN or unlabeled feed")
    _rolie_documents(checker, rolie, feeds, base)
    keys = checker.public_keys(metadata, base)
    checker.documents(keys)
    if not checker.docs:
        checker.fail(1, "no CSAF document found")
    for number in TITLES:
        if number in status:
            continue
        if number in (6, 10, 14):
            status[number] = Status.NOT_CHECKED
        elif number in (21, 22, 23):
            status[number] = Status.NOT_APPLICABLE
        elif number in (11, 12, 13) and not directory_urls:
            status[number] = Status.NOT_APPLICABLE
        elif number == 15 and not feeds:
            status[number] = Status.NOT_APPLICABLE
        elif number in (16, 17) and not any(
            r.get("services" if number == 16 else "categories") for r in rolie
        ):
            status[number] = Status.NOT_APPLICABLE
        else:
            status[number] = Status.PASS
    results = []
    for number in TITLES:
        problems = tuple(checker.problems[number])
        state = Status.FAIL if problems else status[number]
        messages = problems or (NOTES.get(number, ()) if state is not Status.PASS else ())
        results.append(RequirementResult(number, state, messages))
    report = CheckReport(
        directory=str(root),
        metadata_url=canonical or None,
        results=tuple(results),
        role_claimed=str(metadata.get("role")) if metadata.get("role") else None,
        role_met=None,
    )
    return CheckReport(
        report.directory, report.metadata_url, report.results, report.role_claimed, role_met(report)
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _rolie_documents(
    checker: _Checker, rolie: list[dict[str, Any]], feeds: list[Any], base: str
) -> None:
    feed_urls = {str(f.get("url")) for f in feeds if isinstance(f, dict)}
    in_services: set[str] = set()
    for distribution in rolie:
        for url in _list(distribution.get("services")):
            path = checker.tree.path_of(str(url), base)
            try:
                data: Any = json.loads(path.read_text(encoding="utf-8")) if path else None
                collections = [c for w in data["service"]["workspace"] for c in w["collection"]]
                in_services |= {str(c["href"]) for c in collections}
            except (OSError, ValueError, KeyError, TypeError):
                checker.fail(
                    16, f"service document {url} is missing or not a ROLIE service document"
                )
        for url in _list(distribution.get("categories")):
            path = checker.tree.path_of(str(url), base)
            try:
                data = json.loads(path.read_text(encoding="utf-8")) if path else None
                terms = [c["term"] for c in data["categories"]["category"]]
                if not all(isinstance(t, str) for t in terms):
                    raise TypeError("term")
            except (OSError, ValueError, KeyError, TypeError):
                checker.fail(
                    17, f"category document {url} is missing or not a ROLIE category document"
                )
    if in_services:
        for url in sorted(feed_urls - in_services):
            checker.fail(16, f"the feed {url} is in no service document")
