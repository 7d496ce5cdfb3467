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

from collections.abc import Iterable, Mapping
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
    ``decode.bad_map_key``, ``decode.out_of_range`` or ``decode.too_deep``) for a
    value the profile cannot carry, so nothing outside the profile is ever produced.
    """
    try:
        _check_profile(value, 0)
    except _OutsideProfile as bad:
        raise E.PeerMarketError(bad.code, _path(reversed(bad.where)), bad.reason) from None
    return bytes(cbor2.dumps(value, canonical=True))


class _OutsideProfile(Exception):
    """Raised by the profile check; ``where`` collects the path innermost first on the way out,
    so the check builds no path strings unless it fails."""

    def __init__(self, code: E.ErrorCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.where: list[int | str] = []


def _path(parts: Iterable[int | str]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else part
    return path


def _check_profile(value: Value, depth: int) -> None:
    if isinstance(value, bytes | bool) or value is None:
        return
    if isinstance(value, str):
        if not value.isascii():
            _utf8(value)
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise _OutsideProfile(E.DECODE_OUT_OF_RANGE, "integer outside 64-bit range")
        return
    if isinstance(value, tuple | list):
        _check_depth(depth)
        for i, item in enumerate(value):
            try:
                _check_profile(item, depth + 1)
            except _OutsideProfile as bad:
                bad.where.append(i)
                raise
        return
    if isinstance(value, Mapping):
        _check_depth(depth)
        for key, item in value.items():
            if not isinstance(key, str) or (
                (len(key) if key.isascii() else len(_utf8(key))) > MAX_KEY_BYTES
            ):
                raise _OutsideProfile(
                    E.DECODE_BAD_MAP_KEY, f"key {key!r} is not text of <= 23 bytes"
                )
            try:
                _check_profile(item, depth + 1)
            except _OutsideProfile as bad:
                bad.where.append(key)
                raise
        return
    raise _OutsideProfile(
        E.DECODE_UNSUPPORTED_TYPE, f"{type(value).__name__} is not in the CBOR profile"
    )


def _check_depth(depth: int) -> None:
    """The same bound as the decoder's: a container at ``depth`` is container ``depth + 1``."""
    if depth + 1 > MAX_DEPTH:
        raise _OutsideProfile(E.DECODE_TOO_DEEP, f"nesting deeper than {MAX_DEPTH}")


