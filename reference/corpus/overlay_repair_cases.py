"""Cases of failure handling and repair, and of the bookkeeping around them.

What declaring nodes failed asks for and remembers (the repair targets of an
emptied slot, topped up from the next row (none after row 31, reached with
nodes a peer invented) and ordered by proximity then id; a slot with nobody to
ask skipped, not ending the repairs; the refill of a side
that lost a member; the failed list's expiry and its bound); repair on use
(which slots are remembered as asked about, and until when); the pending
forwards, probes and lookups that a timer finds due (only those, also when it
fires late), and the acknowledgements, pongs and replies that match them
(exactly: token and signer, node and nonce, key and nonce); the bounds on
pending forwards and lookups; and joins: the positions a join waits for, the
timers counted from the tick of the command, and the token counter, which an
abandoned join does not reset.

The premise of every step is checked while the case is recorded.
"""

from collections.abc import Iterator
from typing import Final

from reference.corpus.casekit import ATTACK, EDGE, CaseError
from reference.corpus.overlay_casekit import (
    JOIN_NONCE,
    OverlayCase,
    identity,
    join_state,
    lookup_inner,
    ref,
    ring,
    route,
)
from reference.corpus.overlay_rule_cases import near_a
from reference.envelope import open_envelope
from reference.overlay.leafset import covers
from reference.overlay.ring import digit, shl, to_int
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.overlay import NodeRef
from spec.v1.overlay.commands import CreateRingCommand, JoinCommand, LookupCommand
from spec.v1.overlay.constants import (
    FAILED_MEMORY,
    HOP_TIMEOUT,
    JOIN_TIMEOUT,
    LOOKUP_TIMEOUT,
    MAX_FAILED,
    MAX_MENDING,
    MAX_PENDING_HOPS,
    MAX_PENDING_LOOKUPS,
    MENDING_MEMORY,
    PROBE_PERIOD,
    TIMER_HOP_TIMEOUT,
    TIMER_JOIN,
    TIMER_LOOKUP_TIMEOUT,
    TIMER_PROBE,
    TIMER_PROBE_TIMEOUT,
)
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    JoinState,
    LeafUpdate,
    LookupReply,
    Route,
    RouteAck,
    RowReply,
    RowRequest,
    RowState,
)
from spec.v1.registry import MESSAGES
from spec.v1.trace import Generator, Output, Trace
from spec.v1.wire import Pong

A_ID: Final = to_int(identity("a").node_id)


def repair_cases(g: Generator) -> Iterator[Trace]:
    yield from _declare_cases(g)
    yield from _mending_cases(g)
    yield from _due_cases(g)
    yield from _matching_cases(g)
    yield from _bound_cases(g)
    yield from _join_cases(g)


# -- helpers ----------------------------------------------------------------------------------


def _sent(outputs: tuple[Output, ...]) -> tuple[tuple[str, bytes], ...]:
    """(message type, recipient) of each output, in order."""
    return tuple((open_envelope(o.frame, MESSAGES).envelope.type, o.to) for o in outputs)


def _body(output: Output) -> WireModel:
    return open_envelope(output.frame, MESSAGES).body


def _kinds(outputs: tuple[Output, ...]) -> list[str]:
    return [kind for kind, _ in _sent(outputs)]


def _to(outputs: tuple[Output, ...], kind: str) -> list[bytes]:
    """The recipients of the ``kind`` messages among ``outputs``, in order."""
    return [to for k, to in _sent(outputs) if k == kind]


def _ids(*names: str) -> list[bytes]:
    return [identity(n).node_id for n in names]


def _at(name: str, x: int, y: int) -> NodeRef:
    """``name``'s reference with other coordinates (a node's coordinates are its word)."""
    return NodeRef(id=identity(name).node_id, x=x, y=y)


def _slot_of(node: str) -> tuple[int, int]:
    n = to_int(identity(node).node_id)
    row = shl(A_ID, n)
    return row, digit(n, row)


def _refuse(case: OverlayCase, sender: str, body: WireModel, note: str, field: str) -> None:
    case.send(sender, body, note, error=E.MACHINE_GUARD_REJECTED, field=field)


def _lookup_route(case: OverlayCase, key: bytes, token: int, label: str) -> Route:
    """c's route (hops 1) of d's lookup of ``key`` with nonce ``label``."""
    d = case.peer("d")
    return route(key, 1, token, lookup_inner(d, key, label.encode()[:8].ljust(8, b".")))


# -- declaring nodes failed: the repairs asked for, the failed list ---------------------------


