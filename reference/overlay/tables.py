"""A node's routing state: its own reference, leaf set, routing table and neighbourhood set.

:class:`Tables` is immutable; :func:`consider` and :func:`forget` return a new
value (or the same object when nothing changed, so callers can test ``is``).
A node *considers* every reference it learns of for every table, each by
that table's own rule, so the result does not depend on the order in which
references arrive. Nodes declared failed are kept out by the caller (see
:mod:`reference.overlay.repair`).
"""

from typing import NamedTuple

from reference.overlay import leafset, neighbourhood, routing_table
from reference.overlay.leafset import LeafSet
from reference.overlay.neighbourhood import Neighbours
from reference.overlay.ring import Ref
from reference.overlay.routing_table import Table
from spec.v1.overlay.constants import DIGIT_BITS, ID_BITS, LEAF_HALF, NEIGHBOURHOOD_SIZE, RING

_MASK = RING - 1
_TOP = ID_BITS - DIGIT_BITS


class Tables(NamedTuple):
    """Everything :func:`~reference.overlay.routing.next_hop` reads."""

    me: Ref
    leaf: LeafSet
    table: Table
    neighbours: Neighbours


def empty(me: Ref) -> Tables:
    """The tables of a node that knows nobody."""
    return Tables(me, leafset.EMPTY, routing_table.EMPTY, neighbourhood.EMPTY)


def consider(tables: Tables, ref: Ref) -> Tables:
    """The tables after learning of ``ref``; the same object when no table changes.

    Equal to applying :func:`leafset.insert`, :func:`routing_table.insert` and
    :func:`neighbourhood.insert` in turn (a test checks it); written out here
    because it runs for every reference every node learns of.
    """
    me = tables.me
    origin = me[0]
    rid = ref[0]
    if rid == origin:
        return tables
    changed = False
    # leaf set: each side keeps its LEAF_HALF nearest, nearest first
    leaf = tables.leaf
    larger = leaf.larger
    gap = (rid - origin) & _MASK
    if len(larger) < LEAF_HALF or gap < ((larger[-1][0] - origin) & _MASK):
        grown = _side(larger, ref, gap, origin, True)
        if grown is not larger:
            larger = grown
            changed = True
    smaller = leaf.smaller
    gap = (origin - rid) & _MASK
    if len(smaller) < LEAF_HALF or gap < ((origin - smaller[-1][0]) & _MASK):
        grown = _side(smaller, ref, gap, origin, False)
        if grown is not smaller:
            smaller = grown
            changed = True
    if changed:
        leaf = LeafSet(smaller, larger)
    # routing table: slot (shl, digit), nearer wins, ties to the smaller id
    table = tables.table
    row_index = (ID_BITS - (origin ^ rid).bit_length()) >> 2
    column = (rid >> (_TOP - 4 * row_index)) & 15
    row = table[row_index]
    current = row[column]
    dx = ref[1] - me[1]
    dy = ref[2] - me[2]
    near = dx * dx + dy * dy
    if current is None:
        replace = True
    elif current[0] == rid:
        replace = False
    else:
        cx = current[1] - me[1]
        cy = current[2] - me[2]
        other = cx * cx + cy * cy
        replace = near < other or (near == other and rid < current[0])
    if replace:
        new_row = (*row[:column], ref, *row[column + 1 :])
        table = (*table[:row_index], new_row, *table[row_index + 1 :])
        changed = True
    # neighbourhood set
    neighbours = tables.neighbours
    key = (near << ID_BITS) | rid
    keys = neighbours.keys
    if len(keys) < NEIGHBOURHOOD_SIZE or key < keys[-1]:
        grown_m = neighbourhood.insert(neighbours, me, ref)
        if grown_m is not neighbours:
            neighbours = grown_m
            changed = True
    if not changed:
        return tables
    return Tables(me, leaf, table, neighbours)


def _side(
    side: tuple[Ref, ...], ref: Ref, gap: int, origin: int, clockwise: bool
) -> tuple[Ref, ...]:
    """One leaf-set side with ``ref`` (eligible by distance) inserted, unless a member."""
    for i, other in enumerate(side):
        other_gap = ((other[0] - origin) if clockwise else (origin - other[0])) & _MASK
        if other_gap == gap:
            return side
        if other_gap > gap:
            return (*side[:i], ref, *side[i:])[:LEAF_HALF]
    return (*side, ref)


class Vacated(NamedTuple):
    """Where a forgotten node was: leaf-set sides and routing-table slot."""

    smaller: bool
    larger: bool
    slot: tuple[int, int] | None
    neighbour: bool

    @property
    def anywhere(self) -> bool:
        return self.smaller or self.larger or self.slot is not None or self.neighbour


def forget(tables: Tables, node: int) -> tuple[Tables, Vacated]:
    """The tables without ``node`` (declared failed or departed), and where it was.

    The leaf set is not refilled here: a node declares several nodes failed at once
    and refills once, after removing them all (:func:`refill`), so that a side short
    of LEAF_HALF members still means the node knows nobody else.
    """
    me = tables.me
    old_leaf = tables.leaf
    smaller = any(r[0] == node for r in old_leaf.smaller)
    larger = any(r[0] == node for r in old_leaf.larger)
    leaf = leafset.remove(old_leaf, node)
    table, vacated_slot = routing_table.remove(tables.table, me[0], node)
    neighbours = neighbourhood.remove(tables.neighbours, node)
    where = Vacated(smaller, larger, vacated_slot, neighbours is not tables.neighbours)
    if not where.anywhere:
        return tables, where
    return Tables(me, leaf, table, neighbours), where


def refill(tables: Tables) -> Tables:
    """The leaf set after considering every node of L, of the routing table and of M for it.

    L's own members come first: a node held by one side only (learned from a leaf list,
    so in no other table) may belong on the side that lost a member."""
    origin = tables.me[0]
    leaf = tables.leaf
    for ref in (*leaf.larger, *leaf.smaller):
        leaf = leafset.insert(leaf, origin, ref)
    for _, _, ref in routing_table.entries(tables.table):
        leaf = leafset.insert(leaf, origin, ref)
    for ref in tables.neighbours.refs:
        leaf = leafset.insert(leaf, origin, ref)
    return tables if leaf is tables.leaf else tables._replace(leaf=leaf)


def known(tables: Tables) -> tuple[Ref, ...]:
    """Every node in L, R or M once, sorted by id (the announcement's addressees)."""
    seen: dict[int, Ref] = {}
    for side in (tables.leaf.smaller, tables.leaf.larger):
        for r in side:
            seen.setdefault(r[0], r)
    for row in tables.table:
        if row is routing_table.EMPTY_ROW:
            continue
        for entry in row:
            if entry is not None:
                seen.setdefault(entry[0], entry)
    for r in tables.neighbours.refs:
        seen.setdefault(r[0], r)
    return tuple(seen[k] for k in sorted(seen))
