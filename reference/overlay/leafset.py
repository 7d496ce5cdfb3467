"""The leaf set: the LEAF_HALF nearest predecessors and successors of a node on the ring.

Each side is a tuple of refs, nearest first. Sides are computed independently
(wrap-around, as in MSPastry), so in a ring of fewer than LEAF_SIZE + 1 nodes a
node appears on both sides. While a side holds fewer than LEAF_HALF members the
node knows no other node at all (every node it learns of enters both sides), so
the leaf set then covers the whole ring. A member is identified by its id: a
second reference with the same id but other coordinates is ignored (the first
one known is kept).
"""

from typing import Final, NamedTuple

from reference.overlay.ring import Ref, distance
from spec.v1.overlay.constants import LEAF_HALF, RING

_MASK: Final = RING - 1

Side = tuple[Ref, ...]


class LeafSet(NamedTuple):
    """Predecessors (``smaller``) and successors (``larger``), each nearest first."""

    smaller: Side
    larger: Side


EMPTY: Final = LeafSet((), ())


def _insert(side: Side, ref: Ref, gap: int, origin: int, clockwise: bool) -> Side:
    """``side`` with ``ref`` (at ``gap`` from the node) in place, or ``side`` itself."""
    n = len(side)
    if n >= LEAF_HALF:
        far = side[-1][0]
        far_gap = ((far - origin) if clockwise else (origin - far)) & _MASK
        if gap >= far_gap:
            return side
    for i in range(n):
        other = side[i][0]
        other_gap = ((other - origin) if clockwise else (origin - other)) & _MASK
        if other_gap == gap:
            return side  # already a member
        if other_gap > gap:
            grown = (*side[:i], ref, *side[i:])
            return grown[:LEAF_HALF]
    return (*side, ref)


def insert(leaf: LeafSet, origin: int, ref: Ref) -> LeafSet:
    """The leaf set of node ``origin`` after learning of ``ref`` (itself when unchanged)."""
    rid = ref[0]
    if rid == origin:
        return leaf
    larger = _insert(leaf.larger, ref, (rid - origin) & _MASK, origin, True)
    smaller = _insert(leaf.smaller, ref, (origin - rid) & _MASK, origin, False)
    if larger is leaf.larger and smaller is leaf.smaller:
        return leaf
    return LeafSet(smaller, larger)


def eligible(leaf: LeafSet, origin: int, node: int) -> bool:
    """Whether a node with id ``node`` would enter the leaf set (without building its ref)."""
    if node == origin:
        return False
    for side, gap in (
        (leaf.larger, (node - origin) & _MASK),
        (leaf.smaller, (origin - node) & _MASK),
    ):
        if len(side) >= LEAF_HALF:
            far = side[-1][0]
            far_gap = ((far - origin) if side is leaf.larger else (origin - far)) & _MASK
            if gap >= far_gap:
                continue
        if all(r[0] != node for r in side):
            return True
    return False


def admits(leaf: LeafSet, origin: int, ref: Ref) -> bool:
    """Whether ``ref`` would enter the leaf set (it is not a member and is near enough)."""
    return insert(leaf, origin, ref) is not leaf


def remove(leaf: LeafSet, node: int) -> LeafSet:
    """The leaf set without ``node`` (itself when it was not a member)."""
    smaller = leaf.smaller
    larger = leaf.larger
    if any(r[0] == node for r in smaller):
        smaller = tuple(r for r in smaller if r[0] != node)
    if any(r[0] == node for r in larger):
        larger = tuple(r for r in larger if r[0] != node)
    if smaller is leaf.smaller and larger is leaf.larger:
        return leaf
    return LeafSet(smaller, larger)


def contains(leaf: LeafSet, node: int) -> bool:
    return any(r[0] == node for r in leaf.smaller) or any(r[0] == node for r in leaf.larger)


def may_hold(leaf: LeafSet, origin: int, node: int) -> bool:
    """False when ``node`` is certainly not a member (farther than a full side's farthest
    member on both sides): a cheap test before :func:`contains`."""
    larger = leaf.larger
    if len(larger) < LEAF_HALF or ((node - origin) & _MASK) <= ((larger[-1][0] - origin) & _MASK):
        return True
    smaller = leaf.smaller
    return len(smaller) < LEAF_HALF or ((origin - node) & _MASK) <= (
        (origin - smaller[-1][0]) & _MASK
    )


def members(leaf: LeafSet) -> tuple[Ref, ...]:
    """Every member once, sorted by id."""
    seen = {r[0]: r for r in leaf.smaller}
    for r in leaf.larger:
        seen.setdefault(r[0], r)
    return tuple(seen[k] for k in sorted(seen))


def ring_order(leaf: LeafSet) -> tuple[Ref, ...]:
    """Both sides in clockwise ring order: farthest predecessor first, farthest successor
    last (the node itself would sit between the two sides)."""
    return (*reversed(leaf.smaller), *leaf.larger)


def covers(leaf: LeafSet, origin: int, key: int) -> bool:
    """Whether ``key`` lies within the leaf set's range: between the farthest predecessor
    and the farthest successor, going through the node; the whole ring while a side has
    fewer than LEAF_HALF members."""
    smaller = leaf.smaller
    larger = leaf.larger
    if len(smaller) < LEAF_HALF or len(larger) < LEAF_HALF:
        return True
    if ((key - origin) & _MASK) <= ((larger[-1][0] - origin) & _MASK):
        return True
    return ((origin - key) & _MASK) <= ((origin - smaller[-1][0]) & _MASK)


def closest(leaf: LeafSet, me: Ref, key: int) -> Ref:
    """The member of the leaf set or the node itself numerically closest to ``key``
    (smallest ring distance, then the numerically smaller id)."""
    best = me
    best_d = distance(me[0], key)
    for side in (leaf.smaller, leaf.larger):
        for r in side:
            d = distance(r[0], key)
            if d < best_d or (d == best_d and r[0] < best[0]):
                best = r
                best_d = d
    return best