def _declare_cases(g: Generator) -> Iterator[Trace]:
    # row 1 of a's table: names whose first digit is a's (9) and second is not (a)
    p11, p0, p23 = "p11", "p0", "p23"
    case = OverlayCase(
        g,
        "overlay/probe/repair-targets-001",
        f"a's row 0 holds d and e; its row 1 holds {p11} and {p0} (both at proximity 100, "
        f"{p11} the smaller id but the larger x), {p23} (900) and g (farther). e departs: "
        f"slot (0, 15) is emptied and a asks, in this order, d (the only entry left in row "
        f"0), then the 2 nearest of row 1 that top it up to REPAIR_FANOUT: {p11}, then "
        f"{p0} (equal proximity: the smaller id first, not the smaller coordinate).",
        ("positive", "edge"),
    )
    case.command("create_ring", CreateRingCommand(), "create a ring")
    for name, node in (
        ("d", ref("d")),
        ("e", ref("e")),
        (p11, _at(p11, 510, 500)),
        (p0, _at(p0, 490, 500)),
        (p23, _at(p23, 530, 500)),
        ("g", ref("g")),
    ):
        case.send(name, Announce(node=node, leaf=()), f"{name} announces itself")
    rows = {name: _slot_of(name) for name in ("d", "e", p11, p0, p23, "g")}
    if [rows[n][0] for n in ("d", "e", p11, p0, p23, "g")] != [0, 0, 1, 1, 1, 1]:
        raise CaseError(f"{case.case_id}: unexpected rows {rows}")
    outputs = case.send("e", Departure(node=ref("e")), "e departs")
    if _to(outputs, "row_request") != _ids("d", p11, p0):
        raise CaseError(f"{case.case_id}: row requests to {_to(outputs, 'row_request')}")
    yield case.trace()

    low, high = near_a(3, 0)
    members = low[:3]
    columns = {_slot_of(m) for m in members}
    case = OverlayCase(
        g,
        "overlay/probe/repair-skip-001",
        f"a's routing table holds b in row 0 and {', '.join(members)} in row 2; row 1 is "
        f"empty. The probe round pings all four; {members[1]} and {members[2]} answer. At "
        f"probe_timeout b and {members[0]} are declared failed: slot {_slot_of('b')} has "
        f"nobody left to ask in rows 0 and 1 and is skipped, and the repair goes on with "
        f"slot {_slot_of(members[0])}, asked of {members[1]} and {members[2]}.",
        ("positive", "edge"),
    )
    if len(columns) != 3 or any(row != 2 for row, _ in columns):
        raise CaseError(f"{case.case_id}: the members should sit in three slots of row 2")
    ring(case, "b", *members)
    case.timer(TIMER_PROBE, "the probe round")
    for name in members[1:]:
        nonce = next(
            p.nonce for p in case.node.state.data.probes if p.node == to_int(identity(name).node_id)
        )
        case.send(name, Pong(nonce=nonce, ping_sent_at=case.now - 1), f"{name} answers")
    outputs = case.timer(TIMER_PROBE_TIMEOUT, "b and the first member did not answer")
    failed = {f.node for f in case.node.state.data.failed}
    if failed != {to_int(n) for n in _ids("b", members[0])}:
        raise CaseError(f"{case.case_id}: the wrong nodes were declared failed")
    if sorted(_to(outputs, "row_request")) != sorted(_ids(*members[1:])):
        raise CaseError(f"{case.case_id}: row requests to {_to(outputs, 'row_request')}")
    yield case.trace()

    near = {
        row: NodeRef(id=(A_ID ^ (1 << (4 * (31 - row)))).to_bytes(16, "big"), x=600, y=600)
        for row in (30, 31)
    }
    case = OverlayCase(
        g,
        "overlay/probe/repair-last-rows-001",
        "c's row_state lists two nodes (invented, as v1 allows a peer to do) sharing 30 and "
        "31 digits with a: they enter a's rows 30 and 31 and its leaf set, and are pinged. "
        "a's lookup of the first's id is forwarded to it and never acknowledged: at "
        "hop_timeout the first is declared failed, and its emptied slot in row 30, alone "
        "in its row, is asked of the entry of row 31 (the top-up). At probe_timeout the "
        "second is declared failed: its slot is in row 31, the last, which has no next "
        "row to top up from, so nobody is asked.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    outputs = case.send(
        "c", RowState(node=ref("c"), row=0, entries=(near[30], near[31])), "c's row_state"
    )
    if _to(outputs, "ping") != sorted(r.id for r in near.values()):
        raise CaseError(f"{case.case_id}: both invented nodes should be pinged")
    case.command("lookup", LookupCommand(key=near[30].id, nonce=b"last-row"), "look it up")
    if [h.to[3] for h in case.node.state.data.hops] != [near[30]]:
        raise CaseError(f"{case.case_id}: the lookup should be forwarded to the first")
    outputs = case.timer(TIMER_HOP_TIMEOUT, "the first did not acknowledge")
    if _to(outputs, "row_request") != [near[31].id]:
        raise CaseError(f"{case.case_id}: row 30's slot should be asked of the second")
    outputs = case.timer(TIMER_PROBE_TIMEOUT, "the second did not answer its ping")
    failed = {f.node for f in case.node.state.data.failed}
    if to_int(near[31].id) not in failed or _to(outputs, "row_request"):
        raise CaseError(f"{case.case_id}: the second should be failed, nobody asked")
    yield case.trace()

    low, high = near_a(9, 8)
    below = sorted(low, key=lambda n: (A_ID - to_int(identity(n).node_id)) % (1 << 128))
    nearest, outside = below[0], below[8]
    case = OverlayCase(
        g,
        "overlay/probe/refill-smaller-001",
        f"a knows 9 nodes below it and 8 above; its predecessors are the 8 nearest below, "
        f"{outside} (the 9th) is in its routing table and neighbourhood set only. "
        f"{nearest}, a predecessor, departs: only the smaller side lost a member, and the "
        f"refill brings {outside} into it, pinged as a newcomer.",
        ("positive", "edge"),
    )
    ring(case, *low, *high)
    smaller = case.node.state.data.tables.leaf.smaller
    if to_int(identity(outside).node_id) in {r[0] for r in smaller} or len(smaller) != 8:
        raise CaseError(f"{case.case_id}: {outside} should be outside a's full smaller side")
    outputs = case.send(nearest, Departure(node=ref(nearest)), f"{nearest} departs")
    smaller = case.node.state.data.tables.leaf.smaller
    if to_int(identity(outside).node_id) not in {r[0] for r in smaller}:
        raise CaseError(f"{case.case_id}: the refill should bring {outside} in")
    if _to(outputs, "ping") != _ids(outside):
        raise CaseError(f"{case.case_id}: {outside} should be pinged")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/failed-expiry-001",
        "b departs, and c one tick later; at the tick after b's entry expired (c's expires "
        "at that very tick) e departs: a's failed list then holds e only, both expired "
        "entries dropped by the declaration.",
        ("positive", "edge"),
    )
    ring(case, "b", "c", "e")
    start = case.now + 1
    case.send("b", Departure(node=ref("b")), "b departs", at=start)
    case.send("c", Departure(node=ref("c")), "c departs", at=start + 1)
    case.send("e", Departure(node=ref("e")), "e departs", at=start + 1 + FAILED_MEMORY)
    if [f.node for f in case.node.state.data.failed] != [to_int(identity("e").node_id)]:
        raise CaseError(f"{case.case_id}: only e should be on the failed list")
    yield case.trace()

    strangers = [f"x{i}" for i in range(MAX_FAILED + 1)]
    largest = max(strangers, key=lambda n: identity(n).node_id)
    case = OverlayCase(
        g,
        "overlay/probe/failed-list-full-001",
        f"{MAX_FAILED + 1} nodes a does not know depart at the same tick: a's failed list "
        f"keeps {MAX_FAILED} of them; all expire together, so the one dropped is the "
        f"largest id, {largest}.",
        ("positive", "edge"),
    )
    ring(case, "b")
    tick = case.now + 1
    for name in strangers:
        case.send(name, Departure(node=ref(name)), f"{name} departs", at=tick)
    kept = {f.node for f in case.node.state.data.failed}
    if len(kept) != MAX_FAILED or to_int(identity(largest).node_id) in kept:
        raise CaseError(f"{case.case_id}: the failed list should drop {largest}")
    yield case.trace()


