"""The neighbourhood set M: the NEIGHBOURHOOD_SIZE nodes nearest by proximity.

Kept sorted by (proximity, id), so the farthest member is last; the sort keys
(one int per member) are kept beside the refs so that an insertion costs one comparison when the
candidate is too far, and a binary search otherwise. Pastry does not route
with M; it seeds a joining node's tables with nearby nodes and offers
candidates to the rare case of the routing rule.
"""

from bisect import bisect_left
from typing import Final, NamedTuple

from reference.overlay.ring import Ref
from spec.v1.overlay.constants import ID_BITS, NEIGHBOURHOOD_SIZE


class Neighbours(NamedTuple):
    """Members nearest first, and their (proximity, id) sort keys."""

    refs: tuple[Ref, ...]
    keys: tuple[int, ...]
    """``proximity << 128 | id`` per member: one int orders by (proximity, id)."""


EMPTY: Final = Neighbours((), ())


def insert(neighbours: Neighbours, me: Ref, ref: Ref) -> Neighbours:
    """M of ``me`` after learning of ``ref`` (itself when unchanged)."""
    rid = ref[0]
    if rid == me[0]:
        return neighbours
    dx = ref[1] - me[1]
    dy = ref[2] - me[2]
    key = ((dx * dx + dy * dy) << ID_BITS) | rid
    keys = neighbours.keys
    n = len(keys)
    if n >= NEIGHBOURHOOD_SIZE and key >= keys[-1]:
        return neighbours
    refs = neighbours.refs
    for r in refs:
        if r[0] == rid:
            return neighbours
    at = bisect_left(keys, key)
    new_refs = (*refs[:at], ref, *refs[at:])
    new_keys = (*keys[:at], key, *keys[at:])
    if n >= NEIGHBOURHOOD_SIZE:
        new_refs = new_refs[:NEIGHBOURHOOD_SIZE]
        new_keys = new_keys[:NEIGHBOURHOOD_SIZE]
    return Neighbours(new_refs, new_keys)


def remove(neighbours: Neighbours, node: int) -> Neighbours:
    refs = neighbours.refs
    for at, r in enumerate(refs):
        if r[0] == node:
            keys = neighbours.keys
            return Neighbours((*refs[:at], *refs[at + 1 :]), (*keys[:at], *keys[at + 1 :]))
    return neighbours
