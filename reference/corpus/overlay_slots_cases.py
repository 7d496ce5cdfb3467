"""Cases of the table rules at their edges: slots, leaf-set sides, M, and what a departure removes.

``a`` learns of nodes from ``row_state`` messages (row 0: the entries may be any
node but ``a``, at any coordinates), so these cases choose ids and coordinates
freely. They pin, each in a form a careless implementation gets wrong:

- considering: a reference to ``a`` itself (a ``join_state`` may list the joiner)
  is ignored by every table;
- the routing table: an occupant keeps its slot against a later reference with
  its own id, however near; ties of proximity are broken by id at any
  proximity (not only small ones); the row of a node sharing 16 or 31 digits
  with ``a``, and the slots of the ids 0 and 2^128 - 1;
- the leaf set: ids one apart are distinct members, and a side whose farthest
  member lies across 0 (the ids wrap) admits a node one id nearer;
- M: 32 members at ``a``'s own coordinates, and a candidate there whose id is
  one less than the largest member's (it enters);
- a departure: the departed node leaves exactly the tables that held it (one
  side of L only, R only, M only), a ``leaf_request`` goes out only for a side
  that lost a member, and the refill takes the next node from R; ``leave``
  then tells every node of L, R and M, including those only R or only M holds.

The premise of every step (who holds which slot, who is in which table, what
is sent) is checked while the case is recorded.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Final

from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import (
    JOIN_NONCE,
    NODE,
    OverlayCase,
    identity,
    join_state,
    ref,
    ring,
)
from reference.envelope import open_envelope
from reference.overlay.ring import digit, shl, to_bytes, to_int
from reference.overlay.tables import Tables
from spec.v1.overlay import NodeRef
from spec.v1.overlay.commands import JoinCommand, LeaveCommand
from spec.v1.overlay.constants import COLUMNS, LEAF_HALF, NEIGHBOURHOOD_SIZE, RING
from spec.v1.overlay.messages import Departure, JoinState, RouteAck, RowState
from spec.v1.registry import MESSAGES
from spec.v1.trace import Generator, Output, Trace

A_ID: Final = to_int(identity(NODE).node_id)
AT: Final = (300, 700)
"""a's coordinates in the slot cases (x and y differ)."""
FAR: Final = 1_000_000
"""A coordinate far from a: nodes placed at (FAR, FAR) are nearer nothing."""


def slots_cases(g: Generator) -> Iterator[Trace]:
    yield _first_reference_case(g)
    yield _self_listed_case(g)
    yield _tie_case(g)
    yield _extreme_ids_case(g)
    yield _wrap_case(g, above=True)
    yield _wrap_case(g, above=False)
    yield _same_place_case(g)
    yield _departure_case(g)


# -- helpers -----------------------------------------------------------------------------------


def _at(node: int, x: int, y: int) -> NodeRef:
    return NodeRef(id=to_bytes(node % RING), x=x, y=y)


def _id(name: str) -> int:
    return to_int(identity(name).node_id)


def _named(prefix: str, wanted: Callable[[int], bool]) -> str:
    """The first name ``<prefix><i>`` whose id satisfies ``wanted``."""
    for i in range(10_000):
        name = f"{prefix}{i}"
        if wanted(_id(name)):
            return name
    raise CaseError(f"no name {prefix}<i> fits")


def _tables(case: OverlayCase) -> Tables:
    return case.node.state.data.tables


def _list(
    case: OverlayCase, sender: NodeRef, name: str, nodes: Sequence[NodeRef], note: str
) -> None:
    """``name`` (signing as ``sender``) lists ``nodes`` in row_states of row 0, 15 at a time."""
    for start in range(0, len(nodes), COLUMNS - 1):
        chunk = tuple(nodes[start : start + COLUMNS - 1])
        case.send(name, RowState(node=sender, row=0, entries=chunk), note)


def _slot(case: OverlayCase, node: int) -> NodeRef | None:
    """What a's routing table holds in the slot ``node`` belongs to."""
    row = shl(A_ID, node)
    entry = _tables(case).table[row][digit(node, row)]
    return None if entry is None else entry[3]


