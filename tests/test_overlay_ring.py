"""Overlay ids on the ring: digits, shared prefixes, distances with wrap-around, ties."""

from hypothesis import given
from hypothesis import strategies as st

from reference.overlay.ring import (
    HALF_RING,
    clockwise,
    closer,
    digit,
    distance,
    make_ref,
    proximity,
    shl,
    to_bytes,
    to_int,
)
from spec.v1.overlay.constants import DIGITS, RING

ids = st.integers(0, RING - 1)
TOP = RING - 1


def test_bytes_are_read_big_endian() -> None:
    raw = bytes(range(16))
    assert to_int(raw) == int.from_bytes(raw, "big")
    assert to_bytes(to_int(raw)) == raw
    assert to_int(b"\x80" + bytes(15)) == HALF_RING


def test_digit_zero_is_the_most_significant_nibble() -> None:
    key = to_int(bytes.fromhex("a1b2c3d4e5f60718293a4b5c6d7e8f90"))
    assert [digit(key, i) for i in range(4)] == [0xA, 0x1, 0xB, 0x2]
    assert digit(key, DIGITS - 1) == 0x0
    assert digit(key, DIGITS - 2) == 0x9


@given(ids)
def test_digits_spell_the_id(key: int) -> None:
    assert to_bytes(key).hex() == "".join(f"{digit(key, i):x}" for i in range(DIGITS))


def test_shared_prefix_length_counts_equal_leading_digits() -> None:
    a = to_int(bytes.fromhex("a1b2" + "00" * 14))
    assert shl(a, a) == DIGITS
    assert shl(a, to_int(bytes.fromhex("a1b3" + "00" * 14))) == 3
    assert shl(a, to_int(bytes.fromhex("a1c2" + "00" * 14))) == 2
    assert shl(a, to_int(bytes.fromhex("b1b2" + "00" * 14))) == 0
    assert shl(0, 1) == DIGITS - 1
    assert shl(0, 1 << 124) == 0


@given(ids, ids)
def test_shared_prefix_agrees_with_the_hex_spelling(a: int, b: int) -> None:
    ha, hb = to_bytes(a).hex(), to_bytes(b).hex()
    common = next((i for i in range(DIGITS) if ha[i] != hb[i]), DIGITS)
    assert shl(a, b) == shl(b, a) == common


def test_distance_wraps_around_the_ring() -> None:
    assert distance(0, TOP) == 1
    assert distance(TOP, 0) == 1
    assert distance(5, 10) == 5
    assert distance(0, HALF_RING) == HALF_RING
    assert distance(1, HALF_RING + 2) == HALF_RING - 1
    assert clockwise(TOP, 1) == 2
    assert clockwise(1, TOP) == RING - 2


@given(ids, ids)
def test_distance_is_symmetric_and_at_most_half_the_ring(a: int, b: int) -> None:
    assert distance(a, b) == distance(b, a) <= HALF_RING
    assert distance(a, b) == min(clockwise(a, b), clockwise(b, a))
    assert (distance(a, b) == 0) == (a == b)


def test_ties_go_to_the_numerically_smaller_id() -> None:
    key = 100
    assert closer(90, 110, key) and not closer(110, 90, key)
    # across the wrap, TOP - 9 and 10 are both 10 away from 0
    assert distance(TOP - 9, 0) == distance(10, 0) == 10
    assert closer(10, TOP - 9, 0)
    assert closer(99, 90, key)


@given(ids, ids, ids)
def test_closer_is_a_strict_total_order_per_key(a: int, b: int, key: int) -> None:
    if a != b:
        assert closer(a, b, key) != closer(b, a, key)
    else:
        assert not closer(a, b, key)


def test_proximity_is_the_squared_euclidean_distance() -> None:
    a = make_ref(bytes(16), 3, 4)
    b = make_ref(bytes(15) + b"\x01", 0, 0)
    assert proximity(a, b) == proximity(b, a) == 25
    assert proximity(a, a) == 0
