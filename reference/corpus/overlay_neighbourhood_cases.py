"""Cases of the neighbourhood set M: the ``NEIGHBOURHOOD_SIZE`` (32) nodes nearest by proximity.

M is in the observable state (``neighbours``), but it decides nothing until a node
knows more than 32 nodes: below that, every node it knows is in M. Each case
here gives ``a`` more than 32 nodes, from ``row_state`` messages (whose entries
are considered for every table and may carry any coordinates), and pins one part
of the rule: which 32 are the nearest, what happens at the boundary (a
candidate just inside, one tied with the farthest member, one beyond), and that
M shrinks by one when a member leaves and never grows past 32. ``a`` sits at
(300, 700) in these cases, so that a proximity computed with the axes mixed up
differs from the right one.

The premise of every step (who is in M, who is farthest) is checked while the
case is recorded.
"""

from collections.abc import Iterator
from typing import Final

from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import OverlayCase, identity, ref, ring
from reference.overlay.ring import Ref, to_int
from spec.v1.overlay import NodeRef
from spec.v1.overlay.constants import NEIGHBOURHOOD_SIZE
from spec.v1.overlay.messages import Departure, RowState
from spec.v1.trace import Generator, Trace

AT: Final = (300, 700)
"""a's coordinates in these cases (x and y differ)."""
SENDERS: Final = ("p1", "p2", "p3")
"""The peers whose ``row_state`` (row 0) brings the candidates; each brings 15."""
CANDIDATES: Final = tuple(f"n{i}" for i in range(45))
"""Nodes at their fixed coordinates (spread over 0..1020 on both axes, around a)."""


def _proximity(node: NodeRef) -> int:
    dx = node.x - AT[0]
    dy = node.y - AT[1]
    return dx * dx + dy * dy


def _members(case: OverlayCase) -> tuple[Ref, ...]:
    """a's M, nearest first (the reference's own order: proximity, then id)."""
    return case.node.state.data.tables.neighbours.refs


def _in_m(case: OverlayCase, node: NodeRef) -> bool:
    return any(r[0] == to_int(node.id) for r in _members(case))


def _row_state(case: OverlayCase, sender: str, entries: tuple[NodeRef, ...], note: str) -> None:
    case.send(sender, RowState(node=ref(sender), row=0, entries=entries), note)


def _fill(case: OverlayCase) -> None:
    """create_ring, then 48 candidates: 45 entries of three row_states and their senders."""
    ring(case)
    for i, sender in enumerate(SENDERS):
        entries = tuple(ref(name) for name in CANDIDATES[15 * i : 15 * (i + 1)])
        _row_state(case, sender, entries, f"{sender} lists 15 nodes in its row 0")
    members = _members(case)
    if len(members) != NEIGHBOURHOOD_SIZE:
        raise CaseError(f"{case.case_id}: M holds {len(members)} nodes, not 32")
    everyone = [ref(name) for name in (*SENDERS, *CANDIDATES)]
    nearest = sorted(everyone, key=lambda n: (_proximity(n), n.id))[:NEIGHBOURHOOD_SIZE]
    if {r[3].id for r in members} != {n.id for n in nearest}:
        raise CaseError(f"{case.case_id}: M is not the 32 nearest")


def _named(prefix: str, wanted: object) -> str:
    """The first name ``<prefix><i>`` whose id satisfies ``wanted`` (a predicate on ints)."""
    for i in range(10_000):
        name = f"{prefix}{i}"
        if wanted(to_int(identity(name).node_id)):  # type: ignore[operator]
            return name
    raise CaseError(f"no name {prefix}<i> fits")


def _between(low: int, high: int) -> tuple[int, int]:
    """Coordinates whose proximity to a lies strictly between ``low`` and ``high``."""
    for dx in range(1100):
        for dy in range(dx + 1):
            if low < dx * dx + dy * dy < high:
                return AT[0] + dx, AT[1] - dy
    raise CaseError(f"no proximity between {low} and {high}")


def neighbourhood_cases(g: Generator) -> Iterator[Trace]:
    yield _nearest_case(g)
    yield _boundary_case(g)
    yield _departure_case(g)
    yield _near_case(g)


def _nearest_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/neighbourhood/nearest-001",
        "a, at (300, 700), learns of 48 nodes spread around it (three row_states of 15 "
        "entries and their senders): M holds exactly the 32 nearest by squared distance "
        "(x against a's x, y against a's y), whatever the order they came in; a node whose "
        "id is the number 300 (a's x coordinate) is judged by its coordinates like any "
        "other and enters M.",
        ("positive", "edge"),
        at=AT,
    )
    _fill(case)
    small = NodeRef(id=(AT[0]).to_bytes(16, "big"), x=AT[0] + 3, y=AT[1] + 4)
    _row_state(case, "p1", (small,), "p1 lists a node with id 300, 5 units from a")
    if not _in_m(case, small):
        raise CaseError(f"{case.case_id}: the node with id 300 is not in M")
    return case.trace()