def _holds(case: OverlayCase, node: int) -> tuple[bool, bool, bool, bool]:
    """Whether (smaller side, larger side, R, M) of a hold ``node``."""
    tables = _tables(case)
    slot = _slot(case, node)
    return (
        any(r[0] == node for r in tables.leaf.smaller),
        any(r[0] == node for r in tables.leaf.larger),
        slot is not None and to_int(slot.id) == node,
        any(r[0] == node for r in tables.neighbours.refs),
    )


def _sent(outputs: tuple[Output, ...]) -> tuple[tuple[str, bytes], ...]:
    """(message type, recipient) of each output."""
    return tuple((type(open_envelope(o.frame, MESSAGES).body).__name__, o.to) for o in outputs)


def _check(case: OverlayCase, ok: bool, what: str) -> None:
    if not ok:
        raise CaseError(f"{case.case_id}: {what}")


# -- the routing table --------------------------------------------------------------------------


def _first_reference_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/slot-first-reference-001",
        "a, at (300, 700), learns of x far away (p lists it): x takes its empty routing "
        "slot. p then lists x again at a's own coordinates: the slot keeps x's first "
        "reference (a table that holds a node ignores every later reference with its id, "
        "however near), and so do the leaf set and M.",
        ("positive", "edge"),
        at=AT,
    )
    ring(case)
    x = _id("x")
    sender = _at(_id("p"), FAR, FAR)
    first = _at(x, FAR // 2, FAR // 3)
    _list(case, sender, "p", (first,), "p lists x, far from a")
    _check(case, _slot(case, x) == first, "x should hold its slot")
    again = _at(x, *AT)
    _list(case, sender, "p", (again,), "p lists x again, at a's coordinates")
    tables = _tables(case)
    _check(case, _slot(case, x) == first, "the slot should keep x's first reference")
    _check(
        case,
        all(
            r[3] == first
            for r in (*tables.leaf.smaller, *tables.leaf.larger, *tables.neighbours.refs)
            if r[0] == x
        ),
        "L and M should keep x's first reference",
    )
    return case.trace()


def _self_listed_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/join/state-lists-self-001",
        "a joins through b; the root c's join_state lists a itself (as c's tables still "
        "hold it from an earlier membership) among its entries, leaf set and neighbours, "
        "beside e. a ignores every reference to itself: no table of a holds a, and when b's "
        "state completes the join a announces to b, c and e only.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges the hand-over")
    me = case.self_ref
    state = JoinState(
        nonce=JOIN_NONCE,
        hop=1,
        root=True,
        node=ref("c"),
        entries=(me, ref("e")),
        leaf=(me, ref("e")),
        neighbours=(me,),
    )
    case.send("c", state, "the root c's state, listing a itself")
    tables = _tables(case)
    listed = (*tables.leaf.smaller, *tables.leaf.larger, *tables.neighbours.refs)
    entries = [entry for row in tables.table for entry in row if entry is not None]
    _check(case, all(r[0] != A_ID for r in (*listed, *entries)), "a should not hold itself")
    outputs = case.send("b", join_state("b", 0, False), "b's state (position 0)")
    told = sorted(to for kind, to in _sent(outputs) if kind == "Announce")
    _check(case, told == sorted(identity(n).node_id for n in "bce"), "announce to b, c, e")
    return case.trace()


def _tie_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/slot-tie-002",
        "Three nodes of a's routing slot (0, 3) at the same proximity 2500 (50 units from a, "
        "along different axes): the first takes the empty slot, one with a larger id stays "
        "out, one with a smaller id takes the slot. Ties are broken by id at any proximity, "
        "not only where the squared distances are small numbers.",
        ("positive", "edge"),
        at=AT,
    )
    ring(case)
    sender = _at(_id("p"), FAR, FAR)
    x, y = AT
    base = 0x35 << 120
    occupant = _at(base, x + 30, y + 40)
    larger = _at(base + (1 << 100), x + 50, y)
    smaller = _at(base - (1 << 100), x - 40, y - 30)
    _list(case, sender, "p", (occupant,), "p lists a node of slot (0, 3), 50 units away")
    _check(case, _slot(case, base) == occupant, "the first should take the empty slot")
    _list(case, sender, "p", (larger,), "p lists one at the same proximity, larger id")
    _check(case, _slot(case, base) == occupant, "the larger id should stay out")
    _list(case, sender, "p", (smaller,), "p lists one at the same proximity, smaller id")
    _check(case, _slot(case, base) == smaller, "the smaller id should take the slot")
    return case.trace()


