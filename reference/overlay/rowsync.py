"""Routing-table maintenance: once per MAINTENANCE_PERIOD, ask for whole rows.

Joins fill a node's table only from the nodes on its join route and from the
announcements of later joiners that happen to hold it in their own tables, so
a node that joined while the ring was small keeps holes that nodes joining
later could fill; each hole a lookup meets costs a rare-case hop. FreePastry
runs route-set maintenance for this (every 900 s it asks an entry of each row
for that row). v1 does the same, for the rows where it can pay:

- a row is *maintained* if it has an entry, has an empty slot (other than the
  node's own digit's column) and the next row has an entry. A node that knows
  a node sharing one more digit lives where the ring is dense enough that
  nearly every slot of the row can be filled; deeper rows are mostly empty
  because no node fits, and asking about them every period would be wasted;
- each maintained row's request goes to one of its entries, by column order,
  rotating with the round (index ``(now // MAINTENANCE_PERIOD) mod count``), so
  that successive rounds ask different nodes;
- the answer (``row_state``) lists the answerer's entries of that row that
  share at least that many digits with the requester; the requester considers
  them and the answerer for every table, as it does any reference.
"""

from reference.effects import Effect, Emit, StartTimer
from reference.overlay import routing_table
from reference.overlay.data import OverlayData, with_tables
from reference.overlay.pending import learn
from reference.overlay.probing import consider_requester, probe_newcomers
from reference.overlay.ring import Ref, shl
from reference.overlay.routing_table import EMPTY_ROW, Table
from spec.v1.overlay.constants import COLUMNS, MAINTENANCE_PERIOD, ROWS, TIMER_MAINTAIN
from spec.v1.overlay.messages import RowState, RowSync


def maintain_timer(now: int) -> Effect:
    """The next round, one period from ``now``."""
    return StartTimer(TIMER_MAINTAIN, now + MAINTENANCE_PERIOD)


def maintained_rows(table: Table) -> tuple[int, ...]:
    """The rows worth asking about (see the module docstring), ascending."""
    rows: list[int] = []
    for index in range(ROWS - 1):
        row = table[index]
        if row is EMPTY_ROW:
            continue
        filled = COLUMNS - row.count(None)
        if filled == 0 or filled == COLUMNS - 1:
            continue
        deeper = table[index + 1]
        if deeper is EMPTY_ROW or all(entry is None for entry in deeper):
            continue
        rows.append(index)
    return tuple(rows)


def asked(table: Table, row: int, now: int) -> Ref:
    """The entry of ``row`` asked this round: rotating through the row's entries."""
    entries = routing_table.row_refs(table, row)
    return entries[(now // MAINTENANCE_PERIOD) % len(entries)]


def round_(data: OverlayData, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """One maintenance round: a ``row_sync`` per maintained row (by row), then the timer."""
    tables = data.tables
    me = tables.me
    effects: list[Effect] = []
    for row in maintained_rows(tables.table):
        target = asked(tables.table, row, now)
        effects.append(Emit("row_sync", target[3].id, RowSync(node=me[3], row=row)))
    effects.append(maintain_timer(now))
    return data, tuple(effects)


def row_for(table: Table, requester: int, row: int) -> tuple[Ref, ...]:
    """This node's entries of ``row`` that share at least ``row`` digits with the
    requester and are not the requester, by column."""
    return tuple(
        ref
        for ref in routing_table.row_refs(table, row)
        if ref[0] != requester and shl(ref[0], requester) >= row
    )


def answer(data: OverlayData, request: RowSync, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Send the requested row; consider the requester (it is alive and signed)."""
    requester = data.carrier.ref(request.node)
    entries = row_for(data.tables.table, requester[0], request.row)
    reply = RowState(node=data.tables.me[3], row=request.row, entries=tuple(r[3] for r in entries))
    data, dropped = consider_requester(data, requester, now)
    return data, (Emit("row_state", request.node.id, reply), *dropped)


def fits(origin: int, state: RowState) -> bool:
    """Whether every entry of ``state`` shares at least ``state.row`` digits with the
    receiver ``origin`` and is not the receiver itself (else the reply is misrouted)."""
    for entry in state.entries:
        node = int.from_bytes(entry.id, "big")
        if node == origin or shl(origin, node) < state.row:
            return False
    return True


def absorb(data: OverlayData, state: RowState, now: int) -> tuple[OverlayData, tuple[Effect, ...]]:
    """Consider the answerer and every entry; ping the ones that entered the leaf set."""
    ref = data.carrier.ref
    sender = ref(state.node)
    before = data.tables.leaf
    data = with_tables(data, learn(data, (sender, *(ref(e) for e in state.entries)), now))
    return probe_newcomers(before, data, sender[0], now)


__all__ = [
    "absorb",
    "answer",
    "asked",
    "fits",
    "maintain_timer",
    "maintained_rows",
    "round_",
    "row_for",
]
