"""Cases of the leaf set's edges: its range, ties, sides, and who may enter it.

Most cases build a leaf set of *made-up* nodes: a peer's ``row_state`` lists
references whose ids sit at chosen distances from ``a`` (a row_state may list
any references; only its sender signs). So each case puts a node exactly on
the boundary it pins, where a wrong reading of one rule routes elsewhere or
leaves another state:

- the range (``overlay/route/leaf-range-*``): a key at the farthest member's id
  is inside, one past it outside (a made-up competitor one unit beyond holds
  that routing-table slot, so the two rules pick different nodes); ties go to
  the smaller id, distances are exact to the unit, and sides that reach
  across id 0 are measured modulo 2^128;
- the sides: a leaf list judged member by member (``overlay/ring/leaf-list-
  edges-001``), an announcer that enters only the far side of a leaf set, or
  a side that spans nearly the whole ring of 17 (``announce-far-side``,
  ``announce-wide-side``), a side emptied by failures and refilled from the
  other side's members (``refill-other-side``), members that fail from the middle of a side (the
  probe_timeout at the end of the wrap cases);
- who may enter: a pinging stranger while ``a`` knows nobody, not ``a`` itself
  (``overlay/probe/ping-lone-and-self-001``), nobody on the failed list
  (``overlay/ring/announce-from-failed-001``);
- the rare case's tie between two nodes at distance 1 from the key
  (``overlay/route/rare-case-tie-001``): both share 31 digits with it.

The premise of every step (who is in which side and slot, where a route
goes, what is sent) is checked while the case is recorded.
"""

from collections.abc import Iterator, Sequence
from typing import Final

from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import (
    NODE,
    OverlayCase,
    identity,
    nonce_of,
    ref,
    ring,
)
from reference.envelope import open_envelope
from reference.overlay.ring import to_int
from spec.v1.overlay import NodeRef
from spec.v1.overlay.commands import LookupCommand
from spec.v1.overlay.constants import RING
from spec.v1.overlay.messages import Announce, Departure, LeafUpdate, RowState
from spec.v1.registry import MESSAGES
from spec.v1.trace import Generator, Output, Trace
from spec.v1.wire import Ping

A_ID: Final = to_int(identity(NODE).node_id)
UNIT: Final = 1 << 100
"""The spacing of the made-up members of the dense leaf set (about 2^-28 of the ring)."""
FAR: Final = (1000, 1000)
"""Coordinates of the made-up members (far from a at (500, 500))."""
NEAR: Final = (500, 501)
"""Coordinates of a made-up competitor: nearer a than every member, so it wins its slot."""


def made_up(position: int, at: tuple[int, int] = FAR) -> NodeRef:
    """A reference to a made-up node with id ``position`` (modulo 2^128)."""
    return NodeRef(id=(position % RING).to_bytes(16, "big"), x=at[0], y=at[1])


def _kinds(outputs: Sequence[Output]) -> list[tuple[str, int]]:
    return [(open_envelope(o.frame, MESSAGES).envelope.type, to_int(o.to)) for o in outputs]


def _listed(case: OverlayCase, sender: str, refs: Sequence[NodeRef], note: str) -> None:
    """``sender``'s row_state (row 0) lists ``refs``, 15 at a time."""
    for i in range(0, len(refs), 15):
        chunk = tuple(refs[i : i + 15])
        case.send(sender, RowState(node=ref(sender), row=0, entries=chunk), note)


def _sides(case: OverlayCase) -> tuple[list[int], list[int]]:
    leaf = case.node.state.data.tables.leaf
    return [r[0] for r in leaf.smaller], [r[0] for r in leaf.larger]


def _slot_holder(case: OverlayCase, node: int) -> int | None:
    tables = case.node.state.data.tables
    row = (128 - (A_ID ^ node).bit_length()) // 4
    column = (node >> (124 - 4 * row)) & 15
    entry = tables.table[row][column]
    return None if entry is None else entry[0]