# -- repair on use: the slots remembered as asked about ---------------------------------------


def _key(first: int, second: int = 0) -> bytes:
    return bytes([first, second]) + bytes(14)


def _mending_cases(g: Generator) -> Iterator[Trace]:
    low, high = near_a(8, 8)
    # (row, column) -> a key routed through that slot
    keys = {
        (0, 5): _key(0x50),
        (1, 5): _key(0x95),
        (1, 6): _key(0x96),
        (0, 6): _key(0x60),
        (0, 1): _key(0x10),
        (0, 2): _key(0x20),
    }
    t0 = 96
    case = OverlayCase(
        g,
        "overlay/lookup/mend-memory-001",
        "a's leaf set is full (16 nodes sharing its first two digits, in row 2) and b is in "
        "row 0. Lookups at consecutive ticks use the empty slots (0, 5), (1, 5), (1, 6), "
        "(0, 6), (0, 1) and (0, 2): each is another slot, so each is asked about and "
        "remembered until now + MENDING_MEMORY. One tick after (0, 5)'s entry expired, a "
        "lookup through it asks again (the expired entries are dropped, the others kept); "
        "at the very tick (0, 6)'s entry expires, a lookup through it asks again too.",
        ("positive", "edge"),
    )
    ring(case, *low, *high, "b")

    def ask(slot: tuple[int, int], label: str, at: int) -> None:
        outputs = case.command(
            "lookup",
            LookupCommand(key=keys[slot], nonce=label.encode()),
            f"look up a key through slot {slot}",
            at=at,
        )
        if "row_request" not in _kinds(outputs):
            raise CaseError(f"{case.case_id}: slot {slot} should be asked about at {at}")

    for i, slot in enumerate(keys):
        ask(slot, f"mend-00{i}", t0 + i)
    ask((0, 5), "mend-100", t0 + MENDING_MEMORY + 1)
    ask((0, 6), "mend-101", t0 + MENDING_MEMORY + 3)
    mending = [(m.row, m.column, m.until) for m in case.node.state.data.mending]
    wanted = [
        (0, 1, t0 + 4 + MENDING_MEMORY),
        (0, 2, t0 + 5 + MENDING_MEMORY),
        (0, 5, t0 + 2 * MENDING_MEMORY + 1),
        (0, 6, t0 + 2 * MENDING_MEMORY + 3),
    ]
    if mending != wanted:
        raise CaseError(f"{case.case_id}: mending {mending}, expected {wanted}")
    yield case.trace()

    below, above = _nearest_9a()
    row2 = [(2, c) for c in (1, 2, 4, 5)]
    row1 = [(1, c) for c in range(16) if c != digit(A_ID, 1)]
    row0 = [(0, c) for c in range(16) if c not in (digit(A_ID, 0), _slot_of("b")[1])]
    slots = [*row2, *row1, *row0]
    case = OverlayCase(
        g,
        "overlay/lookup/mend-full-001",
        f"a's leaf set holds the 8 nodes nearest below it and the 8 nearest above (ids "
        f"9a85... to 9a9f...), b is in row 0. At one tick a looks up {len(slots)} keys "
        f"through as many empty slots (rows 2, 1, then 0), each asked about: a remembers "
        f"MAX_MENDING of them; all expire together, so the one dropped is the largest "
        f"(row, column), (2, 5).",
        ("positive", "edge"),
    )
    ring(case, *below, *above, "b")
    leaf = case.node.state.data.tables.leaf
    tick = case.now + 1
    for i, (row, column) in enumerate(slots):
        if row == 0:
            key = _key(column << 4)
        elif row == 1:
            key = _key(0x90 | column)
        else:
            key = _key(0x9A, column << 4)
        if covers(leaf, A_ID, to_int(key)) or shl(A_ID, to_int(key)) != row:
            raise CaseError(f"{case.case_id}: the key for ({row}, {column}) is in range")
        outputs = case.command(
            "lookup",
            LookupCommand(key=key, nonce=b"fill%04d" % i),
            f"look up a key through slot ({row}, {column})",
            at=tick,
        )
        if "row_request" not in _kinds(outputs):
            raise CaseError(f"{case.case_id}: slot ({row}, {column}) should be asked about")
    kept = [(m.row, m.column) for m in case.node.state.data.mending]
    if len(kept) != MAX_MENDING or (2, 5) in kept:
        raise CaseError(f"{case.case_id}: the mending list should drop (2, 5): {kept}")
    yield case.trace()


