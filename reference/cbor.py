"""Deterministic CBOR: the encoder and the strict decoder of the PeerMarket profile.

The profile (``spec/v1/prose/encoding.md``) is RFC 8949 section 4.2.1
deterministic encoding restricted to integers, byte and text strings, arrays,
maps whose keys are text strings of at most 23 bytes, false, true and null.

With keys that short, every key's head is one byte, so the bytewise order of
section 4.2.1 and the length-first order of section 4.2.3 (what cbor2's
``canonical=True`` produces) coincide: cbor2 encodes, and this module checks
the profile before handing values over.

cbor2's decoder accepts non-canonical input silently, so decoding is done
here, by a small recursive parser that rejects every non-deterministic form
with its own error code and never raises anything but
:class:`~spec.v1.errors.PeerMarketError`.
"""

from collections.abc import Mapping
from typing import Final, TypeAlias

import cbor2

from spec.v1 import errors as E
from spec.v1.envelope import MAX_DEPTH, MAX_FRAME_BYTES

Value: TypeAlias = (
    int | bytes | str | bool | tuple["Value", ...] | list["Value"] | Mapping[str, "Value"] | None
)
"""What the profile can carry. Decoding gives tuples for arrays and dicts for maps."""

MAX_KEY_BYTES: Final = 23
INT_MIN: Final = -(2**64)
INT_MAX: Final = 2**64 - 1

# Smallest argument each additional-information value may carry (shortest form).
_MIN_ARG: Final = {24: 24, 25: 1 << 8, 26: 1 << 16, 27: 1 << 32}
_ARG_BYTES: Final = {24: 1, 25: 2, 26: 4, 27: 8}
_SIMPLE: Final[dict[int, bool | None]] = {20: False, 21: True, 22: None}


def encode(value: Value) -> bytes:
    """Deterministic encoding of a profile value.

    Raises :class:`PeerMarketError` (``decode.unsupported_type``,
    ``decode.bad_map_key`` or ``decode.out_of_range``) for a value the profile
    cannot carry, so nothing outside the profile is ever produced.
    """
    _check_profile(value, "", 0)
    return bytes(cbor2.dumps(value, canonical=True))


