"""Routing-table maintenance (``row_sync`` / ``row_state``): which rows, whom, what comes back.

The rules are the spec's (``prose/overlay.md``, "Routing-table maintenance");
the network test checks that a maintenance period mends the holes joins leave.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from reference.overlay import routing_table
from reference.overlay.ring import Ref, make_ref, shl
from reference.overlay.routing_table import EMPTY, Table
from reference.overlay.rowsync import asked, fits, maintained_rows, row_for
from reference.sim.experiments import completeness
from reference.sim.overlay import OverlayNet
from spec.v1.overlay.constants import MAINTENANCE_PERIOD, TIMER_MAINTAIN
from spec.v1.overlay.messages import RowState

ME = 0x9A << 120


def node(*digits: int, tail: int = 1) -> int:
    """An id whose leading hex digits are ``digits`` (the rest small, non-zero)."""
    value = 0
    for d in digits:
        value = (value << 4) | d
    return (value << (128 - 4 * len(digits))) | tail


def ref(nid: int, x: int = 0, y: int = 0) -> Ref:
    return make_ref(nid.to_bytes(16, "big"), x, y)


def table_with(*ids: int) -> Table:
    me = ref(ME, 500, 500)
    table = EMPTY
    for nid in ids:
        table = routing_table.insert(table, me, ref(nid))
    return table


def test_a_row_with_a_hole_above_a_populated_row_is_maintained() -> None:
    table = table_with(node(3), node(8), node(9, 8))
    assert maintained_rows(table) == (0,)


def test_a_row_without_a_populated_row_below_is_not_maintained() -> None:
    assert maintained_rows(table_with(node(3), node(8))) == ()


def test_a_full_row_is_not_maintained() -> None:
    full = [node(d) for d in range(16) if d != 9]
    assert maintained_rows(table_with(*full, node(9, 8))) == ()
    assert maintained_rows(table_with(*full[:-1], node(9, 8))) == (0,)


def test_several_rows_are_maintained_in_order() -> None:
    table = table_with(node(3), node(9, 1), node(9, 10, 2), node(9, 10, 0, 5))
    assert maintained_rows(table) == (0, 1, 2)


def test_the_asked_entry_rotates_with_the_period() -> None:
    table = table_with(node(3), node(8), node(12))
    row = routing_table.row_refs(table, 0)
    chosen = [asked(table, 0, k * MAINTENANCE_PERIOD + 17)[0] for k in range(4)]
    assert chosen == [row[0][0], row[1][0], row[2][0], row[0][0]]


@settings(max_examples=200)
@given(
    st.lists(st.integers(min_value=1, max_value=(1 << 128) - 1), max_size=40),
    st.integers(min_value=1, max_value=(1 << 128) - 1),
    st.integers(min_value=0, max_value=4),
)
def test_a_row_sent_back_fits_the_requester(ids: list[int], requester: int, row: int) -> None:
    ids = [i for i in ids if i != ME]
    table = table_with(*ids)
    sent = row_for(table, requester, row)
    assert all(r[0] != requester and shl(r[0], requester) >= row for r in sent)
    assert all(r in routing_table.row_refs(table, row) for r in sent)
    state = RowState(node=ref(node(1))[3], row=row, entries=tuple(r[3] for r in sent))
    assert fits(requester, state)


def test_a_row_state_naming_the_receiver_or_a_shallower_node_does_not_fit() -> None:
    peer = ref(node(9, 8))[3]
    shallow = ref(node(3))[3]
    me = ref(ME)[3]
    assert not fits(ME, RowState(node=peer, row=1, entries=(shallow,)))
    assert not fits(ME, RowState(node=peer, row=0, entries=(me,)))
    assert fits(ME, RowState(node=peer, row=1, entries=(peer,)))


def test_a_maintenance_period_mends_the_holes_joins_leave() -> None:
    """Built by joins, a ring's tables have holes; one period of maintenance (no other
    traffic) leaves fewer, and never empties a filled slot."""
    net = OverlayNet(600, label="rowsync/mend", join_every=20, probing=False)
    net.build()
    live = net.live_active()

    def holes() -> tuple[int, int]:
        ring = sorted(net.ids[i] for i in live)
        measured = completeness.measure(ring, [(net.ids[i], net.tables(i).table) for i in live])
        return measured.possible - measured.filled, measured.filled

    missing_before, filled_before = holes()
    assert missing_before > 0, "the joins left no hole: the test shows nothing"
    due = max(net.sim.timers(name)[TIMER_MAINTAIN] for name in net.names)
    sent_before = net.sim.stats.sent.get("overlay/row_sync", 0)
    net.sim.run(until=due + 1_000)
    missing_after, filled_after = holes()
    assert net.sim.stats.sent.get("overlay/row_sync", 0) > sent_before
    assert missing_after < missing_before
    assert filled_after > filled_before
