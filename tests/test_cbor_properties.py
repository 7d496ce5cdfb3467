"""Properties of the CBOR profile: byte-exact round trips, an independent RFC 8949 encoder,
the size and depth limits, and typed errors (never a crash) for any input.
"""

from typing import Any

import pytest
from cbor_kit import (  # tests/ is on sys.path under pytest
    DOCUMENTS,
    THOROUGH,
    VALUES,
    assert_rejected,
    decode_error,
    head,
    normalise,
    same,
)
from hypothesis import example, given
from hypothesis import strategies as st

from reference import cbor
from spec.v1 import errors as E
from spec.v1.envelope import MAX_DEPTH, MAX_FRAME_BYTES


@THOROUGH
@given(VALUES)
def test_encode_decode_encode_is_byte_exact(value: Any) -> None:
    data = cbor.encode(value)
    decoded = cbor.decode(data)
    assert same(decoded, normalise(value))
    assert cbor.encode(decoded) == data


def independent_encode(value: Any) -> bytes:
    """RFC 8949 section 4.2.1 written out again: shortest heads, keys sorted bytewise."""
    if value is False or value is True or value is None:
        return {False: b"\xf4", True: b"\xf5", None: b"\xf6"}[value]
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return head(3, len(raw)) + raw
    if isinstance(value, list | tuple):
        return head(4, len(value)) + b"".join(independent_encode(v) for v in value)
    entries = sorted(independent_encode(k) + independent_encode(v) for k, v in value.items())
    return head(5, len(value)) + b"".join(entries)


@given(VALUES)
def test_encoding_matches_an_independent_rfc8949_encoder(value: Any) -> None:
    assert cbor.encode(value) == independent_encode(value)


def test_map_keys_sort_bytewise() -> None:
    # "b" < "aa" bytewise (0x61 0x62 < 0x62 0x61 0x61) and length-first: the two orders agree.
    assert cbor.encode({"aa": 1, "b": 2}).hex() == "a261620262616101"
    assert cbor.encode({"b": 1, "a": 2}).hex() == "a2616102616201"


def test_encode_rejects_values_outside_the_profile() -> None:
    cases: list[tuple[Any, E.ErrorCode]] = [
        (1.0, E.DECODE_UNSUPPORTED_TYPE),
        (bytearray(b"x"), E.DECODE_UNSUPPORTED_TYPE),
        ({1, 2}, E.DECODE_UNSUPPORTED_TYPE),
        ({1: 2}, E.DECODE_BAD_MAP_KEY),
        ({"k" * 24: 0}, E.DECODE_BAD_MAP_KEY),
        ({"é" * 12: 0}, E.DECODE_BAD_MAP_KEY),  # 12 characters, 24 bytes
        (2**64, E.DECODE_OUT_OF_RANGE),
        (-(2**64) - 1, E.DECODE_OUT_OF_RANGE),
        ((1, [2, {"a": 3.5}]), E.DECODE_UNSUPPORTED_TYPE),
    ]
    for value, code in cases:
        with pytest.raises(E.PeerMarketError) as info:
            cbor.encode(value)
        assert info.value.code == code, value
    assert cbor.encode({"é" * 11: 0})  # 22 bytes: inside the discipline


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb"])
def test_encode_rejects_unencodable_text_with_a_typed_error(text: str) -> None:
    """Lone surrogates cannot be UTF-8: a typed error, not a UnicodeEncodeError."""
    for value in (text, {text: 1}, (1, text), {"a": [text]}):
        with pytest.raises(E.PeerMarketError) as info:
            cbor.encode(value)
        assert info.value.code == E.DECODE_UNSUPPORTED_TYPE


# --------------------------------------------------------------------------------------------
# Limits


@given(st.integers(MAX_FRAME_BYTES - 2, MAX_FRAME_BYTES + 64))
def test_oversize_frame_is_too_large(length: int) -> None:
    # A valid item, and one that breaks every other rule: the size limit is checked first.
    big = cbor.encode(b"\x00" * length)
    assert len(big) > MAX_FRAME_BYTES
    assert_rejected(big, E.DECODE_TOO_LARGE)
    assert_rejected(b"\x1c" * len(big), E.DECODE_TOO_LARGE)


