"""Cases of keeping the tables right: the announcement test, and routing-table maintenance.

The announcement test (``announce`` and a new sender's ``leaf_update``): the
receiver reads the announcer X's leaf set from X's list by the leaf-set rule,
with distances taken around the ring. Two cases put X's successors (or
predecessors) past id 0, so that a node that compares ids instead of ring
distances gets the answer wrong; two cases have X list itself among 16
references: X is no member of its own leaf set, so the list names only 15
nodes and admits every node; one case has the receiver's own leaf set run
past id 0, so that a node testing membership other than around the ring
misses that X entered it.

Routing-table maintenance (``maintain``, ``row_sync``, ``row_state``): one
table built from ``row_state`` entries (ids chosen freely: ``a``'s id with
one digit replaced) holds a full row 0, rows of 8, 2 and 1 entries, an empty
row between populated ones, and rows 30 and 31, and two rounds pin which
rows are asked about and which entry is asked each round. The timer is
pinned to ``now + MAINTENANCE_PERIOD`` by firing it one tick early (refused);
the answer to a ``row_sync`` for row 1 and the acceptance of a ``row_state``
whose entries share more digits than the row, or lie above the receiver's
id, are pinned, and so is who is pinged after a ``row_state`` (the entries
that entered the leaf set, never its sender).

The premise of every case (which rows are asked, who is told or pinged) is
checked while it is recorded.
"""

from collections.abc import Iterator
from typing import Final

from reference.corpus.casekit import EDGE, CaseError
from reference.corpus.overlay_casekit import (
    NODE,
    OverlayCase,
    body_of,
    identity,
    messages_sent,
    ref,
    ring,
)
from reference.overlay.ring import digit, to_bytes, to_int
from spec.v1 import errors as E
from spec.v1.overlay import NodeRef
from spec.v1.overlay.constants import MAINTENANCE_PERIOD, RING, ROWS, TIMER_MAINTAIN
from spec.v1.overlay.messages import Announce, RowState, RowSync
from spec.v1.trace import Generator, Output, Trace

A_ID: Final = to_int(identity(NODE).node_id)
UNIT: Final = 1 << 64
"""The spacing of listed nodes near the announcer."""
START: Final = 32
"""The tick of ``create_ring`` in the maintenance cases: a bit of MAINTENANCE_PERIOD's."""


def maintenance_cases(g: Generator) -> Iterator[Trace]:
    yield from _wrap_cases(g)
    yield from _self_listed_cases(g)
    yield _wrapped_leaf_case(g)
    yield _timer_case(g)
    yield _rows_case(g)
    yield _row_sync_case(g)
    yield _row_state_case(g)


# -- helpers ----------------------------------------------------------------------------------


def _at(node: int, n: int) -> NodeRef:
    """A reference to the node of id ``node``, at coordinates of its own (``n``: an index)."""
    return NodeRef(id=to_bytes(node % RING), x=40 + 7 * n, y=960 - 5 * n)


def _answered(outputs: tuple[Output, ...], name: str) -> bool:
    """Whether ``outputs`` hold a leaf_update to ``name``."""
    return ("leaf_update", identity(name).node_id) in messages_sent(outputs)


# -- the announcement test around id 0 -------------------------------------------------------


def _wrap_cases(g: Generator) -> Iterator[Trace]:
    # e (f4...) announces: its successors lie past id 0, at k * 2^117; its predecessors
    # within 8 x 2^64 of it. d (0c...), known to a, lies beyond e's farthest successor
    # (01...), yet d's id is below e's distance to it: a node that took an id for a
    # distance would admit d.
    case = OverlayCase(
        g,
        "overlay/ring/announce-wrap-001",
        "a knows d (id 0c...). e (id f4...) announces a full list: 8 successors past id 0 "
        "(ids k x 2^117, k = 1..8, below d's) and 8 predecessors within 8 x 2^64 of e. "
        "Distances are taken around the ring: e's successors run past the top of the ring, "
        "d and a lie beyond its farthest successor and beyond its farthest predecessor, so "
        "e's list misses nothing e would admit and a sends e no leaf_update.",
        ("positive", "edge"),
    )
    ring(case, "d")
    x = to_int(identity("e").node_id)
    successors = [k << 117 for k in range(1, 9)]
    predecessors = [x - k * UNIT for k in range(1, 9)]
    _announce_list(case, "e", successors + predecessors, answered=False)
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/announce-wrap-002",
        "d (id 0c...) announces a full list: 8 predecessors past id 0 (ids 2^128 - k x "
        "2^117, k = 1..8) and 8 successors within 8 x 2^64 of d. Distances are taken "
        "around the ring: d's predecessors run past id 0, a lies beyond its farthest "
        "predecessor and beyond its farthest successor, so d's list misses nothing d would "
        "admit and a sends d no leaf_update.",
        ("positive", "edge"),
    )
    ring(case)
    x = to_int(identity("d").node_id)
    predecessors = [RING - (k << 117) for k in range(1, 9)]
    successors = [x + k * UNIT for k in range(1, 9)]
    _announce_list(case, "d", predecessors + successors, answered=False)
    yield case.trace()


