"""Shared pieces of the CBOR tests: typed-error helpers, value strategies, and an independent
walker and head writer over valid encodings (it knows nothing of ``reference.cbor``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from reference import cbor
from spec.v1 import errors as E


def decode_error(data: bytes, **kwargs: Any) -> E.PeerMarketError:
    """The typed error ``data`` must raise; fails the test if it decodes or raises anything else."""
    try:
        value = cbor.decode(data, **kwargs)
    except E.PeerMarketError as exc:
        return exc
    pytest.fail(f"{data.hex()} was accepted as {value!r}")


def assert_rejected(data: bytes, code: E.ErrorCode) -> None:
    exc = decode_error(data)
    assert exc.code == code, f"{data.hex()}: expected {code}, got {exc.code} ({exc})"


def normalise(value: Any) -> Any:
    """What ``decode`` returns for a value: arrays become tuples, maps dicts."""
    if isinstance(value, list | tuple):
        return tuple(normalise(v) for v in value)
    if isinstance(value, Mapping):
        return {k: normalise(v) for k, v in value.items()}
    return value


def same(a: Any, b: Any) -> bool:
    """Equality that also tells bool from int and tuple from list (``True == 1`` in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


THOROUGH = settings(max_examples=300)  # the central properties get more examples than the default

BOUNDARY_INTS = [
    0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1,
    -1, -24, -25, -256, -257, -65536, -65537, -(2**32), -(2**32) - 1, -(2**64),
]  # fmt: skip
INTS = st.one_of(
    st.sampled_from(BOUNDARY_INTS), st.integers(min_value=cbor.INT_MIN, max_value=cbor.INT_MAX)
)
KEYS = st.text(max_size=23).filter(lambda k: len(k.encode("utf-8")) <= cbor.MAX_KEY_BYTES)
LEAVES = st.one_of(st.none(), st.booleans(), INTS, st.binary(max_size=40), st.text(max_size=30))


def values(depth: int) -> st.SearchStrategy[Any]:
    """Profile values nested at most ``depth`` containers deep."""
    if depth == 0:
        return LEAVES
    inner = values(depth - 1)
    return st.one_of(
        LEAVES,
        st.lists(inner, max_size=4).map(tuple),
        st.lists(inner, max_size=3),
        st.dictionaries(KEYS, inner, max_size=4),
    )


VALUES = values(4)
# A document always holds an integer, a byte string and a map with two or more entries, so
# every mutation in test_cbor_mutators has somewhere to apply.
DOCUMENTS = st.tuples(
    INTS, st.binary(max_size=30), st.dictionaries(KEYS, VALUES, min_size=2, max_size=4), VALUES
)


@dataclass(frozen=True)
class Span:
    """One item of a valid encoding."""

    start: int
    head_end: int
    end: int
    major: int
    ai: int
    arg: int
    entries: tuple[tuple[int, int], ...] = ()  # maps: (start, end) of each key/value pair


ARG_WIDTH = {24: 1, 25: 2, 26: 4, 27: 8}
"""Bytes of argument after the initial byte, by additional information."""


def walk(data: bytes, whole: bool = True) -> list[Span]:
    """Every item of a valid encoding, in document order (``whole=False``: the first item's)."""
    out: list[Span] = []

    def item(pos: int) -> int:
        ib = data[pos]
        major, ai = ib >> 5, ib & 0x1F
        if ai < 24:
            arg, head_end = ai, pos + 1
        else:
            head_end = pos + 1 + ARG_WIDTH[ai]
            arg = int.from_bytes(data[pos + 1 : head_end], "big")
        slot = len(out)
        out.append(Span(pos, head_end, head_end, major, ai, arg))
        end = head_end
        entries: list[tuple[int, int]] = []
        if major in (2, 3):
            end = head_end + arg
        elif major == 4:
            for _ in range(arg):
                end = item(end)
        elif major == 5:
            for _ in range(arg):
                start = end
                end = item(item(end))
                entries.append((start, end))
        out[slot] = Span(pos, head_end, end, major, ai, arg, tuple(entries))
        return end

    end = item(0)
    assert end == len(data) or not whole
    return out


def head(major: int, arg: int, ai: int | None = None) -> bytes:
    """A head with the given additional information (shortest form when ``ai`` is None)."""
    if ai is None:
        ai = arg if arg < 24 else next(a for a in (24, 25, 26, 27) if arg < 256 ** ARG_WIDTH[a])
    if ai < 24:
        assert arg == ai
        return bytes([major << 5 | ai])
    return bytes([major << 5 | ai]) + arg.to_bytes(ARG_WIDTH[ai], "big")


def replace(data: bytes, start: int, end: int, new: bytes) -> bytes:
    return data[:start] + new + data[end:]
