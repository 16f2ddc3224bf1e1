"""Build a CSAF 2.0 provider directory from a folder of CSAF documents.

Every document is validated (mandatory preset) and refused, with the plain explanation, when
invalid; the rest is laid out as :mod:`medsec.advisories.provider.layout` describes, hashed,
signed, listed (``index.txt``, ``changes.csv``, ROLIE feeds) and described by
``provider-metadata.json`` with role ``csaf_trusted_provider`` (requirements 1–20 are met:
hashes, signatures and the public key are always written).

The build is written into a temporary sibling folder and swapped in at the end, so a failed
build leaves the previous one untouched. Output is a pure function of the inputs and the key:
timestamps come from the documents (``last_updated`` is the newest ``current_release_date``),
JSON is written in a fixed order, and a signature from the previous build is kept when the
document's bytes did not change and it still verifies with the current key — so a rebuild with
unchanged inputs changes no byte.
"""

from __future__ import annotations

import csv
import hashlib
import io
import ipaddress
import json
import os
import shutil
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from medsec.advisories.document import parse_csaf_text
from medsec.advisories.explain import explain
from medsec.advisories.interfaces import CsafValidator, Preset
from medsec.advisories.provider import rolie
from medsec.advisories.provider.layout import (
    HASHES,
    KEYS,
    METADATA,
    PUBLIC,
    RESTRICTED,
    SERVICE,
    WELL_KNOWN,
    Tlp,
    csaf_file_name,
    format_timestamp,
    parse_timestamp,
)
from medsec.advisories.provider.metadata import ProviderMetadata
from medsec.advisories.signing.interfaces import SignatureError, Signer
from medsec.advisories.signing.openpgp import load_certificate, verify_detached
from medsec.errors import Error


@dataclass(frozen=True)
class Published:
    source: str
    tracking_id: str
    tlp: Tlp
    #: Path relative to the output directory, e.g. ``public/white/2026/acme-2026-001.json``.
    path: str
    url: str

    def to_json(self) -> dict[str, str]:
        return {
            "source": self.source,
            "trackingId": self.tracking_id,
            "tlp": self.tlp.value,
            "path": self.path,
            "url": self.url,
        }


@dataclass(frozen=True)
class Refused:
    source: str
    reason: str
    details: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "reason": self.reason, "details": list(self.details)}


@dataclass(frozen=True)
class BuildReport:
    output: str
    metadata_url: str
    fingerprint: str
    published: tuple[Published, ...]
    refused: tuple[Refused, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "providerMetadata": self.metadata_url,
            "fingerprint": self.fingerprint,
            "published": [p.to_json() for p in self.published],
            "refused": [r.to_json() for r in self.refused],
        }


@dataclass(frozen=True)
class _Doc:
    source: str
    data: bytes
    document: dict[str, Any]
    tlp: Tlp
    name: str

    @property
    def tracking(self) -> dict[str, Any]:
        tracking: dict[str, Any] = self.document["document"]["tracking"]
        return tracking

    @property
    def year(self) -> str:
        return f"{parse_timestamp(self.tracking['initial_release_date']).year:04d}"

    @property
    def current(self) -> str:
        value: str = self.tracking["current_release_date"]
        return value

    @property
    def relative(self) -> str:
        """Path within the TLP folder, as index.txt and changes.csv list it."""
        return f"{self.year}/{self.name}"


