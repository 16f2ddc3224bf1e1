"""What a reporter may send, checked before anything is stored: field lengths, the
reporter's OpenPGP key, and attachments (how many, how large, and of which type — read
from the content, not only the file name).

>>> sniff(b"%PDF-1.7 ...")
'application/pdf'
>>> sniff(b"MZ\\x90\\x00") is None
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from medsec.errors import Error

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
#: A whole submission on the wire (JSON with base64 attachments, or a multipart form).
MAX_REQUEST_BYTES = 9 * 1024 * 1024
MAX_KEY_CHARS = 40_000

#: Field → (label, maximum length, required).
FIELDS: dict[str, tuple[str, int, bool]] = {
    "title": ("Title", 200, True),
    "description": ("Description", 20_000, True),
    "affected": ("Affected product and version", 500, False),
    "impact": ("Impact", 5_000, False),
    "reproduction": ("Steps to reproduce", 20_000, False),
    "contact": ("Your contact", 500, False),
}
MAX_MESSAGE_CHARS = 20_000

#: Attachment types accepted: media type → file name endings it may have.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "text/plain": (".txt", ".log", ".md", ".csv", ".json", ".xml", ".yaml", ".yml", ".py", ".c"),
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.tcpdump.pcap": (".pcap", ".pcapng", ".cap"),
}

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\xd4\xc3\xb2\xa1", "application/vnd.tcpdump.pcap"),
    (b"\xa1\xb2\xc3\xd4", "application/vnd.tcpdump.pcap"),
    (b"\x4d\x3c\xb2\xa1", "application/vnd.tcpdump.pcap"),
    (b"\xa1\xb2\x3c\x4d", "application/vnd.tcpdump.pcap"),
    (b"\x0a\x0d\x0d\x0a", "application/vnd.tcpdump.pcap"),  # pcapng section header
]


class InvalidSubmission(Error):
    kind = "invalid-report"
    status = 422
    title = "The report cannot be accepted as sent"
    #: Keep the request's rate-limit hit: refused attempts count too.
    keep_changes = True

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.field = field


class PayloadTooLarge(Error):
    kind = "too-large"
    status = 413
    title = "The request is too large"
    keep_changes = True


def sniff(content: bytes) -> str | None:
    """The media type ``content`` is by its first bytes; text is UTF-8 without NUL or
    other control characters but tab, CR and LF; None for anything else."""
    for magic, media_type in _MAGIC:
        if content.startswith(magic):
            return media_type
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 0x20 and c not in "\t\r\n" for c in text) or "\x7f" in text:
        return None
    return "text/plain"


@dataclass(frozen=True)
class AttachmentIn:
    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedAttachment:
    filename: str
    media_type: str
    content: bytes


def check_attachment(attachment: AttachmentIn) -> CheckedAttachment:
    name = attachment.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "attachment"
    if len(attachment.content) > MAX_ATTACHMENT_BYTES:
        raise PayloadTooLarge(
            f"{name}: larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB",
            hint="attach a smaller excerpt, or offer the file in a message once we answer",
        )
    if not attachment.content:
        raise InvalidSubmission(f"{name}: the file is empty", field="attachments")
    media_type = sniff(attachment.content)
    endings = ALLOWED_TYPES.get(media_type or "", ())
    accepted = ", ".join(e for endings in ALLOWED_TYPES.values() for e in endings)
    if media_type is None:
        raise InvalidSubmission(
            f"{name}: its content is not one of the accepted types "
            "(plain text, PDF, PNG, JPEG, pcap)",
            field="attachments",
            hint=f"accepted: {accepted}; send archives or executables only when we ask",
        )
    if not name.lower().endswith(endings):
        raise InvalidSubmission(
            f"{name}: the content is {media_type} but the name does not end in "
            + " or ".join(endings),
            field="attachments",
            hint="rename the file to match its content",
        )
    return CheckedAttachment(name, media_type, attachment.content)


def check_attachments(attachments: list[AttachmentIn]) -> list[CheckedAttachment]:
    if len(attachments) > MAX_ATTACHMENTS:
        raise InvalidSubmission(
            f"{len(attachments)} attachments; at most {MAX_ATTACHMENTS} are accepted",
            field="attachments",
        )
    return [check_attachment(a) for a in attachments]


def check_text(name: str, value: str) -> str:
    label, maximum, required = FIELDS[name]
    value = value.strip()
    if required and not value:
        raise InvalidSubmission(f"{label} is empty", field=name, hint=f"enter the {label.lower()}")
    if len(value) > maximum:
        raise InvalidSubmission(
            f"{label} is longer than {maximum} characters", field=name, hint="shorten it"
        )
    if "\x00" in value:
        raise InvalidSubmission(f"{label} contains a NUL character", field=name)
    return value


def check_message(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidSubmission("the message is empty", field="body")
    if len(body) > MAX_MESSAGE_CHARS or "\x00" in body:
        raise InvalidSubmission(
            f"the message is longer than {MAX_MESSAGE_CHARS} characters or contains NUL",
            field="body",
        )
    return body


@dataclass(frozen=True)
class ReporterKey:
    armored: str
    fingerprint: str


def check_reporter_key(text: str) -> ReporterKey | None:
    """The reporter's OpenPGP public key, parsed by pysequoia; None when none was given.

    The team uses it to write to the reporter encrypted outside medsec (e-mail); medsec
    shows it, armoured, with its fingerprint on the case page.
    """
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_KEY_CHARS:
        raise InvalidSubmission("the OpenPGP key is too long", field="reporter_key")
    from pysequoia import Cert

    try:
        cert = Cert.from_bytes(text.encode("utf-8"))
    except Exception as e:  # pysequoia raises RuntimeError / ValueError with a backtrace
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InvalidSubmission(
            f"the OpenPGP key cannot be read ({first})",
            field="reporter_key",
            hint="paste an ASCII-armoured public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)",
        ) from e
    with warnings.catch_warnings():
        # pysequoia ≥ 0.1.30 deprecates it in favour of Tsk, whose parser accepts public
        # keys too; it is still the one way to ask whether secret key material is present.
        warnings.simplefilter("ignore", DeprecationWarning)
        secret = cert.has_secret_keys
    if secret:
        raise InvalidSubmission(
            "this is a secret (private) key; never send it to anyone",
            field="reporter_key",
            hint="export the public key only (gpg --armor --export) and revoke this one",
        )
    return ReporterKey(str(cert), str(cert.fingerprint))