def _utf8(text: str) -> bytes:
    """UTF-8 of a str; a lone surrogate has none, so it is not a CBOR text string."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise _OutsideProfile(
            E.DECODE_UNSUPPORTED_TYPE, "text with a lone surrogate has no UTF-8 encoding"
        ) from None


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
    data = bytes(data)
    value, end = _item(data, 0, 0, len(data))
    if end != len(data):
        raise E.PeerMarketError(
            E.DECODE_TRAILING_BYTES, f"@{end}", f"{len(data) - end} bytes after the item"
        )
    return value


# The scan below is written for speed (it runs on every frame a node receives): heads with
# an immediate argument are parsed inline, and map keys that are short text strings (the
# only keys the profile allows) take a fast path. The order of the checks is that of the
# encoding prose's "Decoder check order" and must not change.


def _fail(code: E.ErrorCode, pos: int, reason: str) -> E.PeerMarketError:
    return E.PeerMarketError(code, f"@{pos}", reason)


def _long_head(data: bytes, pos: int, major: int, ai: int, n: int) -> tuple[int, int]:
    """The argument and end of a head whose additional information is 24 or more."""
    if ai >= 28:
        if ai == 31:
            if 2 <= major <= 5:
                raise _fail(E.DECODE_INDEFINITE_LENGTH, pos, "indefinite length")
            what = "break outside an indefinite-length item" if major == 7 else "ai 31"
            raise _fail(E.DECODE_MALFORMED, pos, f"{what} (major type {major})")
        raise _fail(E.DECODE_MALFORMED, pos, f"reserved additional information {ai}")
    end = pos + 1 + _ARG_BYTES[ai]
    if end > n:
        raise _fail(E.DECODE_MALFORMED, pos, "truncated head")
    arg = int.from_bytes(data[pos + 1 : end], "big")
    if major != 7 and arg < _MIN_ARG[ai]:
        raise _fail(E.DECODE_NON_CANONICAL, pos, f"argument {arg} not in its shortest form")
    return arg, end


def _item(data: bytes, pos: int, depth: int, n: int) -> tuple[Value, int]:
    if pos >= n:
        raise _fail(E.DECODE_MALFORMED, pos, "truncated: item expected")
    ib = data[pos]
    major = ib >> 5
    ai = ib & 0x1F
    if ai < 24:
        arg = ai
        nxt = pos + 1
    else:
        arg, nxt = _long_head(data, pos, major, ai, n)
    if major == 2 or major == 3:
        end = nxt + arg
        if end > n:
            raise _fail(E.DECODE_MALFORMED, pos, f"string of {arg} bytes is truncated")
        if major == 2:
            return data[nxt:end], end
        try:
            return data[nxt:end].decode("utf-8"), end
        except UnicodeDecodeError:
            raise _fail(E.DECODE_MALFORMED, pos, "text string is not valid UTF-8") from None
    if major == 0:
        return arg, nxt
    if major == 1:
        return -1 - arg, nxt
    if major == 5:
        return _map(data, pos, nxt, arg, depth, n)
    if major == 4:
        return _array(data, pos, nxt, arg, depth, n)
    if major == 6:
        raise _fail(E.DECODE_UNSUPPORTED_TYPE, pos, f"tag {arg} is not in the profile")
    return _simple(pos, ai, arg), nxt


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


def _array(data: bytes, start: int, pos: int, count: int, depth: int, n: int) -> tuple[Value, int]:
    _enter(start, depth, count, 1, n - pos)
    items: list[Value] = []
    inner = depth + 1
    for _ in range(count):
        item, pos = _item(data, pos, inner, n)
        items.append(item)
    return tuple(items), pos


def _map(data: bytes, start: int, pos: int, count: int, depth: int, n: int) -> tuple[Value, int]:
    _enter(start, depth, count, 2, n - pos)
    result: dict[str, Value] = {}
    previous = b""
    inner = depth + 1
    for _ in range(count):
        key_pos = pos
        kb = data[pos] if pos < n else 0
        if 0x60 <= kb <= 0x77:
            # A text key of 0..23 bytes: its head is one byte, so it cannot be non-canonical,
            # too long or anything but text.
            pos += kb - 0x5F
            if pos > n:
                raise _fail(
                    E.DECODE_MALFORMED, key_pos, f"string of {kb - 0x60} bytes is truncated"
                )
            try:
                key = data[key_pos + 1 : pos].decode("utf-8")
            except UnicodeDecodeError:
                raise _fail(E.DECODE_MALFORMED, key_pos, "text string is not valid UTF-8") from None
        else:
            any_key, pos = _item(data, key_pos, inner, n)
            if not isinstance(any_key, str):
                raise _fail(E.DECODE_BAD_MAP_KEY, key_pos, "map key is not a text string")
            key = any_key
            if pos - key_pos - 1 > MAX_KEY_BYTES:
                raise _fail(E.DECODE_BAD_MAP_KEY, key_pos, f"map key {key!r} exceeds 23 bytes")
        raw_key = data[key_pos:pos]
        if raw_key <= previous:
            if raw_key == previous:
                raise _fail(E.DECODE_DUPLICATE_KEY, key_pos, f"duplicate map key {key!r}")
            raise _fail(E.DECODE_UNSORTED_KEYS, key_pos, f"map key {key!r} out of order")
        previous = raw_key
        # Inline fast paths for the commonest values (small integers, short byte strings);
        # anything else, and every error, goes through _item.
        ib = data[pos] if pos < n else 0xFF
        if ib < 0x18:
            result[key] = ib
            pos += 1
        elif 0x40 <= ib <= 0x57 and pos + 1 + ib - 0x40 <= n:
            end = pos + 1 + ib - 0x40
            result[key] = data[pos + 1 : end]
            pos = end
        elif ib == 0x58 and pos + 1 < n and data[pos + 1] >= 24 and pos + 2 + data[pos + 1] <= n:
            end = pos + 2 + data[pos + 1]
            result[key] = data[pos + 2 : end]
            pos = end
        else:
            result[key], pos = _item(data, pos, inner, n)
    return result, pos