def _extreme_ids_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/slot-extreme-ids-001",
        "p lists four nodes: id 0 (slot (0, 0)), id 2^128 - 1 (slot (0, 15)), a's id with "
        "its lowest bit flipped (31 shared digits: row 31) and a's id with bit 63 flipped "
        "(16 shared digits: row 16). Each takes the slot of its shared prefix length and "
        "next digit; the leaf set takes the two next to a.",
        ("positive", "edge"),
        at=AT,
    )
    ring(case)
    sender = _at(_id("p"), FAR, FAR)
    nodes = {
        0: (0, 0),
        RING - 1: (0, 15),
        A_ID ^ 1: (31, digit(A_ID ^ 1, 31)),
        A_ID ^ (1 << 63): (16, digit(A_ID ^ (1 << 63), 16)),
    }
    refs = {node: _at(node, 400 + i, 600 - i) for i, node in enumerate(nodes)}
    _list(case, sender, "p", tuple(refs.values()), "p lists ids 0, 2^128 - 1 and two near a")
    table = _tables(case).table
    for node, (row, column) in nodes.items():
        entry = table[row][column]
        _check(case, entry is not None and entry[3] == refs[node], f"no entry at {row, column}")
    leaf = _tables(case).leaf
    members = {r[0] for r in (*leaf.smaller, *leaf.larger)}
    _check(case, {A_ID ^ 1, A_ID ^ (1 << 63)} <= members, "the two near a should be in L")
    return case.trace()


# -- the leaf set: ids one apart, and sides across 0 --------------------------------------------


def _wrap_case(g: Generator, above: bool) -> Trace:
    side, other = ("smaller", "larger") if above else ("larger", "smaller")
    case = OverlayCase(
        g,
        f"overlay/ring/leaf-wrap-00{1 if above else 2}",
        f"a knows 8 nodes, all {'above' if above else 'below'} its id, the nearest "
        f"{'A + 2' if above else 'A - 2'} (A = a's id): its {side} side holds all 8, its "
        f"farthest member {'A + 2' if above else 'A - 2'} lying across "
        f"{'0' if above else '2^128 - 1'} from a. Then {'A + 3' if above else 'A - 3'} "
        f"arrives: one id nearer than that farthest member on the {side} side, it takes its "
        f"place there, and on the {other} side it is a new member next to "
        f"{'A + 2' if above else 'A - 2'} (ids one apart are distinct nodes).",
        ("positive", "edge"),
    )
    ring(case)
    step = 1 if above else -1
    name = "p1" if above else "p3"
    sender_id = _id(name)
    if (sender_id > A_ID) != above:
        raise CaseError(f"{case.case_id}: {name} is on the wrong side of a")
    sender = _at(sender_id, FAR, FAR)
    spread = tuple(_at(A_ID + step * (k << 100), FAR, FAR - k) for k in range(1, 7))
    nearest = _at(A_ID + 2 * step, FAR - 7, FAR)
    _list(case, sender, name, (*spread, nearest), "the sender lists 7 nodes on its side of a")
    leaf = _tables(case).leaf
    far_side = leaf.smaller if above else leaf.larger
    _check(case, len(far_side) == LEAF_HALF, f"the {side} side should be full")
    _check(case, far_side[-1][0] == A_ID + 2 * step, f"{nearest.id.hex()} should be farthest")
    newcomer = _at(A_ID + 3 * step, FAR - 8, FAR)
    _list(case, sender, name, (newcomer,), "the sender lists the node one id past it")
    leaf = _tables(case).leaf
    far_side, near_side = (leaf.smaller, leaf.larger) if above else (leaf.larger, leaf.smaller)
    ids = [r[0] for r in far_side]
    _check(case, ids[-1] == A_ID + 3 * step and A_ID + 2 * step not in ids, "no wrap push")
    _check(
        case,
        [r[0] for r in near_side[:2]] == [A_ID + 2 * step, A_ID + 3 * step],
        "the two nodes one id apart should both be near members",
    )
    return case.trace()


