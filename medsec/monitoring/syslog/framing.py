"""Syslog over a byte stream (RFC 6587): octet counting and LF framing, incrementally.

A :class:`Deframer` is fed the octets of one connection as they arrive and returns the
complete frames. Each frame chooses its own method, as rsyslog does: a frame that starts
with a digit, and whose digits are followed by a space, is octet-counted
(``MSG-LEN SP SYSLOG-MSG``, RFC 6587 §3.4.1, the only method RFC 5425 allows over TLS);
anything else runs to the next LF (non-transparent framing, §3.4.2, with a CR before the
LF removed too).

A message longer than ``max_size`` octets is cut to ``max_size`` and its frame carries
``truncated_from`` (the length the sender sent: MSG-LEN, or for an LF frame the octets
before its LF); the rest is skipped without being buffered, and the cut message is
still delivered, never dropped. UDP has no framing: one
datagram is one message (:func:`datagram`).

>>> d = Deframer(max_size=8)
>>> [(f.data, f.truncated_from) for f in d.feed(b"5 hello<13>a very long line\\n3 ab")]
[(b'hello', None), (b'<13>a ve', 20)]
>>> [(f.data, f.truncated_from) for f in d.feed(b"c")]
[(b'abc', None)]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

#: Default size limit: RFC 5425 §4.3.1 asks receivers to take at least 2048 octets and
#: SHOULD take 8192; rsyslog's default is 8k. Larger messages are truncated.
DEFAULT_MAX_SIZE = 8192
READ_CHUNK = 65536
#: The longest MSG-LEN read as a length (10 digits > any max_size anyone sets).
_MAX_DIGITS = 10


@dataclass(frozen=True)
class Frame:
    data: bytes
    #: The length the sender sent when ``data`` was cut to the size limit.
    truncated_from: int | None = None


def octet_counted(message: bytes) -> bytes:
    """RFC 6587 §3.4.1 framing: ``MSG-LEN SP SYSLOG-MSG``."""
    return str(len(message)).encode() + b" " + message


def lines(stream: BinaryIO, max_size: int = DEFAULT_MAX_SIZE) -> Iterator[Frame]:
    """The lines of a file (LF framing only: a file has no octet counts; a CR before the
    LF is removed), each cut to ``max_size`` octets without reading the rest of a long
    line into memory."""
    while head := stream.readline(max_size + 1):
        line, ended = (head[:-1], True) if head.endswith(b"\n") else (head, False)
        if ended or len(head) <= max_size:
            yield Frame(line.removesuffix(b"\r"))
            continue
        length, last = len(head), head[-1:]
        while more := stream.readline(READ_CHUNK):
            if more.endswith(b"\n"):
                before = more[-2:-1] or last
                length += len(more) - 1 - (before == b"\r")
                break
            length, last = length + len(more), more[-1:]
        yield Frame(head[:max_size], length)


def datagram(payload: bytes, max_size: int = DEFAULT_MAX_SIZE) -> Frame:
    """One UDP datagram as a frame (RFC 5426: one message per datagram)."""
    if len(payload) > max_size:
        return Frame(payload[:max_size], len(payload))
    return Frame(payload)


class Deframer:
    """Incremental RFC 6587 deframing of one stream (see the module doc)."""

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.max_size = max_size
        self._buffer = bytearray()
        #: Octet counting: octets of the current message still to skip after truncation.
        self._skip = 0
        #: LF framing: the first ``max_size`` octets of a line too long, and its length so
        #: far, until its LF arrives.
        self._overflow: tuple[bytes, int] | None = None

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while self._step(frames):
            pass
        return frames

    def close(self) -> list[Frame]:
        """The end of the stream: a last LF frame without its LF is still a message; an
        octet-counted frame cut short is delivered as truncated."""
        frames: list[Frame] = []
        if self._overflow is not None:
            head, length = self._overflow
            frames.append(Frame(head, length + len(self._buffer)))
            self._overflow = None
        elif self._buffer and not self._skip:
            header = self._count_header()
            if header is not None:
                length, start = header
                body = bytes(self._buffer[start : start + self.max_size])
                frames.append(Frame(body, length))
            else:
                frames.append(self._line(bytes(self._buffer)))
        self._buffer.clear()
        self._skip = 0
        return frames

    # -- internals

    def _count_header(self) -> tuple[int, int] | None:
        """``(length, offset of the message)`` if the buffer starts an octet-counted frame."""
        digits = 0
        buffer = self._buffer
        while digits < len(buffer) and digits <= _MAX_DIGITS and 48 <= buffer[digits] <= 57:
            digits += 1
        if digits == 0 or digits > _MAX_DIGITS or buffer[0] == 48:
            return None
        if digits == len(buffer) or buffer[digits] != 32:
            return None
        return int(buffer[:digits]), digits + 1

    def _line(self, line: bytes) -> Frame:
        line = line.removesuffix(b"\r")
        if len(line) > self.max_size:
            return Frame(line[: self.max_size], len(line))
        return Frame(line)

    def _step(self, frames: list[Frame]) -> bool:
        buffer = self._buffer
        if self._skip:
            dropped = min(self._skip, len(buffer))
            del buffer[:dropped]
            self._skip -= dropped
            return bool(buffer) and not self._skip
        if not buffer:
            return False
        if self._overflow is not None:  # skipping the rest of a line that was too long
            head, length = self._overflow
            end = buffer.find(b"\n")
            if end == -1:
                self._overflow = (head, length + len(buffer))
                buffer.clear()
                return False
            cr = end > 0 and buffer[end - 1] == 13
            frames.append(Frame(head, length + end - cr))
            self._overflow = None
            del buffer[: end + 1]
            return True
        if 49 <= buffer[0] <= 57:  # a digit 1-9: octet counting if digits then SP
            digits_end = 0
            while digits_end < len(buffer) and 48 <= buffer[digits_end] <= 57:
                digits_end += 1
            if digits_end == len(buffer) and digits_end <= _MAX_DIGITS:
                return False  # wait for more: the length may go on
            header = self._count_header()
            if header is not None:
                length, start = header
                if length > self.max_size:
                    if len(buffer) - start < self.max_size:
                        return False
                    frames.append(Frame(bytes(buffer[start : start + self.max_size]), length))
                    taken = min(len(buffer), start + length)
                    self._skip = start + length - taken
                    del buffer[:taken]
                    return bool(buffer)
                if len(buffer) - start < length:
                    return False
                frames.append(Frame(bytes(buffer[start : start + length])))
                del buffer[: start + length]
                return True
        end = buffer.find(b"\n")
        if end == -1:
            if len(buffer) > self.max_size:  # keep the head, count the rest up to the LF
                self._overflow = (bytes(buffer[: self.max_size]), len(buffer))
                buffer.clear()
            return False
        frames.append(self._line(bytes(buffer[:end])))
        del buffer[: end + 1]
        return True