def _check_profile(value: Value, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise E.PeerMarketError(E.DECODE_TOO_DEEP, path, f"nesting deeper than {MAX_DEPTH}")
    if isinstance(value, bool) or value is None or isinstance(value, bytes | str):
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise E.PeerMarketError(E.DECODE_OUT_OF_RANGE, path, "integer outside 64-bit range")
        return
    if isinstance(value, tuple | list):
        for i, item in enumerate(value):
            _check_profile(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or len(key.encode("utf-8")) > MAX_KEY_BYTES:
                raise E.PeerMarketError(
                    E.DECODE_BAD_MAP_KEY, path, f"key {key!r} is not text of <= 23 bytes"
                )
            _check_profile(item, f"{path}.{key}" if path else key, depth + 1)
        return
    raise E.PeerMarketError(
        E.DECODE_UNSUPPORTED_TYPE, path, f"{type(value).__name__} is not in the CBOR profile"
    )


def decode(data: bytes, *, max_size: int = MAX_FRAME_BYTES) -> Value:
    """Decode exactly one deterministic CBOR item, or raise a typed error.

    Checks run in a fixed order so every implementation reports the same code:
    the size limit first, then a left-to-right scan that stops at the first
    byte that breaks a rule, then trailing bytes.
    """
    if len(data) > max_size:
        raise E.PeerMarketError(
            E.DECODE_TOO_LARGE, "@0", f"frame of {len(data)} bytes exceeds {max_size}"
        )
    if not data:
        raise E.PeerMarketError(E.DECODE_MALFORMED, "@0", "empty frame")
    value, end = _item(bytes(data), 0, 0)
    if end != len(data):
        raise E.PeerMarketError(
            E.DECODE_TRAILING_BYTES, f"@{end}", f"{len(data) - end} bytes after the item"
        )
    return value


def _fail(code: E.ErrorCode, pos: int, reason: str) -> E.PeerMarketError:
    return E.PeerMarketError(code, f"@{pos}", reason)


def _head(data: bytes, pos: int) -> tuple[int, int, int, int]:
    """Parse a head at ``pos``: (major type, additional info, argument, next position)."""
    ib = data[pos]
    major, ai = ib >> 5, ib & 0x1F
    if ai < 24:
        return major, ai, ai, pos + 1
    if ai >= 28:
        if ai == 31:
            if major in (2, 3, 4, 5):
                raise _fail(E.DECODE_INDEFINITE_LENGTH, pos, "indefinite length")
            what = "break outside an indefinite-length item" if major == 7 else "ai 31"
            raise _fail(E.DECODE_MALFORMED, pos, f"{what} (major type {major})")
        raise _fail(E.DECODE_MALFORMED, pos, f"reserved additional information {ai}")
    size = _ARG_BYTES[ai]
    end = pos + 1 + size
    if end > len(data):
        raise _fail(E.DECODE_MALFORMED, pos, "truncated head")
    arg = int.from_bytes(data[pos + 1 : end], "big")
    if major == 7:
        return major, ai, arg, end
    if arg < _MIN_ARG[ai]:
        raise _fail(E.DECODE_NON_CANONICAL, pos, f"argument {arg} not in its shortest form")
    return major, ai, arg, end


def _item(data: bytes, pos: int, depth: int) -> tuple[Value, int]:
    if pos >= len(data):
        raise _fail(E.DECODE_MALFORMED, pos, "truncated: item expected")
    major, ai, arg, pos2 = _head(data, pos)
    if major == 0:
        return arg, pos2
    if major == 1:
        return -1 - arg, pos2
    if major in (2, 3):
        end = pos2 + arg
        if end > len(data):
            raise _fail(E.DECODE_MALFORMED, pos, f"string of {arg} bytes is truncated")
        raw = data[pos2:end]
        if major == 2:
            return raw, end
        try:
            return raw.decode("utf-8"), end
        except UnicodeDecodeError:
            raise _fail(E.DECODE_MALFORMED, pos, "text string is not valid UTF-8") from None
    if major == 4:
        return _array(data, pos, pos2, arg, depth)
    if major == 5:
        return _map(data, pos, pos2, arg, depth)
    if major == 6:
        raise _fail(E.DECODE_UNSUPPORTED_TYPE, pos, f"tag {arg} is not in the profile")
    return _simple(pos, ai, arg), pos2


def _simple(pos: int, ai: int, arg: int) -> bool | None:
    if ai in _SIMPLE:
        return _SIMPLE[ai]
    if ai == 24 and arg < 32:
        raise _fail(E.DECODE_MALFORMED, pos, f"simple value {arg} in two-byte form")
    if ai in (25, 26, 27):
        raise _fail(E.DECODE_UNSUPPORTED_TYPE, pos, "floating-point values are not in the profile")
    raise _fail(E.DECODE_UNSUPPORTED_TYPE, pos, f"simple value {arg} is not in the profile")


def _enter(pos: int, depth: int, count: int, min_bytes: int, remaining: int) -> None:
    if depth + 1 > MAX_DEPTH:
        raise _fail(E.DECODE_TOO_DEEP, pos, f"nesting deeper than {MAX_DEPTH}")
    if count * min_bytes > remaining:
        raise _fail(E.DECODE_MALFORMED, pos, f"{count} elements cannot fit in {remaining} bytes")


def _array(data: bytes, start: int, pos: int, count: int, depth: int) -> tuple[Value, int]:
    _enter(start, depth, count, 1, len(data) - pos)
    items: list[Value] = []
    for _ in range(count):
        item, pos = _item(data, pos, depth + 1)
        items.append(item)
    return tuple(items), pos


def _map(data: bytes, start: int, pos: int, count: int, depth: int) -> tuple[Value, int]:
    _enter(start, depth, count, 2, len(data) - pos)
    result: dict[str, Value] = {}
    previous = b""
    for _ in range(count):
        key_pos = pos
        key, pos = _item(data, pos, depth + 1)
        raw_key = data[key_pos:pos]
        if not isinstance(key, str):
            raise _fail(E.DECODE_BAD_MAP_KEY, key_pos, "map key is not a text string")
        if len(raw_key) - 1 > MAX_KEY_BYTES:
            raise _fail(E.DECODE_BAD_MAP_KEY, key_pos, f"map key {key!r} exceeds 23 bytes")
        if raw_key == previous:
            raise _fail(E.DECODE_DUPLICATE_KEY, key_pos, f"duplicate map key {key!r}")
        if raw_key < previous:
            raise _fail(E.DECODE_UNSORTED_KEYS, key_pos, f"map key {key!r} out of order")
        previous = raw_key
        result[key], pos = _item(data, pos, depth + 1)
    return result, pos