def _nearest_9a() -> tuple[list[str], list[str]]:
    """The 8 names ``m<i>`` (i < 40,000) with ids sharing a's first two digits nearest below
    a's id, and the 8 nearest above."""
    found = []
    for i in range(40_000):
        name = f"m{i}"
        node = identity(name).node_id
        if node[0] == 0x9A:
            found.append((to_int(node), name))
    below = [n for _, n in sorted((x for x in found if x[0] < A_ID), reverse=True)[:8]]
    above = [n for _, n in sorted(x for x in found if x[0] > A_ID)[:8]]
    return below, above


# -- what a timer finds due -------------------------------------------------------------------


def _due_cases(g: Generator) -> Iterator[Trace]:
    key = identity("b").node_id
    case = OverlayCase(
        g,
        "overlay/route/hop-timeout-partial-001",
        "a forwards two lookups to b, one tick apart, and b acknowledges neither. At the "
        "first one's due tick hop_timeout re-routes that one only (the second stays "
        "tracked); fired late, after the second is due, it re-routes the second.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    first = case.now + 1
    case.send("c", _lookup_route(case, key, 1, "hop-one"), "c's first route", at=first)
    case.send("c", _lookup_route(case, key, 2, "hop-two"), "c's second route", at=first + 1)
    case.timer(TIMER_HOP_TIMEOUT, "the first forward is due")
    hops = [(h.token, h.due) for h in case.node.state.data.hops]
    if case.now != first + HOP_TIMEOUT or (1, first + 1 + HOP_TIMEOUT) not in hops:
        raise CaseError(f"{case.case_id}: the second forward should still be tracked: {hops}")
    case.timer(TIMER_HOP_TIMEOUT, "fired late", at=first + HOP_TIMEOUT + 200)
    if any(h.token == 1 for h in case.node.state.data.hops):
        raise CaseError(f"{case.case_id}: the second forward should be re-routed")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/timeout-partial-001",
        "The probe round pings b and c; c answers. A tick later c's leaf_update brings e, "
        "pinged at once. At probe_timeout only b is declared failed (c answered, e's probe "
        "is not due yet); fired late, after e's probe is due, it declares e failed.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    case.timer(TIMER_PROBE, "the probe round")
    probes = {p.node: p.nonce for p in case.node.state.data.probes}
    nonce = probes[to_int(identity("c").node_id)]
    case.send("c", Pong(nonce=nonce, ping_sent_at=case.now - 1), "c answers")
    outputs = case.send("c", LeafUpdate(node=ref("c"), leaf=(ref("e"),)), "c's leaf set: e")
    if ("ping", identity("e").node_id) not in _sent(outputs):
        raise CaseError(f"{case.case_id}: e should be pinged")
    case.timer(TIMER_PROBE_TIMEOUT, "b's probe is due")
    failed = [f.node for f in case.node.state.data.failed]
    if failed != [to_int(identity("b").node_id)]:
        raise CaseError(f"{case.case_id}: only b should be failed")
    due = max(p.due for p in case.node.state.data.probes)
    case.timer(TIMER_PROBE_TIMEOUT, "fired late", at=due + 300)
    if to_int(identity("e").node_id) not in {f.node for f in case.node.state.data.failed}:
        raise CaseError(f"{case.case_id}: e should be failed")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/lookup/timeout-late-001",
        "a looks up b's id and gets no answer; lookup_timeout fires 7 ticks after the "
        "lookup's due tick: the lookup is due (its due tick has come) and is recorded with "
        "root null.",
        ("positive", "edge"),
    )
    ring(case, "b")
    case.command("lookup", LookupCommand(key=key, nonce=b"late-001"), "look up b")
    case.timer(TIMER_LOOKUP_TIMEOUT, "fired late", at=case.now + LOOKUP_TIMEOUT + 7)
    answers = [(a.nonce, a.root) for a in case.node.state.data.answers]
    if answers != [(b"late-001", None)]:
        raise CaseError(f"{case.case_id}: expected an unanswered lookup, got {answers}")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/deliver-own-lookup-002",
        "a looks up b's id twice (nonces aa, then zz a tick later), forwarding both to b, "
        "which acknowledges and departs. c routes lookup aa back to a, now the root: a "
        "records its answer and sets lookup_timeout to zz's due tick, so fired at aa's due "
        "tick it is refused; at zz's it records zz unanswered.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    outputs = case.command("lookup", LookupCommand(key=key, nonce=b"aa-owned"), "look up b")
    own = _body(outputs[0])
    if not isinstance(own, Route):
        raise CaseError(f"{case.case_id}: expected a route")
    aa_due = case.now + LOOKUP_TIMEOUT
    case.command("lookup", LookupCommand(key=key, nonce=b"zz-other"), "look up b again")
    zz_due = case.now + LOOKUP_TIMEOUT
    case.send("b", RouteAck(token=0), "b acknowledges the first")
    case.send("b", RouteAck(token=1), "b acknowledges the second")
    case.send("b", Departure(node=ref("b")), "b departs")
    case.send("c", route(key, 2, 5, own.frame), "c routes lookup aa back to a")
    if case.node.timers.get(TIMER_LOOKUP_TIMEOUT) != zz_due:
        raise CaseError(f"{case.case_id}: lookup_timeout should be zz's due tick")
    case.timer(
        TIMER_LOOKUP_TIMEOUT,
        "at aa's due tick: not due",
        at=aa_due,
        error=E.MACHINE_NO_TRANSITION,
        field=f"timer:{TIMER_LOOKUP_TIMEOUT}",
    )
    case.timer(TIMER_LOOKUP_TIMEOUT, "zz is due")
    yield case.trace()


