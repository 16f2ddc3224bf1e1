"""Publishing a document through the instance's CSAF provider.

The service keeps the current revision of every published advisory as a file in
``DATA_DIR/csaf/documents/`` and rebuilds the provider directory ``DATA_DIR/csaf/provider``
(what ``/.well-known/csaf/`` serves) from that folder with
:func:`~medsec.advisories.provider.build.build_provider` — the same build as
``medsec csaf provider build DATA_DIR/csaf/documents``, so documents an operator puts there
by hand are published alongside. TLP:AMBER and RED land in the restricted tree.

A publication is all or nothing: if the build refuses the new document (another publisher's
provider, a tracking ID whose file name clashes), the previous file is put back, the
provider is rebuilt as it was, and :class:`ProviderRefused` says why. Builds are serialised
with a lock file, so two publications never build at once.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from medsec.advisories.provider.api import provider_dir
from medsec.advisories.provider.build import BuildReport, build_provider, provider_base_url
from medsec.advisories.provider.layout import Tlp, csaf_file_name
from medsec.advisories.signing.openpgp import KeyStore
from medsec.advisories.validation import default_validator
from medsec.errors import Conflict, Error
from medsec.settings import Settings

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

    def publish(self, name: str, data: bytes) -> str:
        """Write ``data`` as ``documents/<name>`` and rebuild; the document's URL."""
        self.base_url  # noqa: B018 - refuse a non-TLS site before writing anything
        if not KeyStore(self.data_dir, self.instance_secret).exists():
            raise Conflict(
                "this instance has no CSAF signing key, so it cannot publish advisories",
                hint="an operator creates it with: medsec csaf key create --user-id "
                "'NAME PSIRT <psirt@example.com>'",
            )
        with self._locked():
            path = self.documents / name
            previous = path.read_bytes() if path.is_file() else None
            _write(path, data)
            try:
                report = self._build()
            except Error:
                _restore(path, previous)
                raise
            mine = next((p for p in report.published if p.source == name), None)
            if mine is not None:
                return mine.url
            reasons = [r for r in report.refused if r.source == name]
            _restore(path, previous)
            if any(self.documents.glob("**/*.json")):
                self._build()
            reason = reasons[0].reason if reasons else "the provider did not list it"
            raise ProviderRefused(
                f"the CSAF provider refused the document: {reason}",
                hint="nothing was published; correct the advisory and publish again",
            )


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _restore(path: Path, previous: bytes | None) -> None:
    if previous is None:
        path.unlink(missing_ok=True)
    else:
        _write(path, previous)
