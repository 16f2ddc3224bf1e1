"""What a reporter may send: attachment types by content, sizes, counts, keys, fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pysequoia import Tsk

from medsec.disclosure.intake import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    AttachmentIn,
    InvalidSubmission,
    PayloadTooLarge,
    check_attachment,
    check_attachments,
    check_reporter_key,
    check_text,
    sniff,
)
from medsec.errors import Error

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("crash.log", b"segfault at 0x0\n", "text/plain"),
        ("notes.md", "Überlauf im Parser\n".encode(), "text/plain"),
        ("report.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("screen.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        ("capture.pcap", b"\xd4\xc3\xb2\xa1" + b"\x00" * 20, "application/vnd.tcpdump.pcap"),
        ("capture.pcapng", b"\x0a\x0d\x0d\x0a" + b"\x00" * 20, "application/vnd.tcpdump.pcap"),
        ("C:\\Users\\me\\poc.txt", b"poc", "text/plain"),
    ],
)
def test_accepted_attachments(name: str, content: bytes, media_type: str) -> None:
    checked = check_attachment(AttachmentIn(name, content))
    assert checked.media_type == media_type
    assert "/" not in checked.filename and "\\" not in checked.filename


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("poc.txt", b"MZ\x90\x00\x03\x00", "not one of the accepted types"),  # an .exe named .txt
        ("poc.pdf", b"just text", "does not end in"),  # text named .pdf
        ("shot.png", b"%PDF-1.4", "does not end in"),  # a PDF named .png
        ("archive.zip", b"PK\x03\x04rest", "not one of the accepted types"),
        ("binary.txt", b"abc\x00def", "not one of the accepted types"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_refused_attachments_are_checked_by_content(name: str, content: bytes, why: str) -> None:
    with pytest.raises(InvalidSubmission, match=why):
        check_attachment(AttachmentIn(name, content))


def test_an_attachment_over_the_size_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        check_attachment(AttachmentIn("big.txt", b"a" * (MAX_ATTACHMENT_BYTES + 1)))
    assert check_attachment(AttachmentIn("max.txt", b"a" * MAX_ATTACHMENT_BYTES)).content


def test_too_many_attachments() -> None:
    files = [AttachmentIn(f"{i}.txt", b"x") for i in range(MAX_ATTACHMENTS + 1)]
    with pytest.raises(InvalidSubmission, match="at most"):
        check_attachments(files)
    assert len(check_attachments(files[:MAX_ATTACHMENTS])) == MAX_ATTACHMENTS


@given(st.binary(max_size=64), st.text(max_size=20))
def test_checking_any_file_raises_nothing_but_error(content: bytes, name: str) -> None:
    try:
        checked = check_attachment(AttachmentIn(name, content))
    except Error:
        return
    assert sniff(checked.content) == checked.media_type


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("title", "   ", "empty"),
        ("title", "t" * 201, "longer than 200"),
        ("description", "a\x00b", "NUL"),
    ],
)
def test_fields_are_checked(field: str, value: str, why: str) -> None:
    with pytest.raises(InvalidSubmission, match=why):
        check_text(field, value)


def test_a_public_key_is_read_and_a_secret_key_refused() -> None:
    secret = Tsk.generate("Rita Reporter <rita@example.org>")
    cert = secret.extract_certificate()
    key = check_reporter_key(str(cert))
    assert key is not None and key.fingerprint == str(cert.fingerprint)
    assert key.armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert check_reporter_key("  ") is None
    with pytest.raises(InvalidSubmission, match="cannot be read"):
        check_reporter_key("-----BEGIN PGP PUBLIC KEY BLOCK-----\nnonsense\n")
    with pytest.raises(InvalidSubmission, match="secret"):
        check_reporter_key(str(secret))


@given(st.text(max_size=200))
def test_reading_any_key_text_raises_nothing_but_error(text: str) -> None:
    try:
        check_reporter_key(text)
    except Error:
        pass