# -- what matches a pending forward, probe or lookup -------------------------------------------


def _matching_cases(g: Generator) -> Iterator[Trace]:
    key = identity("b").node_id
    case = OverlayCase(
        g,
        "overlay/attack/route-ack-mismatch-001",
        "a forwards three lookups to b (tokens 0, 1, 2). b acknowledges 0, then 2: a stops "
        "tracking those two and keeps 1. Refused: b's acknowledgements of 0 (again) and 2 "
        "(again), and acknowledgements of 1 signed by j (a smaller id than b's) and c (a "
        "larger one): a forward is acknowledged by its token and its next hop only.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    ring(case, "b", "c", "j")
    for token, label in enumerate(("ack-zero", "ack-one", "ack-two")):
        case.send("c", _lookup_route(case, key, 10 + token, label), f"c's route {label}")
    if [(h.token, h.to[3].id) for h in case.node.state.data.hops] != [(t, key) for t in range(3)]:
        raise CaseError(f"{case.case_id}: a should forward the three lookups to b")
    case.send("b", RouteAck(token=0), "b acknowledges 0")
    case.send("b", RouteAck(token=2), "b acknowledges 2")
    if [h.token for h in case.node.state.data.hops] != [1]:
        raise CaseError(f"{case.case_id}: forward 1 should still be tracked")
    for sender, token in (("b", 0), ("b", 2), ("j", 1), ("c", 1)):
        _refuse(
            case,
            sender,
            RouteAck(token=token),
            f"{sender}'s acknowledgement of {token}",
            "message:route_ack",
        )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/pong-mismatch-001",
        "The probe round pings b and c with the tick as nonce. Refused: a pong from j (not "
        "probed, a smaller id than both), and pongs from b with the nonce plus one and "
        "minus one: a probe is cleared by its node and its exact nonce only.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    ring(case, "b", "c")
    case.timer(TIMER_PROBE, "the probe round")
    nonce = case.node.state.data.probes[0].nonce
    number = int.from_bytes(nonce, "big")
    for sender, other in (("j", number), ("b", number + 1), ("b", number - 1)):
        _refuse(
            case,
            sender,
            Pong(nonce=other.to_bytes(8, "big"), ping_sent_at=case.now - 1),
            f"{sender}'s pong, nonce {other}",
            "message:pong",
        )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/lookup-reply-mismatch-001",
        "a's lookup of b's id is pending. Refused: b's replies for the same nonce and the "
        "key plus one or minus one, and for the same key and a nonce just above or below: "
        "a reply matches a pending lookup by its key and its nonce together.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    ring(case, "b", "c")
    nonce = b"look-mmm"
    case.command("lookup", LookupCommand(key=key, nonce=nonce), "look up b")
    number = to_int(key)
    for k, n in (
        (number + 1, nonce),
        (number - 1, nonce),
        (number, b"look-mmn"),
        (number, b"look-mml"),
    ):
        _refuse(
            case,
            "b",
            LookupReply(key=k.to_bytes(16, "big"), nonce=n, hops=1),
            f"b's reply for key {k:032x}, nonce {n!r}",
            "message:lookup_reply",
        )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/forged-smaller-id-001",
        "c sends an announce, then a row_state, whose node reference is b's (a smaller id "
        "than c's): both refused, as the node field must be the signer's, whichever id "
        "is the larger.",
        ATTACK,
        ("ForgedReference",),
    )
    ring(case, "b", "c")
    _refuse(case, "c", Announce(node=ref("b"), leaf=()), "c's announce as b", "message:announce")
    _refuse(
        case,
        "c",
        RowState(node=ref("b"), row=0, entries=()),
        "c's row_state as b",
        "message:row_state",
    )
    yield case.trace()

    g_row, g_column = _slot_of("g")
    b_row, b_column = _slot_of("b")
    case = OverlayCase(
        g,
        "overlay/attack/row-reply-misfit-002",
        f"Refused row_replies whose entry does not fit the named slot of a's table: g "
        f"(slot ({g_row}, {g_column})) for slot (0, {digit(A_ID, 0)}), sharing more digits "
        f"with a than the row; b (slot ({b_row}, {b_column})) for slot (1, "
        f"{digit(to_int(identity('b').node_id), 1)}), sharing fewer; b for slot (0, 8), "
        f"the right row but a larger column than b's digit.",
        ATTACK,
        ("Misrouted",),
    )
    ring(case, "c")
    b_int = to_int(identity("b").node_id)
    for row, column, name in (
        (0, digit(A_ID, 0), "g"),
        (1, digit(b_int, 1), "b"),
        (0, 8, "b"),
    ):
        _refuse(
            case,
            "c",
            RowReply(row=row, column=column, entry=ref(name)),
            f"c's row_reply: {name} for ({row}, {column})",
            "message:row_reply",
        )
    yield case.trace()

    p11, p0 = "p11", "p0"
    case = OverlayCase(
        g,
        "overlay/ring/row-request-deep-001",
        f"{p11} and {p0} share a's first digit (9) and sit in a's row 1 ({_slot_of(p11)}, "
        f"{_slot_of(p0)}). {p11} asks for its slot (1, {_slot_of(p0)[1]}): {p0} fits it "
        f"(it shares one digit with {p11}), so a answers with {p0}.",
        ("positive",),
    )
    ring(case, p11, p0)
    row, column = _slot_of(p0)
    outputs = case.send(
        p11, RowRequest(node=ref(p11), row=row, column=column), f"{p11} asks for ({row}, {column})"
    )
    reply = _body(outputs[0])
    if not isinstance(reply, RowReply) or reply.entry != ref(p0):
        raise CaseError(f"{case.case_id}: a should answer with {p0}")
    yield case.trace()