def _lookup(case: OverlayCase, key: int, note: str, goes_to: int | None) -> None:
    """a looks up ``key``: the route goes to ``goes_to`` (None: a answers it itself)."""
    raw = (key % RING).to_bytes(16, "big")
    outputs = case.command("lookup", LookupCommand(key=raw, nonce=nonce_of(note)), note)
    routes = [to for kind, to in _kinds(outputs) if kind == "route"]
    if goes_to is None:
        answered = case.node.state.data.answers
        if routes or not answered or answered[-1].key != to_int(raw):
            raise CaseError(f"{case.case_id}: {note}: a did not answer the lookup itself")
    elif routes != [goes_to]:
        raise CaseError(f"{case.case_id}: {note}: the route went to {routes}, not {goes_to:x}")


def leafset_cases(g: Generator) -> Iterator[Trace]:
    yield _range_case(g)
    yield _leaf_list_case(g)
    yield _ping_case(g)
    yield _failed_announce_case(g)
    yield _wrap_successors_case(g)
    yield _wrap_predecessors_case(g)
    yield _far_side_announce_case(g)
    yield _refill_other_side_case(g, successors_stay=True)
    yield _refill_other_side_case(g, successors_stay=False)
    yield _wide_side_case(g, successors=True)
    yield _wide_side_case(g, successors=False)
    yield _rare_tie_case(g)


def _expect(case: OverlayCase, outputs: Sequence[Output], *wanted: tuple[str, str]) -> None:
    got = _kinds(outputs)
    want = [(kind, to_int(identity(name).node_id)) for kind, name in wanted]
    if got != want:
        raise CaseError(f"{case.case_id}: sent {got}, meant {want}")


def _dense(case: OverlayCase) -> tuple[list[int], list[int]]:
    """create_ring, then p3 lists made-up successors s1..s10 and predecessors p1..p10
    (s_k at k units clockwise, s4 one more; p_k at k units and 4 counter-clockwise)."""
    ring(case)
    succ = [A_ID + k * UNIT + (k == 4) for k in range(1, 11)]
    pred = [A_ID - k * UNIT - 4 for k in range(1, 11)]
    _listed(case, "p3", [made_up(s) for s in succ] + [made_up(p) for p in pred], "p3 lists 20")
    smaller, larger = _sides(case)
    if larger != succ[:8] or smaller != pred[:8]:
        raise CaseError(f"{case.case_id}: the sides are not s1..s8 and p1..p8")
    return succ, pred