# -- M: ties at proximity 0 ----------------------------------------------------------------------


def _same_place_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/neighbourhood/same-place-001",
        "32 nodes at a's own coordinates (proximity 0) fill M; the largest id ends in "
        "0x05. A candidate there whose id is one more stays out. One whose id is one less "
        "(ending in 0x04) comes before the largest in (proximity, id) order, the ids "
        "compared whole: it enters M and pushes the largest out.",
        ("positive", "edge"),
    )
    ring(case)
    sender = _at(_id("p"), FAR, FAR)
    x, y = 500, 500
    members = tuple(_at((k << 120) | 5, x, y) for k in range(1, NEIGHBOURHOOD_SIZE + 1))
    _list(case, sender, "p", members, "p lists 32 nodes at a's coordinates")
    top = (NEIGHBOURHOOD_SIZE << 120) | 5
    inside = {r[0] for r in _tables(case).neighbours.refs}
    _check(case, inside == {to_int(m.id) for m in members}, "M should hold the 32")
    beyond = _at(top + 1, x, y)
    _list(case, sender, "p", (beyond,), "p lists one more there, id one above the largest")
    _check(case, all(r[0] != top + 1 for r in _tables(case).neighbours.refs), "it entered M")
    below = _at(top - 1, x, y)
    _list(case, sender, "p", (below,), "p lists one more there, id one below the largest")
    inside = {r[0] for r in _tables(case).neighbours.refs}
    _check(case, top - 1 in inside and top not in inside, "it should replace the largest")
    return case.trace()


# -- a departure: out of exactly the tables that held the node -----------------------------------