# -- the bounds on pending lookups and forwards -----------------------------------------------


def _bound_cases(g: Generator) -> Iterator[Trace]:
    key = identity("b").node_id
    case = OverlayCase(
        g,
        "overlay/machine/lookups-full-001",
        f"a starts {MAX_PENDING_LOOKUPS} lookups, none answered: the next one is refused "
        f"(MAX_PENDING_LOOKUPS are pending).",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    start = case.now + 1
    for i in range(MAX_PENDING_LOOKUPS):
        case.command(
            "lookup", LookupCommand(key=key, nonce=b"full%04d" % i), f"lookup {i}", at=start
        )
    case.command(
        "lookup",
        LookupCommand(key=key, nonce=b"full-one"),
        "one lookup too many",
        at=start,
        error=E.MACHINE_GUARD_REJECTED,
        field="command:lookup",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/pending-hops-full-001",
        f"c sends {MAX_PENDING_HOPS} routes that a forwards to b, which acknowledges none: "
        f"a drops the next route (acknowledging it) and refuses a lookup command "
        f"(MAX_PENDING_HOPS forwards are tracked). b then acknowledges tokens 0 and 1; a "
        f"forwards two more routes (tokens {MAX_PENDING_HOPS} and {MAX_PENDING_HOPS + 1}), "
        f"and b's acknowledgement of {MAX_PENDING_HOPS + 1} stops tracking that one.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b", "c")
    start = case.now + 1
    for i in range(MAX_PENDING_HOPS):
        case.send(
            "c",
            _lookup_route(case, key, i, f"h{i:07d}"),
            f"c's route {i}",
            at=start,
            record_state=i == MAX_PENDING_HOPS - 1,
        )
    outputs = case.send("c", _lookup_route(case, key, 999, "h-extra"), "one route too many")
    if _kinds(outputs) != ["route_ack"]:
        raise CaseError(f"{case.case_id}: the route should be dropped")
    case.command(
        "lookup",
        LookupCommand(key=key, nonce=b"hops-one"),
        "a lookup: no forward can be tracked",
        error=E.MACHINE_GUARD_REJECTED,
        field="command:lookup",
    )
    case.send("b", RouteAck(token=0), "b acknowledges 0")
    case.send("b", RouteAck(token=1), "b acknowledges 1")
    for i in range(2):
        case.send("c", _lookup_route(case, key, 2000 + i, f"hmore{i}"), f"c's route more {i}")
    top = MAX_PENDING_HOPS + 1
    case.send("b", RouteAck(token=top), f"b acknowledges {top}")
    tokens = [h.token for h in case.node.state.data.hops]
    if len(tokens) != MAX_PENDING_HOPS - 1 or top in tokens or top - 1 not in tokens:
        raise CaseError(f"{case.case_id}: unexpected tracked forwards")
    yield case.trace()


# -- joining: positions, timers, tokens -------------------------------------------------------


def _join_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/join/positions-001",
        "a joins through b. b's state (position 0, not the root) comes first: the root is "
        "still unknown. The root's state comes next from c at position 2: position 1 is "
        "missing, so a waits. f's state for position 1 completes the join.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges the hand-over")
    case.send("b", join_state("b", 0, False), "b's state (position 0)")
    join = case.node.state.data.join
    if join is None or join.root_hop is not None:
        raise CaseError(f"{case.case_id}: the root should be unknown")
    case.send("c", join_state("c", 2, True, leaf=("e",)), "the root c's state (position 2)")
    if case.node.state.data.join is None:
        raise CaseError(f"{case.case_id}: a should wait for position 1")
    case.send("f", join_state("f", 1, False), "f's state (position 1)")
    if case.node.state.data.join is not None:
        raise CaseError(f"{case.case_id}: a should have finished")
    yield case.trace()

    start = 16
    case = OverlayCase(
        g,
        "overlay/join/timers-001",
        f"a joins through b at tick {start}: the hand-over is due at {start} + HOP_TIMEOUT "
        f"and the join timer at {start} + JOIN_TIMEOUT, refused one tick earlier. At its "
        f"due tick a finishes with the root's state (c's) and starts probe at that tick + "
        f"PROBE_PERIOD, which is refused one tick early and runs at its due tick.",
        EDGE,
        ("UnexpectedMessage",),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b", at=start)
    if [h.due for h in case.node.state.data.hops] != [start + HOP_TIMEOUT]:
        raise CaseError(f"{case.case_id}: the hand-over should be due at {start + HOP_TIMEOUT}")
    case.send("b", RouteAck(token=0), "b acknowledges the hand-over")
    case.send("c", join_state("c", 1, True, leaf=("e",)), "the root c's state")
    due = start + JOIN_TIMEOUT
    for name, tick in ((TIMER_JOIN, due), (TIMER_PROBE, due + PROBE_PERIOD)):
        if case.node.timers.get(name) != tick:
            raise CaseError(f"{case.case_id}: {name} should be due at {tick}")
        case.timer(
            name,
            f"{name} one tick early",
            at=tick - 1,
            error=E.MACHINE_NO_TRANSITION,
            field=f"timer:{name}",
        )
        case.timer(name, f"{name} at its due tick")
    yield case.trace()

    start = 1056
    case = OverlayCase(
        g,
        "overlay/machine/create-ring-timers-001",
        f"a creates a ring at tick {start}: probe is due at {start} + PROBE_PERIOD; fired "
        f"one tick earlier it is refused, at its due tick it runs the probe round.",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.command("create_ring", CreateRingCommand(), "create a ring", at=start)
    case.send("b", Announce(node=ref("b"), leaf=()), "b announces itself")
    due = start + PROBE_PERIOD
    case.timer(
        TIMER_PROBE,
        "probe one tick early",
        at=due - 1,
        error=E.MACHINE_NO_TRANSITION,
        field=f"timer:{TIMER_PROBE}",
    )
    case.timer(TIMER_PROBE, "probe at its due tick")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/rejoin-001",
        "a's join through b is never acknowledged and a gives up; joining again, it hands "
        "the new join request over with token 1 (the counter is not reset), and b's "
        "acknowledgement of token 1 is accepted.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.timer(TIMER_HOP_TIMEOUT, "b never acknowledged")
    case.command("join", JoinCommand(nonce=b"join-a02"), "join again")
    data = case.node.state.data
    if [h.token for h in data.hops] != [1] or data.next_token != 2:
        raise CaseError(f"{case.case_id}: the second hand-over should carry token 1")
    case.send("b", RouteAck(token=1), "b acknowledges token 1")
    yield case.trace()

    good = join_state("c", 1, True)
    case = OverlayCase(
        g,
        "overlay/attack/join-state-lesser-001",
        "While a joins, refused: c's join_state with a nonce that sorts before a's join "
        "nonce, and c's join_state whose node is b's (a smaller id than c's).",
        ATTACK,
        ("UnexpectedMessage", "ForgedReference"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    lesser = JOIN_NONCE[:-1] + bytes([JOIN_NONCE[-1] - 1])
    for bad, note in (
        (good.model_copy(update={"nonce": lesser}), "c's join_state, a lesser nonce"),
        (good.model_copy(update={"node": ref("b")}), "c's join_state as b"),
    ):
        if not isinstance(bad, JoinState):
            raise CaseError("not a join_state")
        _refuse(case, "c", bad, note, "message:join_state")
    yield case.trace()


__all__ = ["repair_cases"]