def test_size_limit_boundary_and_parameter() -> None:
    at_limit = cbor.encode(b"\x00" * (MAX_FRAME_BYTES - 3))
    assert len(at_limit) == MAX_FRAME_BYTES
    assert cbor.decode(at_limit) == b"\x00" * (MAX_FRAME_BYTES - 3)
    assert decode_error(b"\x83\x01\x02\x03", max_size=3).code == E.DECODE_TOO_LARGE
    assert cbor.decode(b"\x83\x01\x02\x03", max_size=4) == (1, 2, 3)


def nested(depth: int, kind: str) -> Any:
    value: Any = 0
    for i in range(depth):
        value = (value,) if kind == "array" or i % 2 else {"k": value}
    return value


@pytest.mark.parametrize("kind", ["array", "mixed"])
def test_nesting_limit(kind: str) -> None:
    ok = cbor.encode(nested(MAX_DEPTH, kind))
    assert cbor.decode(ok) == nested(MAX_DEPTH, kind)
    deep = b"\x81" + ok  # one more container around it
    assert_rejected(deep, E.DECODE_TOO_DEEP)
    with pytest.raises(E.PeerMarketError) as info:
        cbor.encode(nested(MAX_DEPTH + 1, kind))
    assert info.value.code == E.DECODE_TOO_DEEP


def test_encoder_and_decoder_agree_on_the_depth_limit_for_empty_containers() -> None:
    """MAX_DEPTH counts containers: 17 nested empty arrays are too deep on both sides."""
    value: Any = ()
    for _ in range(MAX_DEPTH - 1):
        value = (value,)
    assert cbor.decode(cbor.encode(value)) == value  # 16 containers
    with pytest.raises(E.PeerMarketError) as info:
        cbor.encode((value,))  # 17 containers
    assert info.value.code == E.DECODE_TOO_DEEP
    assert_rejected(b"\x81" * MAX_DEPTH + b"\x80", E.DECODE_TOO_DEEP)
    assert_rejected(b"\xa1\x61k" * MAX_DEPTH + b"\xa0", E.DECODE_TOO_DEEP)


def test_hostile_depth_does_not_recurse_without_bound() -> None:
    assert_rejected(b"\x81" * (MAX_FRAME_BYTES - 1) + b"\x00", E.DECODE_TOO_DEEP)
    assert_rejected(b"\x9f" * 10_000, E.DECODE_INDEFINITE_LENGTH)


# --------------------------------------------------------------------------------------------
# Any input: a canonical value or a typed error


@THOROUGH
@given(st.binary(max_size=64))
@example(b"")
@example(b"\xff")
@example(b"\x5f\x41\x00\xff")
def test_random_bytes_decode_or_raise_a_typed_error(data: bytes) -> None:
    try:
        value = cbor.decode(data)
    except E.PeerMarketError as exc:
        assert exc.code.category == "decode"
    else:  # only canonical encodings are accepted
        assert cbor.encode(value) == data


@THOROUGH
@given(DOCUMENTS, st.data())
def test_corrupted_encodings_decode_canonically_or_raise_a_typed_error(
    doc: Any, data: st.DataObject
) -> None:
    enc = bytearray(cbor.encode(doc))
    for _ in range(data.draw(st.integers(1, 3))):
        enc[data.draw(st.integers(0, len(enc) - 1))] = data.draw(st.integers(0, 255))
    try:
        value = cbor.decode(bytes(enc))
    except E.PeerMarketError as exc:
        assert exc.code.category == "decode"
    else:
        assert cbor.encode(value) == bytes(enc)


@pytest.mark.parametrize(
    ("value", "code", "field"),
    [
        ((1, {"a": [2, 1.5]}), E.DECODE_UNSUPPORTED_TYPE, "[1].a[1]"),
        ({"x": {"y": {1: 2}}}, E.DECODE_BAD_MAP_KEY, "x.y"),
        ({"k": 2**64}, E.DECODE_OUT_OF_RANGE, "k"),
        ([[{"b": set()}]], E.DECODE_UNSUPPORTED_TYPE, "[0][0].b"),
        (1.5, E.DECODE_UNSUPPORTED_TYPE, ""),
        ({"a" * 24: 1}, E.DECODE_BAD_MAP_KEY, ""),
        ({"s": ("ok", "\ud800")}, E.DECODE_UNSUPPORTED_TYPE, "s[1]"),
    ],
)
def test_encode_errors_name_the_path(value: Any, code: E.ErrorCode, field: str) -> None:
    with pytest.raises(E.PeerMarketError) as info:
        cbor.encode(value)
    assert (info.value.code, info.value.field) == (code, field)
