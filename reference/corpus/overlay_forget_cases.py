"""Cases of forgetting a node: what declaring a node failed removes, and what it leaves.

A ``departure`` makes the receiver declare its signer failed: the node is removed
from L, R and M and goes on the failed list. The removal takes out that node
and nothing else: the occupant of the routing-table slot the departed node
would have had stays when it is another node. And the rule reads only the
signer, so a departure signed by the receiver itself makes it list itself as
failed (no table of a node holds the node itself, so no table changes and
nothing is sent).

The premise of every step is checked while the case is recorded.
"""

from collections.abc import Iterator

from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import NODE, OverlayCase, identity, ring
from reference.overlay.ring import digit, shl, to_int
from spec.v1.overlay.constants import FAILED_MEMORY
from spec.v1.overlay.messages import Departure
from spec.v1.trace import Generator, Trace


def forget_cases(g: Generator) -> Iterator[Trace]:
    yield _stranger_case(g)
    yield _self_case(g)


def _slot_of(origin: int, node: int) -> tuple[int, int]:
    row = shl(origin, node)
    return row, digit(node, row)


def _stranger_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/departure-stranger-001",
        "x, a node a does not know, departs; a's routing table holds c in the slot x would "
        "take (c's id is larger than x's): a lists x as failed and keeps c in its slot, "
        "sending no repair request (removing a node takes out that node only).",
        ("positive", "edge"),
    )
    ring(case, "b", "c", "e")
    a_id = to_int(identity(NODE).node_id)
    c_id = to_int(identity("c").node_id)
    row, column = _slot_of(a_id, c_id)
    name = next(
        f"x{i}"
        for i in range(10_000)
        if to_int(identity(f"x{i}").node_id) < c_id
        and _slot_of(a_id, to_int(identity(f"x{i}").node_id)) == (row, column)
    )
    leaving = case.peer(name)
    outputs = case.send(name, Departure(node=leaving.ref), f"{name} (slot {row}, {column}) departs")
    entry = case.node.state.data.tables.table[row][column]
    if entry is None or entry[0] != c_id or outputs:
        raise CaseError(f"{case.case_id}: c left its slot, or a sent something")
    if [f.node for f in case.node.state.data.failed] != [to_int(leaving.node_id)]:
        raise CaseError(f"{case.case_id}: the stranger is not on the failed list")
    return case.trace()


def _self_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/departure-self-001",
        "a receives a departure signed by itself (its own identity, a sequence number it "
        "has not seen from itself): it declares its signer, itself, failed: it lists "
        "itself on the failed list until now + FAILED_MEMORY, changes no table (none holds "
        "a itself) and sends nothing.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    me = case.peer(NODE)
    tables = case.node.state.data.tables
    outputs = case.send(NODE, Departure(node=case.self_ref), "a's own departure")
    failed = case.node.state.data.failed
    if outputs or case.node.state.data.tables != tables:
        raise CaseError(f"{case.case_id}: a's own departure changed a table or sent something")
    if [(f.node, f.until) for f in failed] != [(to_int(me.node_id), case.now + FAILED_MEMORY)]:
        raise CaseError(f"{case.case_id}: a is not on its own failed list")
    return case.trace()