def _announce_list(
    case: OverlayCase, name: str, ids: list[int], answered: bool, extra: tuple[NodeRef, ...] = ()
) -> tuple[Output, ...]:
    """``name`` announces a list of the given ids (then ``extra``); a must (not) answer it."""
    leaf = tuple(_at(node, n) for n, node in enumerate(ids)) + extra
    peer = case.peer(name)
    outputs = case.send(name, Announce(node=peer.ref, leaf=leaf), f"{name} announces its list")
    if _answered(outputs, name) != answered:
        raise CaseError(f"{case.case_id}: a {'did not answer' if answered else 'answered'} {name}")
    return outputs


# -- the announcer listing itself -------------------------------------------------------------


def _self_listed_cases(g: Generator) -> Iterator[Trace]:
    # e (f4...) is a successor of a: a lies counter-clockwise from it. d (0c...) is a
    # predecessor of a: a lies clockwise from it.
    for which, name, towards in (("001", "e", -1), ("002", "d", 1)):
        case = OverlayCase(
            g,
            f"overlay/ring/announce-self-listed-{which}",
            f"{name} announces a list of 16 references: itself, 8 nodes within 8 x 2^64 of "
            f"it on the side away from a and 7 within 7 x 2^64 on a's side. {name} is no "
            f"member of its own leaf set, so the list names 15 nodes, fewer than 16, and "
            f"admits every node: a, which it does not list, is admitted, and a sends {name} "
            "a leaf_update.",
            ("positive", "edge"),
        )
        ring(case)
        x = to_int(identity(name).node_id)
        away = [x - towards * k * UNIT for k in range(1, 9)]
        near = [x + towards * k * UNIT for k in range(1, 8)]
        _announce_list(case, name, away + near, answered=True, extra=(ref(name),))
        yield case.trace()


# -- a leaf set that runs past id 0 ----------------------------------------------------------


def _wrapped_leaf_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/announce-wrapped-leaf-001",
        "c (83...) tells a (row_state) of 8 nodes: two above e's id (f8..., fc...) and six "
        "just past id 0 (01... to 06...). e (f4...) then announces an empty list: e enters "
        "a's larger side, whose farthest member is now 05..., a numerically smaller id "
        "than e's, and whose smaller side ends with fc...; e is a member all the same "
        "(the ring wraps), so a sends e a leaf_update (e's empty list misses a).",
        ("positive", "edge"),
    )
    ring(case, "c")
    ids = [0xF8 << 120, 0xFC << 120] + [k << 120 for k in range(1, 7)]
    entries = tuple(_at(node, n) for n, node in enumerate(ids))
    case.send("c", RowState(node=ref("c"), row=0, entries=entries), "c's row 0")
    leaf = case.node.state.data.tables.leaf
    if len(leaf.smaller) != 8 or len(leaf.larger) != 8:
        raise CaseError(f"{case.case_id}: a's leaf set should be full on both sides")
    peer = case.peer("e")
    outputs = case.send("e", Announce(node=peer.ref, leaf=()), "e announces itself")
    leaf = case.node.state.data.tables.leaf
    e_id = to_int(peer.node_id)
    if not (leaf.larger[-1][0] < e_id < leaf.smaller[-1][0]):
        raise CaseError(f"{case.case_id}: e should lie between a's farthest members by id")
    if messages_sent(outputs) != (("leaf_update", peer.node_id),):
        raise CaseError(
            f"{case.case_id}: a should send e one leaf_update, sent {messages_sent(outputs)}"
        )
    return case.trace()


# -- the maintain timer -----------------------------------------------------------------------