def _boundary_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/neighbourhood/boundary-001",
        "a's M is full (32 of 48 nodes): a candidate nearer than the farthest member but "
        "farther than the second farthest takes the farthest's place; then, at exactly the "
        "new farthest member's proximity, a candidate with a larger id stays out and one "
        "with a smaller id takes its place (ties to the smaller id); a candidate farther "
        "than every member stays out.",
        ("positive", "edge"),
        at=AT,
    )
    _fill(case)
    members = _members(case)
    far, second = members[-1][3], members[-2][3]
    x, y = _between(_proximity(second), _proximity(far))
    inside = NodeRef(id=identity("q0").node_id, x=x, y=y)
    _row_state(case, "p2", (inside,), "p2 lists a node just inside M's boundary")
    if not _in_m(case, inside) or _in_m(case, far):
        raise CaseError(f"{case.case_id}: the near candidate did not replace the farthest")
    far = _members(case)[-1][3]
    far_id = to_int(far.id)
    larger = NodeRef(id=identity(_named("t", lambda i: i > far_id)).node_id, x=far.x, y=far.y)
    _row_state(case, "p3", (larger,), "p3 lists a node tied with the farthest, larger id")
    if _in_m(case, larger) or not _in_m(case, far):
        raise CaseError(f"{case.case_id}: the tie went to the larger id")
    smaller = NodeRef(id=identity(_named("t", lambda i: i < far_id)).node_id, x=far.x, y=far.y)
    _row_state(case, "p3", (smaller,), "p3 lists a node tied with the farthest, smaller id")
    if not _in_m(case, smaller) or _in_m(case, far):
        raise CaseError(f"{case.case_id}: the tie did not go to the smaller id")
    beyond = NodeRef(id=identity("q1").node_id, x=AT[0] + 2000, y=AT[1] + 2000)
    _row_state(case, "p1", (beyond,), "p1 lists a node farther than every member")
    if _in_m(case, beyond):
        raise CaseError(f"{case.case_id}: the far candidate entered a full M")
    return case.trace()


def _departure_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/neighbourhood/after-departure-001",
        "A member of a's full M (the sixth nearest) departs: M holds the other 31; of two "
        "candidates farther than every member, listed together, the nearer enters and the "
        "farther stays out (M never holds more than 32); a candidate nearer than the "
        "farthest member then takes that member's place.",
        ("positive", "edge"),
        at=AT,
    )
    _fill(case)
    leaving = _members(case)[5][3]
    name = next(n for n in (*SENDERS, *CANDIDATES) if identity(n).node_id == leaving.id)
    case.send(name, Departure(node=leaving), f"{name}, the sixth nearest member of M, departs")
    if len(_members(case)) != NEIGHBOURHOOD_SIZE - 1:
        raise CaseError(f"{case.case_id}: M did not shrink by one")
    first = NodeRef(id=identity("q2").node_id, x=AT[0] + 2000, y=AT[1])
    second = NodeRef(id=identity("q3").node_id, x=AT[0], y=AT[1] + 2500)
    _row_state(case, "p1", (first, second), "p1 lists two nodes farther than every member")
    if not _in_m(case, first) or _in_m(case, second):
        raise CaseError(f"{case.case_id}: M did not take exactly the nearer far node")
    members = _members(case)
    x, y = _between(_proximity(members[-2][3]), _proximity(members[-1][3]))
    inside = NodeRef(id=identity("q4").node_id, x=x, y=y)
    _row_state(case, "p2", (inside,), "p2 lists a node nearer than the farthest member")
    if not _in_m(case, inside) or _in_m(case, first) or len(_members(case)) != 32:
        raise CaseError(f"{case.case_id}: the near candidate did not replace the farthest")
    return case.trace()


def _near_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/neighbourhood/nearest-ties-001",
        "a learns of 20 nodes at its own coordinates (proximity 0) and 20 one unit away "
        "(proximity 1): M holds all 20 at proximity 0 and, of the others, the 12 with the "
        "smallest ids; order by proximity first, the id only breaks ties.",
        ("positive", "edge"),
        at=AT,
    )
    ring(case)
    steps = ((1, 0), (-1, 0), (0, 1), (0, -1))
    here = tuple(NodeRef(id=identity(f"z{i}").node_id, x=AT[0], y=AT[1]) for i in range(20))
    near = tuple(
        NodeRef(id=identity(f"z{20 + i}").node_id, x=AT[0] + dx, y=AT[1] + dy)
        for i, (dx, dy) in enumerate(steps * 5)
    )
    nodes = here + near
    for i, sender in enumerate(SENDERS):
        entries = nodes[15 * i : 15 * (i + 1)]
        _row_state(case, sender, entries, f"{sender} lists {len(entries)} nodes at or next to a")
    wanted = {n.id for n in here} | set(sorted(n.id for n in near)[:12])
    if {r[3].id for r in _members(case)} != wanted:
        raise CaseError(f"{case.case_id}: M is not the 20 at a and the 12 smallest next to it")
    return case.trace()
