"""Ids on the ring: 128-bit integers, their base-16 digits, distances and proximity.

Inside the reference an id is a Python ``int`` (the big-endian reading of the
16 id bytes) and a node reference is a :data:`Ref` tuple ``(id, x, y, wire)``: plain
ints and tuples keep the hot paths (consider, next_hop) fast. Collections of
refs are ordered by explicit keys (id, distance, proximity), never by the
tuples themselves. Bytes appear only on the wire.
"""

from typing import Final

from spec.v1.overlay.constants import BASE, DIGIT_BITS, DIGITS, ID_BITS, RING
from spec.v1.overlay.refs import NodeRef
from spec.v1.types import ID_BYTES

Ref = tuple[int, int, int, NodeRef]
"""A node reference: ``(id, x, y, wire)``: the id as an int, the proximity coordinates,
and the :class:`NodeRef` it came from (kept so that sending it on costs nothing)."""

HALF_RING: Final = RING >> 1
_MASK: Final = RING - 1
_TOP_SHIFT: Final = ID_BITS - DIGIT_BITS
_DIGIT_MASK: Final = BASE - 1


def to_int(node_id: bytes) -> int:
    """The ring position of a 16-byte id (big-endian)."""
    return int.from_bytes(node_id, "big")


def to_bytes(position: int) -> bytes:
    """The 16 id bytes of a ring position."""
    return position.to_bytes(ID_BYTES, "big")


def ref_of(wire: NodeRef) -> Ref:
    """The internal reference of a wire :class:`NodeRef`."""
    return (int.from_bytes(wire.id, "big"), wire.x, wire.y, wire)


def make_ref(node_id: bytes, x: int, y: int) -> Ref:
    """A reference built from its parts (validated: raises on a bad id or coordinate)."""
    return ref_of(NodeRef(id=node_id, x=x, y=y))


def digit(position: int, index: int) -> int:
    """Digit ``index`` (0 = the most significant nibble) of an id, 0..15."""
    return (position >> (_TOP_SHIFT - DIGIT_BITS * index)) & _DIGIT_MASK


def shl(a: int, b: int) -> int:
    """The length, in digits, of the prefix ``a`` and ``b`` share (32 when equal)."""
    x = a ^ b
    if x == 0:
        return DIGITS
    return (ID_BITS - x.bit_length()) // DIGIT_BITS


def clockwise(a: int, b: int) -> int:
    """How far ``b`` lies clockwise (towards larger ids, wrapping) from ``a``."""
    return (b - a) & _MASK


def distance(a: int, b: int) -> int:
    """Ring distance: ``min(|a - b|, 2^128 - |a - b|)``."""
    d = (b - a) & _MASK
    return d if d <= HALF_RING else RING - d


def closer(a: int, b: int, key: int) -> bool:
    """Whether ``a`` is numerically closer to ``key`` than ``b``: smaller ring distance,
    ties (a key exactly half-way) to the numerically smaller id."""
    da = distance(a, key)
    db = distance(b, key)
    return da < db or (da == db and a < b)


def proximity(a: Ref, b: Ref) -> int:
    """Squared Euclidean distance of two nodes' coordinates (smaller is nearer)."""
    dx = a[1] - b[1]
    dy = a[2] - b[2]
    return dx * dx + dy * dy
