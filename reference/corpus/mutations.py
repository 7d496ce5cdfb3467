"""Byte-level CBOR building blocks for hand-written negative cases.

:func:`reference.cbor.encode` can only produce deterministic CBOR, which is
exactly what a negative case must not be. These helpers write heads, strings,
arrays and maps with an explicit argument width, indefinite lengths, tags,
floats and break codes, and :class:`RawMap` keeps a map as an ordered list of
already-encoded (key, value) pairs, so a case can change exactly one thing
(one head, one key's position, one value) and leave every other byte as the
deterministic encoder wrote it.
"""

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from reference import cbor

BREAK: Final = b"\xff"
"""The break code that ends an indefinite-length item."""

_WIDTH_AI: Final = {1: 24, 2: 25, 4: 26, 8: 27}


class MutationError(Exception):
    """A case asked for something the helpers cannot build (a generator bug)."""


def head(major: int, arg: int, width: int | None = None) -> bytes:
    """A head of ``major`` carrying ``arg``.

    ``width`` is the number of argument bytes after the initial byte: ``0``
    puts the argument in the initial byte (only for arguments below 24),
    ``1``, ``2``, ``4`` or ``8`` force that width even when a shorter one would
    do (a non-shortest form), ``None`` picks the shortest (the canonical form).
    """
    if not 0 <= major <= 7:
        raise MutationError(f"major type {major}")
    if width is None:
        width = _shortest_width(arg)
    if width == 0:
        if arg >= 24:
            raise MutationError(f"argument {arg} does not fit in the initial byte")
        return bytes([major << 5 | arg])
    ai = _WIDTH_AI.get(width)
    if ai is None or arg >= 1 << (8 * width):
        raise MutationError(f"argument {arg} does not fit in {width} bytes")
    return bytes([major << 5 | ai]) + arg.to_bytes(width, "big")


def _shortest_width(arg: int) -> int:
    if arg < 24:
        return 0
    for width in (1, 2, 4, 8):
        if arg < 1 << (8 * width):
            return width
    raise MutationError(f"argument {arg} exceeds 64 bits")


def uint(value: int, width: int | None = None) -> bytes:
    """An unsigned integer (major type 0)."""
    return head(0, value, width)


def nint(value: int, width: int | None = None) -> bytes:
    """A negative integer (major type 1); ``value`` is the integer itself, e.g. ``-1``."""
    if value >= 0:
        raise MutationError(f"{value} is not negative")
    return head(1, -1 - value, width)


def bstr(data: bytes, width: int | None = None) -> bytes:
    """A definite-length byte string."""
    return head(2, len(data), width) + data


def tstr(text: str, width: int | None = None) -> bytes:
    """A definite-length text string (UTF-8)."""
    raw = text.encode("utf-8")
    return head(3, len(raw), width) + raw


def text_bytes(raw: bytes, width: int | None = None) -> bytes:
    """A definite-length text string holding exactly ``raw``, valid UTF-8 or not."""
    return head(3, len(raw), width) + raw


def indefinite_bstr(chunks: Sequence[bytes]) -> bytes:
    """An indefinite-length byte string made of definite chunks."""
    return b"\x5f" + b"".join(bstr(c) for c in chunks) + BREAK


def indefinite_tstr(chunks: Sequence[str]) -> bytes:
    """An indefinite-length text string made of definite chunks."""
    return b"\x7f" + b"".join(tstr(c) for c in chunks) + BREAK


def array(items: Sequence[bytes], width: int | None = None) -> bytes:
    """A definite-length array of already-encoded items."""
    return head(4, len(items), width) + b"".join(items)


def indefinite_array(items: Sequence[bytes]) -> bytes:
    """An indefinite-length array of already-encoded items."""
    return b"\x9f" + b"".join(items) + BREAK


def nested_arrays(levels: int, core: bytes) -> bytes:
    """``core`` wrapped in ``levels`` one-element arrays."""
    return b"\x81" * levels + core


def tag(number: int, item: bytes) -> bytes:
    """A tagged item (major type 6)."""
    return head(6, number) + item


def simple(value: int, width: int | None = None) -> bytes:
    """The simple value ``value`` (major type 7): ``f4`` false, ``f7`` undefined, ``f8 20``...

    ``width=1`` forces the two-byte form ``f8 xx`` even below 32, which RFC 8949
    section 3.3 makes not well-formed.
    """
    if not 0 <= value <= 0xFF or (value in range(24, 32) and width is None):
        raise MutationError(f"simple value {value} has no one-byte or two-byte form")
    return head(7, value, width)


# The float helpers take an integer: a negative case only ever writes an integral value as a
# float (a float where the profile wants an integer), and reference/ keeps floats out of its
# signatures. ``float()`` converts at the last moment, for ``struct`` to pack.


def float16(value: int) -> bytes:
    """``value`` as a half-precision float (``f9``)."""
    return b"\xf9" + struct.pack(">e", float(value))


