"""Ring cases of the ``overlay`` protocol: creating a ring, announcements, table requests.

Each case runs one of ``a``'s table-keeping transitions with valid input:
``create_ring``, ``announce``, ``leaf_update``, ``leaf_request``, the
repair pair ``row_request`` / ``row_reply``, and routing-table maintenance
(the ``maintain`` timer and the ``row_sync`` / ``row_state`` pair).
"""

from collections.abc import Iterator
from typing import TypeVar

from reference.corpus.overlay_casekit import (
    LOOKUP_NONCE,
    CaseError,
    OverlayCase,
    identity,
    ref,
    ring,
)
from reference.envelope import open_envelope
from spec.v1.overlay.commands import CreateRingCommand, LookupCommand
from spec.v1.overlay.constants import MAINTENANCE_PERIOD, TIMER_MAINTAIN
from spec.v1.overlay.messages import (
    LeafRequest,
    LeafUpdate,
    RowReply,
    RowRequest,
    RowState,
    RowSync,
)
from spec.v1.registry import MESSAGES
from spec.v1.trace import Generator, Output, Trace


def ring_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/ring/create-001",
        "create_ring makes a the only node of a ring; its own lookup is answered locally.",
        ("positive",),
    )
    case.command("create_ring", CreateRingCommand(), "create a ring")
    key = identity("b").node_id
    case.command("lookup", LookupCommand(key=key, nonce=LOOKUP_NONCE), "look up b's id")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/announce-001",
        "b and c announce themselves with empty leaf sets; a takes them into every table "
        "and tells each (leaf_update) about the nodes its leaf set misses.",
        ("positive",),
    )
    ring(case, "b", "c")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/leaf-update-001",
        "b's leaf_update lists c and d: a takes b into every table, c and d into its leaf "
        "set, and tells c and d (learned from b) about itself.",
        ("positive",),
    )
    ring(case)
    case.send("b", LeafUpdate(node=ref("b"), leaf=(ref("c"), ref("d"))), "b's leaf set")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/leaf-request-001",
        "b asks a for its leaf set (leaf-set repair); a answers with a leaf_update.",
        ("positive",),
    )
    ring(case, "c")
    case.send("b", LeafRequest(node=ref("b")), "b's leaf_request")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/row-request-001",
        "b asks a for routing-table slots: one a has filled (with c), one it has not.",
        ("positive",),
    )
    ring(case, "c", "e")
    # c shares no digit with b (8 vs 3): slot (0, 8) of b's table; a's slot (0, 8) is c.
    case.send("b", RowRequest(node=ref("b"), row=0, column=8), "b asks for slot (0, 8)")
    case.send("b", RowRequest(node=ref("b"), row=0, column=5), "b asks for slot (0, 5)")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/row-reply-001",
        "Row replies: an entry that fits a's slot (0, 3) is taken; a null entry changes nothing.",
        ("positive",),
    )
    ring(case)
    case.send("c", RowReply(row=0, column=3, entry=ref("b")), "c offers b for slot (0, 3)")
    case.send("c", RowReply(row=0, column=5, entry=None), "c has nothing for slot (0, 5)")
    yield case.trace()

    yield from _maintenance_cases(g)


def _maintain(case: OverlayCase, expected: tuple[tuple[str, int], ...]) -> None:
    """Fire ``maintain`` at its due tick; it must send exactly the row_syncs ``expected``
    ((recipient, row), in order) and restart the timer one period later."""
    outputs = case.timer(TIMER_MAINTAIN, "the maintenance round")
    syncs = _bodies(outputs, RowSync)
    wanted = tuple((identity(name).node_id, row) for name, row in expected)
    if len(syncs) != len(outputs) or len(outputs) != len(expected):
        raise CaseError(f"{case.case_id}: expected {len(expected)} row_syncs, sent {len(outputs)}")
    if tuple((o.to, body.row) for o, body in zip(outputs, syncs, strict=True)) != wanted:
        raise CaseError(f"{case.case_id}: expected row_syncs {expected}")
    if case.node.timers.get(TIMER_MAINTAIN) != case.now + MAINTENANCE_PERIOD:
        raise CaseError(f"{case.case_id}: the maintain timer was not restarted")


def _expect_row_state(
    case: OverlayCase, outputs: tuple[Output, ...], names: tuple[str, ...]
) -> None:
    """``outputs`` must be one row_state listing exactly ``names``, in that order."""
    bodies = _bodies(outputs, RowState)
    listed = tuple(entry.id for body in bodies for entry in body.entries)
    if len(bodies) != 1 or listed != tuple(identity(name).node_id for name in names):
        raise CaseError(f"{case.case_id}: expected one row_state listing {names}")


Body = TypeVar("Body", RowSync, RowState)


def _bodies(outputs: tuple[Output, ...], model: type[Body]) -> tuple[Body, ...]:
    """The bodies of ``outputs`` that are messages of ``model``."""
    bodies = (open_envelope(output.frame, MESSAGES).body for output in outputs)
    return tuple(body for body in bodies if isinstance(body, model))


def _maintenance_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/ring/maintain-001",
        "At the maintain timer a, whose row 0 (b, c) has empty slots and whose row 1 holds "
        "g, asks c, its row-0 entry for this round, for row 0 (row_sync) and restarts the "
        "timer.",
        ("positive",),
    )
    ring(case, "b", "c", "g")
    _maintain(case, (("c", 0),))
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/maintain-002",
        "At the maintain timer a, whose row 1 is empty (it knows only b and c), asks nobody "
        "and restarts the timer.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    _maintain(case, ())
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/row-sync-001",
        "b asks a for its row 0 (row_sync); a answers with a row_state listing its row-0 "
        "entries d, c and e, leaving b out.",
        ("positive",),
    )
    ring(case, "b", "c", "d", "e", "g")
    outputs = case.send("b", RowSync(node=ref("b"), row=0), "b asks for row 0")
    _expect_row_state(case, outputs, ("d", "c", "e"))
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/row-state-001",
        "c's row_state for row 0 lists b and d, and its row_state for row 1 lists g: a takes "
        "all three into its tables and pings those that entered its leaf set.",
        ("positive",),
    )
    ring(case, "c")
    case.send("c", RowState(node=ref("c"), row=0, entries=(ref("b"), ref("d"))), "c's row 0")
    case.send("c", RowState(node=ref("c"), row=1, entries=(ref("g"),)), "c's row 1")
    yield case.trace()