def _departure_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/departure-one-table-001",
        "a knows 39 nodes, placed so that each departing node sits in one table only. d3 "
        "(id below a's) and d4 (above), alone in their routing slots and far from a, depart "
        "in turn: each leaves R (row_requests for its slot) and no leaf_request goes out, "
        "as no side lost a member. d5 and d6, in M only (nearer nodes hold their slots), "
        "depart: M drops each, nothing else changes. d1, a's nearest successor and in its "
        "larger side only (a nearer node of its slot holds it), departs: a asks the "
        "farthest successor left (leaf_request), keeps the occupant of d1's slot, and the "
        "refill takes y, the next successor, which only R holds. Then a leaves: it sends a "
        "departure to every node of L, R and M, among them z, which only R holds (row 2, "
        "below an empty row 1), and nodes only M holds.",
        ("positive", "edge"),
    )
    ring(case)
    x, y = 500, 500
    d1 = _named("w", lambda i: i >> 124 == 0xB)
    d3 = _named("w", lambda i: i >> 124 == 0x5)
    d4 = _named("w", lambda i: i >> 124 == 0xE)
    d5 = _named("w", lambda i: i >> 124 == 0x3)
    d6 = _named("w", lambda i: i >> 124 == 0x4)
    far = {d1: _at(_id(d1), FAR, FAR), d3: _at(_id(d3), FAR, FAR - 1)}
    far[d4] = _at(_id(d4), FAR - 1, FAR)
    near = {d5: _at(_id(d5), x + 2, y), d6: _at(_id(d6), x + 3, y)}
    blockers = (_at(_id(d5) ^ (1 << 100), x + 1, y), _at(_id(d6) ^ (1 << 100), x + 2, y + 1))
    successors = tuple(_at(_id(d1) + (k << 64), x + 20 + k, y + 20) for k in range(1, 8))
    next_one = _at((0xC << 124) + 1, FAR - 2, FAR)
    predecessors = tuple(_at(A_ID - (k << 100), x + 40 + k, y + 40) for k in range(1, 9))
    crowd = tuple(_at((0x1 << 124) + (k << 100), x + 3, y + k) for k in range(1, 16))
    deep = _at((0x9A << 120) + 1, FAR, FAR - 2)
    listed = (
        far[d1],
        far[d4],
        *near.values(),
        *blockers,
        *successors,
        next_one,
        *predecessors,
        *crowd,
        deep,
    )
    _list(case, far[d3], d3, listed, "d3 lists 42 nodes in row_states of row 0")
    tables = _tables(case)
    _check(case, len(tables.neighbours.refs) == NEIGHBOURHOOD_SIZE, "M should be full")
    _check(case, len(tables.leaf.smaller) == len(tables.leaf.larger) == LEAF_HALF, "L not full")
    expected = {
        d3: (False, False, True, False),
        d4: (False, False, True, False),
        d5: (False, False, False, True),
        d6: (False, False, False, True),
        d1: (False, True, False, False),
    }
    for name, where in expected.items():
        _check(case, _holds(case, _id(name)) == where, f"{name} should be held by {where}")
    y_id = to_int(next_one.id)
    _check(case, _holds(case, y_id) == (False, False, True, False), "y should be in R only")
    z_id = to_int(deep.id)
    _check(case, _holds(case, z_id) == (False, False, True, False), "z should be in R only")
    _check(
        case,
        shl(A_ID, z_id) == 2 and all(e is None for e in _tables(case).table[1]),
        "z should sit in row 2, below an empty row 1",
    )
    m_order = [r[0] for r in _tables(case).neighbours.refs]
    after5 = m_order[m_order.index(_id(d5)) + 1]
    after6 = m_order[m_order.index(_id(d6)) + 1]
    _check(case, after5 > _id(d5) and after6 < _id(d6), "M's order around d5 and d6")

    for name in (d3, d4):
        outputs = case.send(name, Departure(node=far[name]), f"{name}, in R only, departs")
        kinds = {kind for kind, _ in _sent(outputs)}
        _check(case, kinds == {"RowRequest"}, f"{name}'s departure should send row_requests only")
        _check(case, _slot(case, _id(name)) is None, f"{name} should have left R")
    for name in (d5, d6):
        before = _tables(case)
        outputs = case.send(name, Departure(node=near[name]), f"{name}, in M only, departs")
        after = _tables(case)
        _check(case, not outputs, f"{name}'s departure should send nothing")
        _check(case, _holds(case, _id(name)) == (False,) * 4, f"{name} should have left M")
        _check(case, after.leaf == before.leaf and after.table == before.table, "L or R changed")
    holder = _slot(case, _id(d1))
    outputs = case.send(d1, Departure(node=far[d1]), f"{d1}, in the larger side only, departs")
    requests = [to for kind, to in _sent(outputs) if kind == "LeafRequest"]
    _check(case, requests == [successors[-1].id], "one leaf_request, to the farthest successor")
    _check(case, _slot(case, _id(d1)) == holder, "the occupant of d1's slot should stay")
    larger = [r[0] for r in _tables(case).leaf.larger]
    _check(case, larger == [*(to_int(s.id) for s in successors), y_id], "the refill missed y")
    tables = _tables(case)
    only_m = [r[0] for r in tables.neighbours.refs if _holds(case, r[0]) == (False,) * 3 + (True,)]
    _check(case, len(only_m) > 1, "some nodes should be in M only")
    known = {r[0] for r in (*tables.leaf.smaller, *tables.leaf.larger, *tables.neighbours.refs)}
    known.update(entry[0] for row in tables.table for entry in row if entry is not None)
    outputs = case.command("leave", LeaveCommand(), "a leaves")
    told = [to for kind, to in _sent(outputs) if kind == "Departure"]
    _check(case, told == [to_bytes(n) for n in sorted(known)], "a departure to every node")
    _check(case, to_bytes(z_id) in told, "z, in R only (row 2), should be told")
    return case.trace()