def float32(value: int) -> bytes:
    """``value`` as a single-precision float (``fa``)."""
    return b"\xfa" + struct.pack(">f", float(value))


def float64(value: int) -> bytes:
    """``value`` as a double-precision float (``fb``)."""
    return b"\xfb" + struct.pack(">d", float(value))


def enc(value: cbor.Value) -> bytes:
    """The deterministic encoding of a profile value."""
    return cbor.encode(value)


@dataclass(frozen=True)
class RawMap:
    """A map as ordered, already-encoded (key, value) pairs: edit one pair, keep the rest."""

    entries: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def canonical(cls, value: Mapping[str, cbor.Value]) -> "RawMap":
        """The pairs of ``value`` in deterministic order (bytewise order of encoded keys)."""
        pairs = sorted((enc(k), enc(v)) for k, v in value.items())
        raw = cls(tuple(pairs))
        if raw.encode() != enc(dict(value)):
            raise MutationError("RawMap.canonical disagrees with the deterministic encoder")
        return raw

    def _index(self, key: str) -> int:
        wanted = enc(key)
        for i, (k, _) in enumerate(self.entries):
            if k == wanted:
                return i
        raise MutationError(f"no key {key!r}")

    def value(self, key: str) -> bytes:
        """The encoded value under ``key``."""
        return self.entries[self._index(key)][1]

    def replace(self, key: str, value: bytes) -> "RawMap":
        """Replace the encoded value under ``key``, keeping its position."""
        i = self._index(key)
        entries = list(self.entries)
        entries[i] = (entries[i][0], value)
        return RawMap(tuple(entries))

    def rekey(self, key: str, raw_key: bytes) -> "RawMap":
        """Replace the encoded key ``key`` by ``raw_key``, keeping position and value."""
        i = self._index(key)
        entries = list(self.entries)
        entries[i] = (raw_key, entries[i][1])
        return RawMap(tuple(entries))

    def drop(self, key: str) -> "RawMap":
        """Remove the pair under ``key``."""
        i = self._index(key)
        return RawMap(self.entries[:i] + self.entries[i + 1 :])

    def insert_sorted(self, raw_key: bytes, value: bytes) -> "RawMap":
        """Add a pair at its bytewise-sorted position (so the order stays deterministic)."""
        return RawMap(tuple(sorted((*self.entries, (raw_key, value)))))

    def insert_at(self, index: int, raw_key: bytes, value: bytes) -> "RawMap":
        """Add a pair at ``index``, whatever the order."""
        entries = list(self.entries)
        entries.insert(index, (raw_key, value))
        return RawMap(tuple(entries))

    def duplicate(self, key: str, value: bytes | None = None) -> "RawMap":
        """Repeat ``key`` right after itself (with ``value``, or the same value)."""
        i = self._index(key)
        k, v = self.entries[i]
        return self.insert_at(i + 1, k, v if value is None else value)

    def swap(self, first: str, second: str) -> "RawMap":
        """Exchange the positions of two pairs."""
        i, j = self._index(first), self._index(second)
        entries = list(self.entries)
        entries[i], entries[j] = entries[j], entries[i]
        return RawMap(tuple(entries))

    def reorder(self, keys: Sequence[str]) -> "RawMap":
        """The same pairs in the order of ``keys`` (which must name every pair once)."""
        if sorted(keys) != sorted(set(keys)) or len(keys) != len(self.entries):
            raise MutationError("reorder must name every key exactly once")
        return RawMap(tuple(self.entries[self._index(k)] for k in keys))

    def body(self) -> bytes:
        """The concatenated pairs, without a head."""
        return b"".join(k + v for k, v in self.entries)

    def encode(self, width: int | None = None) -> bytes:
        """A definite-length map (head width as in :func:`head`)."""
        return head(5, len(self.entries), width) + self.body()

    def encode_indefinite(self) -> bytes:
        """An indefinite-length map of the same pairs."""
        return b"\xbf" + self.body() + BREAK

    def offset_of_value(self, key: str, width: int | None = None) -> int:
        """Byte offset of the value under ``key`` in :meth:`encode` (for error positions)."""
        offset = len(head(5, len(self.entries), width))
        for k, v in self.entries:
            if k == enc(key):
                return offset + len(k)
            offset += len(k) + len(v)
        raise MutationError(f"no key {key!r}")

    def offset_of_entry(self, index: int, width: int | None = None) -> int:
        """Byte offset of the ``index``-th key in :meth:`encode`."""
        offset = len(head(5, len(self.entries), width))
        return offset + sum(len(k) + len(v) for k, v in self.entries[:index])

    def offset_of_key(self, key: str, width: int | None = None) -> int:
        """Byte offset of the key ``key`` in :meth:`encode`."""
        return self.offset_of_value(key, width) - len(enc(key))