def _timer_case(g: Generator) -> Trace:
    due = START + MAINTENANCE_PERIOD
    case = OverlayCase(
        g,
        "overlay/machine/maintain-before-due-001",
        f"a creates its ring at tick {START}: the maintain timer is due at {due} "
        f"(now + MAINTENANCE_PERIOD). Fired at {due - 1} it is refused (no_transition); "
        f"at {due} it runs the round and restarts, due at {due + MAINTENANCE_PERIOD}: "
        f"refused at {due + MAINTENANCE_PERIOD - 1}, run at {due + MAINTENANCE_PERIOD}.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, at=START)
    for n in range(2):
        when = due + n * MAINTENANCE_PERIOD
        if case.node.timers.get(TIMER_MAINTAIN) != when:
            raise CaseError(f"{case.case_id}: the maintain timer should be due at {when}")
        case.timer(
            TIMER_MAINTAIN,
            f"fire maintain at {when - 1}, one tick early",
            at=when - 1,
            error=E.MACHINE_NO_TRANSITION,
            field=f"timer:{TIMER_MAINTAIN}",
        )
        case.timer(TIMER_MAINTAIN, f"fire maintain at {when}, its due tick")
    return case.trace()


# -- which rows are maintained, and whom each round asks -------------------------------------


def _in_row(row: int, column: int) -> int:
    """a's id with digit ``row`` replaced by ``column``: an entry of a's slot (row, column)."""
    shift = 4 * (ROWS - 1 - row)
    return A_ID ^ ((digit(A_ID, row) ^ column) << shift)


def _columns(row: int, count: int) -> list[int]:
    """The first ``count`` columns of ``row`` other than a's own digit's."""
    return [c for c in range(16) if c != digit(A_ID, row)][:count]


ROW_LAYOUT: Final = ((1, 8), (2, 1), (3, 1), (5, 2), (6, 1), (30, 1), (31, 1))
"""(row, entries) of a's table besides row 0, which is full."""
MAINTAINED: Final = (1, 2, 5, 30)


def _rows_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/maintain-rows-001",
        "b's row_states fill a's table: row 0 full (15 entries, b among them), row 1 with 8 "
        "entries, rows 2, 3, 6, 30 and 31 with 1, row 5 with 2; rows 4, 7 to 29 empty. At "
        "each maintain round a asks about rows 1, 2, 5 and 30 (an entry, an empty slot "
        "and an entry in the next row), in that order; not row 0 (no empty slot), 3 and 6 "
        "(the next row is empty) or 31 (no next row). Round 1 (now div "
        "MAINTENANCE_PERIOD = 1) asks each row's entry at index 1 mod count, by column; "
        "round 2 the entry at index 2 mod count.",
        ("positive", "edge"),
    )
    ring(case, at=START)
    b_id = to_int(identity("b").node_id)
    row0 = [_in_row(0, c) for c in _columns(0, 15) if c != digit(b_id, 0)]
    deeper = [_in_row(r, c) for r, count in ROW_LAYOUT for c in _columns(r, count)]
    refs = [_at(node, n) for n, node in enumerate(row0 + deeper)]
    for part in (refs[:14], refs[14:]):
        case.send("b", RowState(node=ref("b"), row=0, entries=tuple(part)), "b's row_state")
    table = case.node.state.data.tables.table
    filled = {r: 16 - table[r].count(None) for r in range(ROWS)}
    wanted = {0: 15} | dict(ROW_LAYOUT)
    if {r: n for r, n in filled.items() if n} != wanted:
        raise CaseError(f"{case.case_id}: a's table is not laid out as described: {filled}")
    for k in (1, 2):
        outputs = case.timer(TIMER_MAINTAIN, f"maintenance round {k}")
        expected = []
        for row in MAINTAINED:
            entries = [e for e in table[row] if e is not None]
            expected.append((entries[k % len(entries)][3].id, row))
        got = []
        for o in outputs:
            body = body_of(o)
            if isinstance(body, RowSync):
                got.append((o.to, body.row))
        if got != expected or len(outputs) != len(expected):
            raise CaseError(f"{case.case_id}: round {k} should ask {expected}, sent {got}")
    return case.trace()


# -- answering a row_sync for row 1 -----------------------------------------------------------


def _row_sync_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/row-sync-row-1-001",
        "a's row 1 holds s6 (90...) and g (98...). s6 asks a for row 1 (row_sync): a answers "
        "with a row_state listing g, which shares a's first digit and so at least one "
        "digit with s6, and not s6 itself.",
        ("positive",),
    )
    ring(case, "g", "s6")
    outputs = case.send("s6", RowSync(node=ref("s6"), row=1), "s6 asks for row 1")
    state = body_of(outputs[0])
    if not isinstance(state, RowState) or state.entries != (ref("g"),):
        raise CaseError(f"{case.case_id}: the row_state should list g only")
    return case.trace()


# -- accepting a row_state, and whom it makes a ping ------------------------------------------


def _row_state_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/row-state-new-sender-001",
        "b, which a does not know, sends a row_state for row 0 listing g (98..., sharing "
        "one digit with a, more than the row's 0) and e (f4..., above a's id): it fits and "
        "is accepted; b, g and e enter a's leaf set, and a pings g and e (in id order), "
        "not b, the sender, which has just shown it is alive.",
        ("positive", "edge"),
    )
    ring(case)
    outputs = case.send(
        "b", RowState(node=ref("b"), row=0, entries=(ref("g"), ref("e"))), "b's row 0"
    )
    wanted = (("ping", identity("g").node_id), ("ping", identity("e").node_id))
    if messages_sent(outputs) != wanted:
        raise CaseError(
            f"{case.case_id}: a should ping g and e only, sent {messages_sent(outputs)}"
        )
    return case.trace()
