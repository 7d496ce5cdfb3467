"""Failure handling: forgetting failed nodes, remembering them, and asking for repairs.

A node declared failed (a probe or a forward went unanswered) or departed is
removed from L, R and M and kept out of every table for FAILED_MEMORY ticks.
Then, as Pastry (section 2.4) does:

- leaf set: ask the farthest live member on the side that lost one (among the
  members left, before the refill) for its leaf set (``leaf_request``; the reply
  is a ``leaf_update``). A side left empty asks the farthest member of the other
  side;
- routing table (when a failure is found): for an emptied slot R[l][d], ask
  the REPAIR_FANOUT nearest other entries of row l for their R[l][d]
  (``row_request``), topped up from row l + 1 (the paper asks row l, then
  row l + 1 if none of them has one);
- neighbourhood set: the member is dropped; M refills from what the node
  learns later (M is not used for routing, and v1 does not probe it).
"""

from collections.abc import Iterable

from reference.effects import Effect, Emit
from reference.overlay import leafset, routing_table
from reference.overlay.data import Failed, Mending, OverlayData
from reference.overlay.pending import probe_timer
from reference.overlay.probing import probe_newcomers
from reference.overlay.ring import Ref, digit, proximity, shl
from reference.overlay.tables import forget, refill
from spec.v1.overlay.constants import (
    FAILED_MEMORY,
    MAX_FAILED,
    MAX_MENDING,
    MENDING_MEMORY,
    REPAIR_FANOUT,
    ROWS,
)
from spec.v1.overlay.messages import LeafRequest, RowReply, RowRequest
from spec.v1.overlay.refs import NodeRef


def remember(failed: tuple[Failed, ...], nodes: Iterable[int], now: int) -> tuple[Failed, ...]:
    """The failed list with ``nodes`` added until now + FAILED_MEMORY, expired entries
    dropped, at most MAX_FAILED kept (those expiring first go, ties the larger id first)."""
    until = now + FAILED_MEMORY
    merged = {f.node: f for f in failed if f.until > now}
    for node in nodes:
        merged[node] = Failed(node, until)
    kept = sorted(merged.values(), key=lambda f: (f.until, -f.node))[-MAX_FAILED:]
    return tuple(sorted(kept, key=lambda f: f.node))


def declare_failed(
    data: OverlayData, nodes: Iterable[int], now: int
) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Forget ``nodes`` everywhere, remember them, and ask for the repairs (in order:
    leaf requests by target id, then row requests by slot, then target id)."""
    dead = sorted(set(nodes))
    if not dead:
        return data, (probe_timer(data),)
    tables = data.tables
    lost_smaller = lost_larger = False
    slots: list[tuple[int, int]] = []
    for node in dead:
        tables, where = forget(tables, node)
        lost_smaller |= where.smaller
        lost_larger |= where.larger
        if where.slot is not None:
            slots.append(where.slot)
    me = tables.me
    request = LeafRequest(node=me[3])
    targets: dict[int, Ref] = {}
    for lost, side, other in (
        (lost_smaller, tables.leaf.smaller, tables.leaf.larger),
        (lost_larger, tables.leaf.larger, tables.leaf.smaller),
    ):
        if lost:
            source = side or other
            if source:
                targets.setdefault(source[-1][0], source[-1])
    if lost_smaller or lost_larger:
        tables = refill(tables)
    effects: list[Effect] = [
        Emit("leaf_request", targets[k][3].id, request) for k in sorted(targets)
    ]
    for row, column in sorted(slots):
        asked = repair_targets(tables.table, me, row)
        if not asked:
            continue
        ask = RowRequest(node=me[3], row=row, column=column)
        effects.extend(Emit("row_request", r[3].id, ask) for r in asked)
    probes = tuple(p for p in data.probes if p.node not in dead)
    updated = data._replace(tables=tables, failed=remember(data.failed, dead, now), probes=probes)
    updated, pings = probe_newcomers(data.tables.leaf, updated, None, now)
    return updated, (*effects, *pings, probe_timer(updated))


def repair_targets(table: routing_table.Table, me: Ref, row: int) -> tuple[Ref, ...]:
    """Whom to ask for an emptied slot of ``row``: the REPAIR_FANOUT nearest (proximity,
    then id) entries of the row, topped up from row + 1; in that order."""

    def nearest(refs: tuple[Ref, ...]) -> list[Ref]:
        return sorted(refs, key=lambda r: (proximity(me, r), r[0]))

    chosen = nearest(routing_table.row_refs(table, row))[:REPAIR_FANOUT]
    if len(chosen) < REPAIR_FANOUT and row + 1 < ROWS:
        chosen += nearest(routing_table.row_refs(table, row + 1))[: REPAIR_FANOUT - len(chosen)]
    return tuple(chosen)


def mend(data: OverlayData, key: int, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Lazy routing-table repair on use: routing ``key`` found its slot R[l][key_l] empty
    (and the key outside the leaf set's range); ask for it, unless asked recently."""
    tables = data.tables
    me = tables.me
    origin = me[0]
    if key == origin or leafset.covers(tables.leaf, origin, key):
        return data, ()
    row = shl(origin, key)
    column = digit(key, row)
    if tables.table[row][column] is not None:
        return data, ()
    if any(m.row == row and m.column == column and m.until > now for m in data.mending):
        return data, ()
    asked = repair_targets(tables.table, me, row)
    if not asked:
        return data, ()
    live = {(m.row, m.column): m for m in data.mending if m.until > now}
    live[(row, column)] = Mending(row, column, now + MENDING_MEMORY)
    kept = sorted(live.values(), key=lambda m: (m.until, -m.row, -m.column))[-MAX_MENDING:]
    mending = tuple(sorted(kept))
    ask = RowRequest(node=me[3], row=row, column=column)
    return data._replace(mending=mending), tuple(Emit("row_request", r[3].id, ask) for r in asked)


def row_entry_for(data: OverlayData, requester: int, row: int, column: int) -> RowReply:
    """This node's entry for slot (row, column) of ``requester``'s table, if it fits there."""
    entry = data.tables.table[row][column]
    if entry is not None and not fits(requester, entry[3], row, column):
        entry = None
    return RowReply(row=row, column=column, entry=None if entry is None else entry[3])


def fits(origin: int, candidate: NodeRef, row: int, column: int) -> bool:
    """Whether ``candidate`` belongs in slot (row, column) of ``origin``'s table."""
    node = int.from_bytes(candidate.id, "big")
    return node != origin and shl(origin, node) == row and digit(node, row) == column