def _loopback(url: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def provider_base_url(base_url: str) -> str:
    """``https://psirt.example.com`` → ``https://psirt.example.com/.well-known/csaf/``.

    Plain ``http://`` is accepted only for a loopback host (``localhost``, ``127.0.0.1``,
    ``[::1]``): a provider on this machine for trying it out, as ``medsec demo`` runs; the
    provider check still reports requirement 3 (TLS) as failed for it."""
    url = base_url.strip()
    if not url.lower().startswith("https://") and not (
        url.lower().startswith("http://") and _loopback(url)
    ):
        raise Error(
            f"--base-url {url!r} does not begin with https://",
            hint="CSAF 2.0 requirement 3: documents are served over TLS only",
        )
    url = url.rstrip("/")
    if not url.endswith(WELL_KNOWN.rstrip("/")):
        url += WELL_KNOWN.rstrip("/")
    return url + "/"


def _read(source: str, data: bytes, validator: CsafValidator) -> _Doc | Refused:
    try:
        document = parse_csaf_text(data.decode("utf-8"), source)
    except UnicodeDecodeError:
        return Refused(source, "not UTF-8 text")
    except Error as e:
        return Refused(source, "not a CSAF 2.0 document", tuple(e.diagnostics().splitlines()))
    result = validator.validate(document, file=source, preset=Preset.MANDATORY)
    if not result.is_valid:
        return Refused(
            source,
            f"invalid CSAF 2.0 ({len(result.errors)} errors); an invalid document is never "
            "published (requirement 1)",
            tuple(explain(f, document) for f in result.errors),
        )
    tracking_id = document["document"]["tracking"]["id"]
    return _Doc(source, data, document, Tlp.of(document), csaf_file_name(tracking_id))


def _dump(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _changes_csv(docs: list[_Doc]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    ordered = sorted(docs, key=lambda d: d.relative)
    ordered.sort(key=lambda d: parse_timestamp(d.current), reverse=True)
    for doc in ordered:
        writer.writerow([doc.relative, doc.current])
    return out.getvalue().encode("utf-8")


def _terms(doc: _Doc) -> list[str]:
    terms = [str(doc.document["document"].get("category", ""))]

    def walk(branches: Any) -> None:
        for branch in branches if isinstance(branches, list) else []:
            if isinstance(branch, dict):
                if branch.get("category") == "product_name" and isinstance(branch.get("name"), str):
                    terms.append(branch["name"])
                walk(branch.get("branches"))

    tree = doc.document.get("product_tree")
    walk(tree.get("branches") if isinstance(tree, dict) else None)
    return [t for t in terms if t]


def _summary(doc: _Doc) -> str | None:
    for note in doc.document["document"].get("notes") or []:
        if isinstance(note, dict) and note.get("category") == "summary":
            text = note.get("text")
            return text if isinstance(text, str) else None
    return None


class _Writer:
    """Writes the new tree; a file whose bytes equal the previous build's keeps its
    modification time, so Last-Modified (and If-Modified-Since) stay true across rebuilds."""

    def __init__(self, root: Path, previous: Path) -> None:
        self.root = root
        self.previous = previous

    def write(self, relative: str, data: bytes) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        old = self.previous / relative
        if old.is_file() and old.read_bytes() == data:
            stat = old.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _signature(doc_path: str, data: bytes, previous: Path, signer: Signer, cert: Any) -> bytes:
    """The previous build's signature when the bytes did not change and it still verifies
    with this key; else a new one."""
    old_doc, old_sig = previous / doc_path, previous / f"{doc_path}.asc"
    if old_doc.is_file() and old_sig.is_file() and old_doc.read_bytes() == data:
        signature = old_sig.read_bytes()
        try:
            verify_detached(data, signature, [cert])
        except SignatureError:
            pass
        else:
            return signature
    return signer.sign_detached(data).encode("ascii")


def build_provider(
    docs_dir: Path,
    out_dir: Path,
    *,
    base_url: str,
    signer: Signer,
    validator: CsafValidator,
    list_on_aggregators: bool = True,
    mirror_on_aggregators: bool = True,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Publish the valid documents of ``docs_dir`` (``*.json``, recursively) into ``out_dir``."""
    base = provider_base_url(base_url)
    if not docs_dir.is_dir():
        raise Error(f"{docs_dir}: not a directory", hint="give the folder of CSAF JSON files")
    _check_replaceable(out_dir)
    chosen = select_documents(docs_dir, validator, progress=progress)
    publisher, docs, refused = chosen.publisher, chosen.docs, chosen.refused
    tmp = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        published = _write_tree(
            tmp, out_dir, docs, base, publisher, signer, list_on_aggregators, mirror_on_aggregators
        )
        _swap(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildReport(
        output=str(out_dir),
        metadata_url=base + METADATA,
        fingerprint=signer.key.fingerprint,
        published=tuple(published),
        refused=tuple(sorted(refused, key=lambda r: r.source)),
    )


@dataclass(frozen=True)
class Selection:
    """What a build of a folder publishes (``docs``, of ``publisher``) and refuses."""

    publisher: dict[str, Any]
    docs: list[_Doc]
    refused: list[Refused]

    def accepts(self, source: str) -> Refused | None:
        """None when ``source`` is published, else why it is refused."""
        if any(d.source == source for d in self.docs):
            return None
        found = [r for r in self.refused if r.source == source]
        return found[0] if found else Refused(source, "the provider did not list it")


def select_documents(
    docs_dir: Path,
    validator: CsafValidator,
    *,
    extra: dict[str, bytes] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Selection:
    """The documents a build of ``docs_dir`` publishes and refuses, with nothing written
    or signed. ``extra`` maps source names (relative to ``docs_dir``) to bytes that replace
    or join the folder's files: what a build would do with them, before they are written."""
    if not docs_dir.is_dir():
        raise Error(f"{docs_dir}: not a directory", hint="give the folder of CSAF JSON files")
    files = {str(p.relative_to(docs_dir)): p for p in sorted(docs_dir.rglob("*.json"))}
    extra = extra or {}
    docs: list[_Doc] = []
    refused: list[Refused] = []
    for source in sorted(files.keys() | extra.keys()):
        if progress:
            progress(str(files.get(source, docs_dir / source)))
        data = extra[source] if source in extra else files[source].read_bytes()
        outcome = _read(source, data, validator)
        (refused if isinstance(outcome, Refused) else docs).append(outcome)  # type: ignore[arg-type]
    docs, clashes = _without_clashes(docs)
    refused += clashes
    if not docs:
        raise Error(
            f"{docs_dir}: no document can be published ({len(refused)} refused)",
            hint="\n".join(f"{r.source}: {r.reason}" for r in refused) or "add CSAF JSON files",
        )
    publisher, docs, others = _one_publisher(docs)
    return Selection(publisher, docs, refused + others)


def _check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise Error(f"{out_dir}: exists and is not a directory")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / PUBLIC / METADATA).is_file():
        raise Error(
            f"{out_dir}: not empty and not a provider directory built by medsec",
            hint="choose an empty or new folder; medsec replaces only its own builds",
        )


def _without_clashes(docs: list[_Doc]) -> tuple[list[_Doc], list[Refused]]:
    by_name: dict[str, list[_Doc]] = {}
    for doc in docs:
        by_name.setdefault(doc.name, []).append(doc)
    kept = [group[0] for group in by_name.values() if len(group) == 1]
    refused = [
        Refused(
            d.source,
            f"{len(group)} documents have the file name {d.name} "
            f"({', '.join(x.source for x in group)}); publish one version per tracking ID",
        )
        for group in by_name.values()
        if len(group) > 1
        for d in group
    ]
    return kept, refused


def _one_publisher(docs: list[_Doc]) -> tuple[dict[str, Any], list[_Doc], list[Refused]]:
    """The provider's publisher: the one most documents name (ties: the first by namespace).
    A document of another publisher is refused: a provider publishes its own advisories, and
    provider-metadata.json has one publisher (requirement 7)."""
    counts = Counter(json.dumps(d.document["document"]["publisher"], sort_keys=True) for d in docs)
    chosen = min(counts, key=lambda p: (-counts[p], p))
    kept = [
        d for d in docs if json.dumps(d.document["document"]["publisher"], sort_keys=True) == chosen
    ]
    publisher: dict[str, Any] = json.loads(chosen)
    refused = [
        Refused(
            d.source,
            f"its publisher ({d.document['document']['publisher'].get('name')}) is not the "
            f"provider's ({publisher.get('name')}); a provider publishes one publisher's "
            "advisories (make document.publisher identical in every document)",
        )
        for d in docs
        if d not in kept
    ]
    return publisher, kept, refused


def _write_tree(
    tmp: Path,
    previous: Path,
    docs: list[_Doc],
    base: str,
    publisher: dict[str, Any],
    signer: Signer,
    list_on: bool,
    mirror_on: bool,
) -> list[Published]:
    out = _Writer(tmp, previous)
    key = signer.key
    cert = load_certificate(signer.public_key_armored().encode("ascii"))
    tlps = sorted({Tlp.WHITE} | {d.tlp for d in docs}, key=list(Tlp).index)
    published: list[Published] = []
    feeds: list[tuple[Tlp, str, str]] = []
    newest = format_timestamp(max(parse_timestamp(d.current) for d in docs))
    for tlp in tlps:
        members = sorted((d for d in docs if d.tlp is tlp), key=lambda d: d.relative)
        folder_url = base + tlp.url_path
        service_url = base + (SERVICE if tlp.is_public else f"{RESTRICTED}/{SERVICE}")
        entries = []
        for doc in members:
            path = f"{tlp.folder}/{doc.relative}"
            out.write(path, doc.data)
            for algorithm in HASHES:
                digest = hashlib.new(algorithm, doc.data).hexdigest()
                out.write(f"{path}.{algorithm}", f"{digest}  {doc.name}\n".encode("ascii"))
            out.write(f"{path}.asc", _signature(path, doc.data, previous, signer, cert))
            url = folder_url + doc.relative
            published.append(Published(doc.source, doc.tracking["id"], tlp, path, url))
            entries.append(
                rolie.Entry(
                    tracking_id=doc.tracking["id"],
                    title=doc.document["document"]["title"],
                    url=url,
                    published=format_timestamp(
                        parse_timestamp(doc.tracking["initial_release_date"])
                    ),
                    updated=format_timestamp(parse_timestamp(doc.current)),
                    summary=_summary(doc),
                    terms=tuple(_terms(doc)),
                )
            )
        entries.sort(key=lambda e: (parse_timestamp(e.updated), e.url), reverse=True)
        out.write(f"{tlp.folder}/index.txt", "".join(f"{d.relative}\n" for d in members).encode())
        out.write(f"{tlp.folder}/changes.csv", _changes_csv(members))
        feed_url = folder_url + tlp.feed_name
        updated = (
            format_timestamp(max(parse_timestamp(d.current) for d in members))
            if members
            else newest
        )
        out.write(
            f"{tlp.folder}/{tlp.feed_name}",
            _dump(
                rolie.feed_document(tlp, publisher["name"], feed_url, service_url, updated, entries)
            ),
        )
        out.write(
            f"{tlp.folder}/{tlp.category_name}",
            _dump(rolie.category_document([t for e in entries for t in e.terms] or ["csaf"])),
        )
        feeds.append((tlp, rolie.feed_title(tlp, publisher["name"]), feed_url))
    public_feeds = [f for f in feeds if f[0].is_public]
    restricted_feeds = [f for f in feeds if not f[0].is_public]
    out.write(
        f"{PUBLIC}/{SERVICE}",
        _dump(rolie.service_document(f"{publisher['name']} CSAF feeds", public_feeds)),
    )
    services = [base + SERVICE]
    if restricted_feeds:
        out.write(
            f"{RESTRICTED}/{SERVICE}",
            _dump(
                rolie.service_document(
                    f"{publisher['name']} CSAF feeds (restricted)", restricted_feeds
                )
            ),
        )
        services.append(f"{base}{RESTRICTED}/{SERVICE}")
    key_path = f"{KEYS}/{key.fingerprint}.asc"
    out.write(f"{PUBLIC}/{key_path}", signer.public_key_armored().encode("ascii"))
    metadata = {
        "canonical_url": base + METADATA,
        "distributions": [{"directory_url": base + tlp.url_path} for tlp in tlps]
        + [
            {
                "rolie": {
                    "categories": [base + t.url_path + t.category_name for t in tlps],
                    "feeds": [
                        {
                            "summary": f"All TLP:{tlp.value} advisories of {publisher['name']}."
                            if tlp is not Tlp.UNLABELED
                            else f"All unlabeled advisories of {publisher['name']}.",
                            "tlp_label": tlp.value,
                            "url": url,
                        }
                        for tlp, _title, url in feeds
                    ],
                    "services": services,
                }
            }
        ],
        "last_updated": newest,
        "list_on_CSAF_aggregators": list_on,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": mirror_on,
        "public_openpgp_keys": [{"fingerprint": key.fingerprint, "url": base + key_path}],
        "publisher": publisher,
        "role": "csaf_trusted_provider",
    }
    try:
        ProviderMetadata.model_validate(metadata)
    except ValidationError as e:  # pragma: no cover - medsec writes what the model accepts
        raise Error(f"medsec built an invalid provider-metadata.json: {e}") from e
    out.write(f"{PUBLIC}/{METADATA}", _dump(metadata))
    return published


def _swap(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``tmp`` with two renames (the old build is kept until the new
    one is in place)."""
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    old = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