def _range_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/route/leaf-range-edges-001",
        "a's sides are full of made-up nodes: successors s1..s8 and predecessors p1..p8, "
        "with s9, s10, p9, p10 beyond, and in the routing-table slots of s8 and p8 two "
        "made-up nodes one unit beyond them (c at s8 + 1, c' at p8 - 1), nearer a. a looks "
        "up s8's id and p8's id: both are within the range (its ends are included) and go "
        "to s8 and p8; it looks up c's and c''s ids, one past the ends: outside the range, "
        "they go by the routing table to c and c'. A key exactly half-way between s1 and "
        "s2 goes to s1, one half-way between p1 and p2 to p2, one half-way between a and "
        "s1 is answered by a, one half-way between p1 and a goes to p1 (ties to the "
        "smaller id); a key one unit nearer s4 than s3 goes to s4 (distances are exact). "
        "A key near id 0, outside the range, goes by the rare case to the known node "
        "numerically closest to it.",
        ("positive", "edge"),
    )
    succ, pred = _dense(case)
    comp, comp_p = succ[7] + 1, pred[7] - 1
    _listed(case, "p3", [made_up(comp, NEAR), made_up(comp_p, NEAR)], "p3 lists c and c'")
    if _slot_holder(case, succ[7]) != comp or _slot_holder(case, pred[7]) != comp_p:
        raise CaseError(f"{case.case_id}: c and c' do not hold the slots of s8 and p8")
    _lookup(case, succ[7], "look up s8's id (the range's clockwise end)", succ[7])
    _lookup(case, comp, "look up s8 + 1 (just outside the range)", comp)
    _lookup(case, pred[7], "look up p8's id (the range's counter-clockwise end)", pred[7])
    _lookup(case, comp_p, "look up p8 - 1 (just outside the range)", comp_p)
    _lookup(case, (succ[0] + succ[1]) // 2, "a key half-way between s1 and s2", succ[0])
    _lookup(case, (pred[0] + pred[1]) // 2, "a key half-way between p1 and p2", pred[1])
    _lookup(case, (A_ID + succ[0]) // 2, "a key half-way between a and s1", None)
    _lookup(case, (pred[0] + A_ID) // 2, "a key half-way between p1 and a", pred[0])
    _lookup(case, (succ[2] + succ[3]) // 2 + 1, "a key one unit nearer s4 than s3", succ[3])
    p3 = to_int(identity("p3").node_id)
    _lookup(case, 5, "a key near id 0 (outside the range)", p3)
    return case.trace()


def _leaf_list_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/leaf-list-edges-001",
        "a's sides are full of made-up nodes (s1..s8, p1..p8). p3 sends a leaf_update "
        "listing, in order: a node between s7 and s8 and one between p7 and p8 (each "
        "enters its side, pushing s8 and p8 out), s3 at other coordinates (a member: "
        "ignored), the pushed-out s8 again (now the ninth successor: it stays out), and "
        "nodes just beyond the new farthest members on each side (they stay out). Each "
        "listed node is judged against the leaf set as the earlier ones left it.",
        ("positive", "edge"),
    )
    succ, pred = _dense(case)
    between = succ[6] + UNIT // 2
    between_p = pred[6] - UNIT // 2
    listed = (
        made_up(between),
        made_up(between_p),
        made_up(succ[2], NEAR),
        made_up(succ[7]),
        made_up(succ[6] + UNIT // 2 + 1),
        made_up(pred[6] - UNIT // 2 - 1),
    )
    case.send("p3", LeafUpdate(node=ref("p3"), leaf=listed), "p3's leaf_update")
    smaller, larger = _sides(case)
    if larger != [*succ[:7], between] or smaller != [*pred[:7], between_p]:
        raise CaseError(f"{case.case_id}: the sides are not s1..s7, x and p1..p7, x'")
    held = case.node.state.data.tables.leaf.larger[2]
    if (held[1], held[2]) != FAR:
        raise CaseError(f"{case.case_id}: s3's second reference replaced the first")
    return case.trace()


def _ping_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/ping-lone-and-self-001",
        "a has just created the ring and knows nobody: b's ping is answered with a pong and "
        "a leaf_request (a side that holds fewer than 8 admits any node); a ping signed by "
        "a itself is answered with a pong only (a node's own id never enters its leaf "
        "set).",
        ("positive", "edge"),
    )
    ring(case)
    outputs = case.send("b", Ping(nonce=nonce_of("b"), sent_at=1), "b pings a, which knows nobody")
    _expect(case, outputs, ("pong", "b"), ("leaf_request", "b"))
    outputs = case.send(NODE, Ping(nonce=nonce_of("self"), sent_at=2), "a's own ping")
    _expect(case, outputs, ("pong", NODE))
    return case.trace()


def _failed_announce_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/announce-from-failed-001",
        "b, a's only contact, departs: a knows nobody and lists b as failed. b's announce "
        "(listing c) changes nothing and is not answered; nor, once a knows d, e and f, is "
        "b's second announce listing c and g: a node on the failed list is not considered, "
        "so it is not in the leaf set and its leaf list is not read.",
        ("positive", "edge"),
    )
    ring(case, "b")
    case.send("b", Departure(node=ref("b")), "b departs")
    before = case.node.state.data.tables
    outputs = case.send("b", Announce(node=ref("b"), leaf=(ref("c"),)), "b announces, failed")
    if outputs or case.node.state.data.tables != before:
        raise CaseError(f"{case.case_id}: the failed b's announce changed something")
    for name in ("d", "e", "f"):
        case.send(name, Announce(node=ref(name), leaf=()), f"{name} announces itself")
    before = case.node.state.data.tables
    listed = (ref("c"), ref("g"))
    outputs = case.send("b", Announce(node=ref("b"), leaf=listed), "b announces again")
    if outputs or case.node.state.data.tables != before:
        raise CaseError(f"{case.case_id}: the failed b's second announce changed something")
    return case.trace()


def _ids(case: OverlayCase, names: Sequence[str]) -> list[int]:
    return [to_int(case.peer(n).node_id) for n in names]


def _fail_all(case: OverlayCase) -> None:
    """The made-up members never answer the pings a sent when they entered: at
    probe_timeout a declares them failed; none is left in either side or in R."""
    case.timer("probe_timeout", "the made-up members never answered")
    smaller, larger = _sides(case)
    failed = {f.node for f in case.node.state.data.failed}
    slots = {r[0] for row in case.node.state.data.tables.table for r in row if r is not None}
    if not failed or failed & (set(smaller) | set(larger) | slots):
        raise CaseError(f"{case.case_id}: the failed members did not leave L and R")


def _wrap_successors_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/route/leaf-range-wrap-001",
        "a (id 9a8c...) knows made-up successors at ids 01..., 02..., ..., 07... (past id "
        "0), d (0c78...) and two beyond d, predecessors 2^36 apart just below a, and c, "
        "one past d, in d's routing-table slot. d's announce makes it the farthest "
        "successor, a full 0.45 of the ring clockwise: a answers it with a leaf_update, and "
        "again when d announces a second time. a's lookup of d's id goes to d (the range "
        "reaches d, across id 0), and of d + 1 by the routing table to c. A leaf_update "
        "listing d - 1 brings it in, pushing d out (distances are taken modulo 2^128). "
        "The made-up members never answer a's pings: at probe_timeout every one of them "
        "leaves both sides and the routing table.",
        ("positive", "edge"),
    )
    ring(case)
    (d,) = _ids(case, ["d"])
    succ = [k << 120 for k in (1, 2, 3, 4, 5, 6, 7, 13, 14)]
    pred = [A_ID - (k << 36) for k in range(1, 11)]
    comp = d + 1
    refs = [made_up(s) for s in succ] + [made_up(p) for p in pred] + [made_up(comp, NEAR)]
    _listed(case, "p3", refs, "p3 lists 20 made-up nodes")
    for note in ("d announces itself", "d announces itself again"):
        outputs = case.send("d", Announce(node=ref("d"), leaf=()), note)
        _expect(case, outputs, ("leaf_update", "d"))
    smaller, larger = _sides(case)
    if larger != [*succ[:7], d] or smaller != pred[:8]:
        raise CaseError(f"{case.case_id}: the sides are not 01..07, d and p1..p8")
    if _slot_holder(case, d) != comp:
        raise CaseError(f"{case.case_id}: c does not hold d's slot")
    _lookup(case, d, "look up d's id (the range's clockwise end, past id 0)", d)
    _lookup(case, comp, "look up d + 1 (just outside the range)", comp)
    case.send("p3", LeafUpdate(node=ref("p3"), leaf=(made_up(d - 1),)), "p3 lists d - 1")
    if _sides(case)[1] != [*succ[:7], d - 1]:
        raise CaseError(f"{case.case_id}: d - 1 did not take d's place")
    _fail_all(case)
    return case.trace()


def _wrap_predecessors_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/route/leaf-range-wrap-002",
        "a (id 9a8c...) knows made-up successors just above it and made-up predecessors at "
        "ids 09..., 07..., 05..., 03..., 01... and, past id 0, ff..., fd..., fb... (the "
        "farthest, 0.62 of the ring counter-clockwise), with f9... beyond and c', one "
        "before fb..., in fb...'s routing-table slot. a's lookup of fb...'s id goes to it "
        "(the range reaches it, across id 0) and of fb... - 1 by the routing table to c'. "
        "The made-up members never answer a's pings: at probe_timeout every one of them "
        "leaves both sides and the routing table.",
        ("positive", "edge"),
    )
    ring(case)
    pred = [k << 120 for k in (9, 7, 5, 3, 1)] + [RING - (k << 120) for k in (1, 3, 5, 7)]
    succ = [A_ID + (k << 100) for k in range(1, 11)]
    far = pred[7]
    comp = far - 1
    refs = [made_up(s) for s in succ] + [made_up(p) for p in pred] + [made_up(comp, NEAR)]
    _listed(case, "p1", refs, "p1 lists 20 made-up nodes")
    smaller, larger = _sides(case)
    if larger != succ[:8] or smaller != pred[:8]:
        raise CaseError(f"{case.case_id}: the sides are not s1..s8 and 09..fb")
    if _slot_holder(case, far) != comp:
        raise CaseError(f"{case.case_id}: c' does not hold fb...'s slot")
    _lookup(case, far, "look up fb... (the range's counter-clockwise end, past id 0)", far)
    _lookup(case, comp, "look up fb... - 1 (just outside the range)", comp)
    _fail_all(case)
    return case.trace()


def _far_side_announce_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/announce-far-side-001",
        "a's sides are full of made-up nodes: successors just above it, predecessors 1/64 "
        "of the ring apart below it. c (0.09 of the ring counter-clockwise) announces "
        "itself: it enters the predecessors only (it is 0.91 of the ring clockwise, far "
        "beyond the successors), so a reads c's (empty) leaf list and answers with a "
        "leaf_update; c's second announce, c now a member, is answered the same way.",
        ("positive", "edge"),
    )
    ring(case)
    succ = [A_ID + (k << 100) for k in range(1, 10)]
    pred = [A_ID - k * (RING >> 6) for k in range(1, 10)]
    _listed(case, "p3", [made_up(s) for s in succ] + [made_up(p) for p in pred], "p3 lists 18")
    (c,) = _ids(case, ["c"])
    for note in ("c announces itself", "c announces itself again"):
        outputs = case.send("c", Announce(node=ref("c"), leaf=()), note)
        _expect(case, outputs, ("leaf_update", "c"))
    smaller, larger = _sides(case)
    if c not in smaller or c in larger:
        raise CaseError(f"{case.case_id}: c is not a predecessor only")
    return case.trace()


def _refill_other_side_case(g: Generator, *, successors_stay: bool) -> Trace:
    kept, lost = (
        ("successors", "predecessors") if successors_stay else ("predecessors", "successors")
    )
    case = OverlayCase(
        g,
        f"overlay/ring/refill-other-side-00{1 if successors_stay else 2}",
        f"p3 lists eight made-up {lost} of a in a row_state, then eight made-up {kept} in "
        f"a leaf_update (they enter the leaf set only, on the {kept}' side: the other side "
        f"is full). The {lost} never answer a's pings and are declared failed: the refill "
        f"offers the emptied side a's leaf-set members too, so the eight {kept}, known "
        "from the leaf list only, fill it as well (with p3, brought in from R). p3 departs: "
        f"a knows 8 other nodes, and each side holds all of them, the {lost}' side in the "
        "other order (in a ring of at most 17 nodes a node is on both sides). a's lookup "
        "of a key where the failed nodes were is answered by a itself, the closest node it "
        "knows. p3's announce (p3 is on the failed list) changes nothing.",
        ("positive", "edge"),
    )
    ring(case)
    sign = 1 if successors_stay else -1
    near = [A_ID + sign * k * UNIT for k in range(1, 9)]
    gone = [A_ID - sign * k * UNIT for k in range(1, 9)]
    _listed(case, "p3", [made_up(n) for n in gone], f"p3 lists eight {lost}")
    listed = tuple(made_up(n) for n in near)
    case.send("p3", LeafUpdate(node=ref("p3"), leaf=listed), f"p3's leaf_update lists {kept}")
    first = min(p.due for p in case.node.state.data.probes)
    case.timer("probe_timeout", f"the {lost} never answered", at=first)
    smaller, larger = _sides(case)
    (p3,) = _ids(case, ["p3"])
    other = smaller if successors_stay else larger
    if len(other) != 8 or not set(other) <= {*near, p3}:
        raise CaseError(f"{case.case_id}: the emptied side was not refilled from L")
    case.send("p3", Departure(node=ref("p3")), "p3 departs")
    smaller, larger = _sides(case)
    want = (list(reversed(near)), near) if successors_stay else (near, list(reversed(near)))
    if (smaller, larger) != want:
        raise CaseError(f"{case.case_id}: the sides do not both hold the {kept}")
    _lookup(case, A_ID - sign * 3 * UNIT, "a key where the failed nodes were", None)
    before = case.node.state.data.tables
    outputs = case.send("p3", Announce(node=ref("p3"), leaf=()), "p3 announces, failed")
    if outputs or case.node.state.data.tables != before:
        raise CaseError(f"{case.case_id}: the failed p3's announce changed something")
    return case.trace()


def _wide_side_case(g: Generator, *, successors: bool) -> Trace:
    """One side of a's leaf set spans nearly the whole ring, the other is crammed next to a."""
    top = 1 << 120
    if successors:
        joiner, sender, side = "c", "g", "successors"
        wide = [k * top for k in (0xA0, 0xB0, 0xC0, 0xE0, 0x10, 0x30, 0x88)]
        crammed = [A_ID - k * (1 << 112) for k in range(1, 8)]
        span = "a's farthest successor, 88..., lies 0.93 of the ring clockwise"
    else:
        joiner, sender, side = "e", "p3", "predecessors"
        wide = [k * top for k in (0x90, 0x70, 0x30, 0x10, 0xF8, 0x9C)]
        crammed = [A_ID + k * (1 << 110) for k in range(1, 9)]
        span = "a's farthest predecessor, 9c..., lies 0.99 of the ring counter-clockwise"
    case = OverlayCase(
        g,
        f"overlay/ring/announce-wide-side-00{1 if successors else 2}",
        f"A ring of 17: a's {side} are made-up nodes spread over the ring, and {joiner}; "
        f"{span}, and the other side is crammed next to a. {joiner} announces itself: it "
        f"enters the {side} only, so a reads its (empty) leaf list and answers with a "
        "leaf_update (the leaf-set rule compares ring distances, whatever the ids' bits).",
        ("positive", "edge"),
    )
    ring(case)
    _listed(case, sender, [made_up(n) for n in (*wide, *crammed)], f"{sender} lists 15 nodes")
    outputs = case.send(joiner, Announce(node=ref(joiner), leaf=()), f"{joiner} announces")
    _expect(case, outputs, ("leaf_update", joiner))
    smaller, larger = _sides(case)
    (j,) = _ids(case, [joiner])
    far = wide[-1]
    if successors and (j not in larger or j in smaller or larger[-1] != far):
        raise CaseError(f"{case.case_id}: c is not a successor only, before 88...")
    if not successors and (j not in smaller or j in larger or smaller[-1] != far):
        raise CaseError(f"{case.case_id}: e is not a predecessor only, before 9c...")
    return case.trace()


def _rare_tie_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/route/rare-case-tie-001",
        "a's leaf set is full of made-up nodes next to it; b holds routing-table slot "
        "(0, 3). p3 lists two made-up nodes k - 1 and k + 1 for a key k next to b's id "
        "(k even, sharing b's first 30 digits; both farther from a than b, so they stay "
        "out of the slot). b departs, emptying the slot, and a looks up k: the rare case "
        "finds k - 1 and k + 1 sharing 31 digits with k at distance 1 each, and forwards "
        "to the smaller id, k - 1 (k + 1 differs from k in the last bit only: it still "
        "shares 31 digits, not 32).",
        ("positive", "edge"),
    )
    _dense(case)
    case.send("b", Announce(node=ref("b"), leaf=()), "b announces itself")
    (b,) = _ids(case, ["b"])
    key = (b & ~0xFF) | 0x42
    if _slot_holder(case, key) != b:
        raise CaseError(f"{case.case_id}: b does not hold k's slot")
    far = (2000, 2000)
    _listed(case, "p3", [made_up(key - 1, far), made_up(key + 1, far)], "p3 lists k - 1, k + 1")
    case.send("b", Departure(node=ref("b")), "b departs")
    if _slot_holder(case, key) is not None:
        raise CaseError(f"{case.case_id}: k's slot is not empty")
    _lookup(case, key, "look up k (outside the range, its slot empty)", key - 1)
    return case.trace()
