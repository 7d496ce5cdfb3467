"""Driver-protocol framing on byte streams, and a serve loop for Python IUTs.

A driver frame is a 4-byte big-endian length followed by that many bytes of
deterministic CBOR (``spec/v1/prose/driver.md``). The runner reads replies
with the same limit an IUT applies to requests: a length prefix above
:data:`~spec.v1.driver.MAX_DRIVER_FRAME` is refused before anything is
allocated, so a broken peer can never make either side read gigabytes.

:func:`serve` is the whole process loop of a Python IUT: give it a function
from request payload to reply payload and it handles stdin/stdout, ``bye``
and end of input.
"""

import os
import sys
import traceback
from collections.abc import Callable
from typing import BinaryIO, Final

from reference.codec import encode_message
from spec.v1 import driver as D

PREFIX: Final = D.LENGTH_PREFIX_BYTES

EXIT_OK: Final = 0
"""``serve`` returns this after ``bye`` or a clean end of input."""
EXIT_FRAMING: Final = 2
"""``serve`` returns this when its input is not a valid frame stream (it cannot resync)."""


class FrameError(Exception):
    """The byte stream does not hold well-formed driver frames."""


class FrameTooLarge(FrameError):
    """A length prefix (or a payload to send) exceeds the frame limit."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"frame of {length} bytes exceeds the limit of {limit} bytes")
        self.length = length
        self.limit = limit


class TruncatedFrame(FrameError):
    """The stream ended inside a frame (in the prefix or in the payload)."""


def frame_length(prefix: bytes, max_size: int = D.MAX_DRIVER_FRAME) -> int:
    """The payload length a 4-byte prefix announces; :class:`FrameTooLarge` above ``max_size``."""
    if len(prefix) != PREFIX:
        raise TruncatedFrame(f"length prefix of {len(prefix)} bytes, expected {PREFIX}")
    length = int.from_bytes(prefix, "big")
    if length > max_size:
        raise FrameTooLarge(length, max_size)
    return length


def encode_frame(payload: bytes, max_size: int = D.MAX_DRIVER_FRAME) -> bytes:
    """Prefix ``payload`` with its length; refuse a payload over the limit."""
    if len(payload) > max_size:
        raise FrameTooLarge(len(payload), max_size)
    return len(payload).to_bytes(PREFIX, "big") + payload


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes: fewer only at end of stream (works on raw and buffered streams)."""
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, max_size: int = D.MAX_DRIVER_FRAME) -> bytes | None:
    """The next frame's payload, or None at a clean end of stream (before any prefix byte).

    Raises :class:`TruncatedFrame` when the stream ends inside a frame and
    :class:`FrameTooLarge` when the prefix announces more than ``max_size``
    (checked before reading the payload).
    """
    prefix = _read_exactly(stream, PREFIX)
    if not prefix:
        return None
    length = frame_length(prefix, max_size)
    payload = _read_exactly(stream, length)
    if len(payload) != length:
        raise TruncatedFrame(f"stream ended after {len(payload)} of {length} payload bytes")
    return payload


def write_frame(stream: BinaryIO, payload: bytes, max_size: int = D.MAX_DRIVER_FRAME) -> None:
    """Write one frame and flush it (the peer is waiting for it)."""
    stream.write(encode_frame(payload, max_size))
    stream.flush()


BYE: Final = encode_message(D.Bye(op="bye"))
"""The one deterministic encoding of ``bye`` (``{"op": "bye"}``)."""


def is_bye(payload: bytes) -> bool:
    """True when a request payload is ``bye``: deterministic CBOR has one encoding of it."""
    return payload == BYE


def _failure(reason: str) -> bytes:
    return encode_message(D.Failure(op="failure", reason=reason[:1024]))


def claim_stdout() -> BinaryIO:
    """Keep the real stdout for frames and send everything else written to it to stderr.

    A stray ``print`` (from the IUT or a library it uses) would otherwise
    corrupt the frame stream. After this call file descriptor 1 and
    ``sys.stdout`` both point at stderr; the returned stream is the only way
    to the runner.
    """
    sys.stdout.flush()
    frames = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return frames


def serve(
    handle_frame: Callable[[bytes], bytes],
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
) -> int:
    """Serve driver requests until ``bye`` (answered first) or end of input; return an exit code.

    ``handle_frame`` maps one request payload to one reply payload. An
    exception it raises is logged to stderr and answered with a ``failure``
    reply, so one bug fails one request, not the session. A stream that is
    not made of valid frames cannot be resynchronised: the loop logs the
    problem and returns :data:`EXIT_FRAMING`.
    """
    source = stdin if stdin is not None else sys.stdin.buffer
    sink = stdout if stdout is not None else sys.stdout.buffer
    log = stderr if stderr is not None else sys.stderr.buffer
    while True:
        try:
            payload = read_frame(source)
        except FrameError as exc:
            log.write(f"driver: bad request stream: {exc}\n".encode())
            log.flush()
            return EXIT_FRAMING
        if payload is None:
            return EXIT_OK
        try:
            reply = handle_frame(payload)
        except Exception as exc:
            log.write(traceback.format_exc().encode("utf-8", "replace"))
            log.flush()
            reply = _failure(f"{type(exc).__name__}: {exc}")
        write_frame(sink, reply)
        if is_bye(payload):
            return EXIT_OK
