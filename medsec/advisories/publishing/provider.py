"""Publishing a document through the instance's CSAF provider.

The service keeps the current revision of every published advisory as a file in
``DATA_DIR/csaf/documents/`` and rebuilds the provider directory ``DATA_DIR/csaf/provider``
(what ``/.well-known/csaf/`` serves) from that folder with
:func:`~medsec.advisories.provider.build.build_provider` — the same build as
``medsec csaf provider build DATA_DIR/csaf/documents``, so documents an operator puts there
by hand are published alongside. TLP:AMBER and RED land in the restricted tree.

A publication is all or nothing, and the database is its record: :meth:`ProviderTarget.check`
refuses first what the build would refuse (another publisher's provider, a tracking ID
whose file name clashes, an invalid document: :class:`ProviderRefused`), with nothing
written; the revision is stored; only **after its commit** does
:meth:`ProviderTarget.write` put the file into ``documents/`` and rebuild. A failed commit
leaves no file; a failed write (after the commit) is logged and repaired from the
database by the next publication or ``medsec csaf provider sync``
(:func:`medsec.advisories.publishing.publish.sync`). Builds are serialised with a lock
file, so two never run at once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.build import (
    BuildReport,
    build_provider,
    provider_base_url,
    select_documents,
)
from medsec.advisories.provider.layout import Tlp, csaf_file_name
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator
from medsec.errors import Conflict, Error
from medsec.settings import Settings

logger = logging.getLogger("medsec.advisories")

#: The folder of documents the provider is built from, under the data directory.
DOCUMENTS_DIR: Final = Path("csaf") / "documents"


class ProviderRefused(Conflict):
    """The provider build refused the document; nothing was published."""

    kind = "provider-refused"


@dataclass(frozen=True)
class ProviderTarget:
    data_dir: Path
    site_url: str
    instance_secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> ProviderTarget:
        return cls(settings.data_dir, settings.base_url, settings.resolved_secret_key())

    @property
    def documents(self) -> Path:
        return self.data_dir / DOCUMENTS_DIR

    @property
    def base_url(self) -> str:
        """``…/.well-known/csaf/``; an :class:`Error` if the site is not served over TLS."""
        try:
            return provider_base_url(self.site_url)
        except Error as e:
            raise Conflict(
                f"the CSAF provider needs an https:// address; MEDSEC_BASE_URL is "
                f"{self.site_url!r}",
                hint="set MEDSEC_BASE_URL to the https:// address the service is reached at",
            ) from e

    def document_url(self, tracking_id: str, tlp: str, year: int) -> str:
        """Where the provider serves the document (its ``self`` reference)."""
        return f"{self.base_url}{Tlp(tlp).url_path}{year:04d}/{csaf_file_name(tracking_id)}"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.documents.mkdir(parents=True, exist_ok=True)
        with (self.documents.parent / ".publish.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _build(self) -> BuildReport:
        signer = KeyStore(self.data_dir, self.instance_secret).signer()
        return build_provider(
            self.documents,
            provider_dir(self.data_dir),
            base_url=self.site_url,
            signer=signer,
            validator=default_validator(),
        )

    def check(self, name: str, data: bytes) -> None:
        """Refuse, before anything is stored or written, what the build would refuse:
        a site without TLS, no signing key, a document the provider would not list
        (:class:`ProviderRefused`)."""
        self.base_url  # noqa: B018 - refuses a non-TLS site
        if not KeyStore(self.data_dir, self.instance_secret).exists():
            raise Conflict(
                "this instance has no CSAF signing key, so it cannot publish advisories",
                hint="an operator creates it with: medsec csaf key create --user-id "
                "'NAME PSIRT <psirt@example.com>'",
            )
        with self._locked():
            selection = select_documents(self.documents, default_validator(), extra={name: data})
        refused = selection.accepts(name)
        if refused is not None:
            raise ProviderRefused(
                f"the CSAF provider refused the document: {refused.reason}",
                hint="nothing was published; correct the advisory and publish again",
            )

    def write(self, documents: dict[str, bytes]) -> bool:
        """Write committed documents as ``documents/<name>`` and rebuild the provider;
        whether anything changed. A file holding a later revision is kept (two
        publications whose commits and writes crossed)."""
        with self._locked():
            replaced: dict[Path, bytes | None] = {}
            for name, data in documents.items():
                path = self.documents / name
                current = path.read_bytes() if path.is_file() else None
                if current == data or (current and _revisions(current) > _revisions(data)):
                    continue
                _write(path, data)
                replaced[path] = current
            if replaced:
                try:
                    self._build()
                except BaseException:  # documents/ stays what the provider was built from
                    for path, previous in replaced.items():
                        _restore(path, previous)
                    raise
            return bool(replaced)

    def write_committed(self, documents: dict[str, bytes]) -> None:
        """:meth:`write`, run after the commit that recorded the documents
        (:func:`medsec.db.on_commit.on_commit`). Never raises — the publication stands:
        a failure is logged, and the next publication or ``medsec csaf provider sync``
        writes the documents from the database."""
        try:
            self.write(documents)
        except Exception:  # the provider catches up from the database later
            logger.exception("the CSAF provider could not be written: %s", sorted(documents))


def _revisions(data: bytes) -> int:
    """How many revisions a CSAF document lists (-1 when it cannot be read)."""
    try:
        return len(json.loads(data)["document"]["tracking"]["revision_history"])
    except (ValueError, KeyError, TypeError):
        return -1


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _restore(path: Path, previous: bytes | None) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        _write(path, previous)
