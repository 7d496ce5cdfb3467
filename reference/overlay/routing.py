"""Pastry's routing rule as one pure function: :func:`next_hop`.

At node A for key D (spec ``prose/overlay.md``, "Routing"):

1. If D lies within the leaf set's range, the numerically closest of the leaf
   set and A itself; A itself means *deliver here*.
2. Else the routing-table entry R[l][D_l], where l = shl(A, D).
3. Else (the rare case) the known node T of L, R and M with shl(T, D) >= l
   and d(T, D) < d(A, D) that shares the longest prefix with D, then is
   numerically closest, then has the smaller id. None: deliver here.
"""

from collections.abc import Mapping

from reference.overlay import leafset
from reference.overlay.ring import Ref, digit, distance, shl
from reference.overlay.routing_table import EMPTY_ROW
from reference.overlay.tables import Tables
from spec.v1.overlay.constants import MAX_HOPS


def next_hop(tables: Tables, key: int) -> Ref | None:
    """The node to forward a message for ``key`` to, or ``None`` to deliver it here."""
    me = tables.me
    origin = me[0]
    if key == origin:
        return None
    leaf = tables.leaf
    if leafset.covers(leaf, origin, key):
        best = leafset.closest(leaf, me, key)
        return None if best is me else best
    prefix = shl(origin, key)
    entry = tables.table[prefix][digit(key, prefix)]
    if entry is not None:
        return entry
    return rare_case(tables, key, prefix)


def next_hop_id(tables: Tables, key: bytes) -> bytes | None:
    """:func:`next_hop` with ids as bytes: the next hop's 16-byte id, or ``None``."""
    hop = next_hop(tables, int.from_bytes(key, "big"))
    return None if hop is None else hop[3].id


def rare_case(tables: Tables, key: int, prefix: int) -> Ref | None:
    """Rule 3: a known node at least as deep in prefix and numerically closer than A."""
    me = tables.me
    own = distance(me[0], key)
    best: Ref | None = None
    best_rank: tuple[int, int, int] | None = None
    for candidate in _candidates(tables):
        cid = candidate[0]
        depth = shl(cid, key)
        if depth < prefix:
            continue
        d = distance(cid, key)
        if d >= own:
            continue
        rank = (-depth, d, cid)
        if best_rank is None or rank < best_rank:
            best, best_rank = candidate, rank
    return best


def _candidates(tables: Tables) -> list[Ref]:
    found = list(tables.leaf.smaller)
    found.extend(tables.leaf.larger)
    for row in tables.table:
        if row is not EMPTY_ROW:
            found.extend(r for r in row if r is not None)
    found.extend(tables.neighbours.refs)
    return found


def route(tables_of: Mapping[int, Tables], start: int, key: int) -> tuple[int, ...]:
    """The path a message for ``key`` takes from ``start`` over consistent ``tables_of``
    (no failures, no messages): the nodes visited, ``start`` first, the root last.

    A pure measuring aid for experiments; it stops after MAX_HOPS forwards.
    """
    path = [start]
    node = start
    for _ in range(MAX_HOPS):
        hop = next_hop(tables_of[node], key)
        if hop is None:
            break
        node = hop[0]
        path.append(node)
    return tuple(path)
