"""Cases of forwarding and its bookkeeping: lookups, answers, re-routes, probes, failures.

What a node keeps while it forwards and waits, and what must happen when the
wait ends:

- a lookup is one (key, nonce) pair: a node's own lookup routed back to it is
  answered only while *that pair* is pending (a pending lookup with the same
  nonce and another key, or the same key and another nonce, is another
  lookup), and a reply clears only its own pair;
- the node keeps only the last MAX_ANSWERS answers;
- a re-routed request delivered at the node itself is answered with its
  position ``hops - 1``, also on a long route;
- a probe round restarts ``probe`` at ``now + PROBE_PERIOD``, sets
  ``probe_timeout``, and skips a member whose probe is pending;
- a failed-list entry blocks nothing once expired, and a probe round drops
  exactly the expired entries;
- a routed message is acknowledged to its signer, not to the link it came
  over; a join request must name its signer even when routed to the signer's id;
- routing's rare case ranks the candidates of L, R and M by the longest prefix
  shared with the key, then numerical distance, and takes only nodes closer
  than the node itself, reading every row of the routing table;
- what a node's messages list: a leaf list in clockwise order (neighbouring
  ids and the wrap of the ring included), a member both sides hold listed once
  with its successor side's coordinates, and a ``join_state``'s rows ``hop``
  through ``shl(node, joiner)``.

The ids of the rare-case and leaf-list cases are chosen, not drawn: remote
nodes named only in leaf lists and row replies need no identity. The premise
of every step is checked while the case is recorded.
"""

from collections.abc import Iterator

from reference.corpus.overlay_casekit import (
    ATTACK,
    EDGE,
    JOIN_NONCE,
    NODE,
    NODE_X,
    NODE_Y,
    CaseError,
    OverlayCase,
    identity,
    lookup_inner,
    nonce_of,
    ref,
    ring,
    route,
)
from reference.envelope import open_envelope
from reference.overlay import routing_table
from reference.overlay.leafset import covers
from reference.overlay.ring import digit, shl, to_bytes, to_int
from reference.overlay.routing import next_hop
from spec.v1 import errors as E
from spec.v1.overlay.commands import LookupCommand
from spec.v1.overlay.constants import (
    FAILED_MEMORY,
    HOP_TIMEOUT,
    MAX_ANSWERS,
    PROBE_PERIOD,
    RING,
    TIMER_PROBE,
    TIMER_PROBE_TIMEOUT,
)
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    JoinRequest,
    JoinState,
    LeafRequest,
    LeafUpdate,
    Lookup,
    LookupReply,
    Route,
    RouteAck,
    RowReply,
)
from spec.v1.overlay.refs import COORDINATE_MAX, NodeRef
from spec.v1.registry import MESSAGES
from spec.v1.trace import Generator, Output, Trace
from spec.v1.wire import Ping

A_ID = to_int(identity(NODE).node_id)


def forwarding_cases(g: Generator) -> Iterator[Trace]:
    yield _own_lookup_pair_case(g)
    yield _answers_kept_case(g)
    yield _reroute_long_route_case(g)
    yield _failed_prune_case(g)
    yield _probe_restart_case(g)
    yield _probe_silence_case(g)
    yield _probe_skips_pending_case(g)
    yield _ack_to_signer_case(g)
    yield _join_names_other_case(g)
    yield _rare_case_case(g)
    yield _leaf_list_order_case(g)
    yield _join_rows_case(g)
    yield _leaf_list_two_refs_case(g)


def _types(outputs: tuple[Output, ...]) -> list[tuple[str, bytes]]:
    out = []
    for o in outputs:
        opened = open_envelope(o.frame, MESSAGES)
        out.append((opened.envelope.type, o.to))
    return out


# -- lookups are (key, nonce) pairs -----------------------------------------------------------


def _own_lookup_pair_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/lookup/own-lookup-pair-001",
        "A lookup is its (key, nonce) pair. a looks up k- and k+ (both with nonce n2, one "
        "after the other) and k with n1 and n3 (pending together), all forwarded to g and "
        "answered by g: g's reply for (k, n1) clears only that pair, (k, n3) stays pending. "
        "Then a looks up (k, n2), g acknowledges and departs, so a is the root of k, k- and "
        "k+. c routes a's own earlier lookups back to a: (k-, n2) and (k+, n2) (same nonce "
        "as the pending one, another key) and (k, n1) and (k, n3) (same key, another nonce) "
        "are no longer pending: a acknowledges them and records nothing; (k, n2) itself "
        "is recorded as a's own answer (root a, hops 0).",
        ("positive", "edge"),
    )
    ring(case, "c", "g", "e")
    g_id = to_int(identity("g").node_id)
    k, k_lo, k_hi = (to_bytes(g_id + off) for off in (0, -1, 1))
    n1, n2, n3 = b"lookup-1", b"lookup-2", b"lookup-3"
    me = case.peer(NODE)
    token = 0

    def look(key: bytes, nonce: bytes, note: str) -> None:
        nonlocal token
        outputs = case.command("lookup", LookupCommand(key=key, nonce=nonce), note)
        sent = open_envelope(outputs[0].frame, MESSAGES).body
        if not isinstance(sent, Route) or outputs[0].to != identity("g").node_id:
            raise CaseError(f"{case.case_id}: the lookup must go to g")
        if sent.frame != me.inner(Lookup(key=key, nonce=nonce)):
            raise CaseError(f"{case.case_id}: a's inner frame is not the one re-sealed")
        case.send("g", RouteAck(token=token), f"g acknowledges token {token}")
        token += 1

    def pending() -> list[tuple[bytes, bytes]]:
        return [(to_bytes(p.key), p.nonce) for p in case.node.state.data.lookups]

    look(k_lo, n2, "look up k- (nonce n2)")
    case.send("g", LookupReply(key=k_lo, nonce=n2, hops=1), "g answers (k-, n2)")
    look(k_hi, n2, "look up k+ (nonce n2 again, free)")
    case.send("g", LookupReply(key=k_hi, nonce=n2, hops=1), "g answers (k+, n2)")
    look(k, n1, "look up k (nonce n1)")
    look(k, n3, "look up k (nonce n3)")
    case.send("g", LookupReply(key=k, nonce=n1, hops=1), "g answers (k, n1)")
    if pending() != [(k, n3)]:
        raise CaseError(f"{case.case_id}: the reply for (k, n1) must leave (k, n3) pending")
    case.send("g", LookupReply(key=k, nonce=n3, hops=1), "g answers (k, n3)")
    look(k, n2, "look up k (nonce n2)")
    case.send("g", Departure(node=ref("g")), "g departs")
    tables = case.node.state.data.tables
    if any(next_hop(tables, to_int(key)) is not None for key in (k, k_lo, k_hi)):
        raise CaseError(f"{case.case_id}: a must now be the root of k, k- and k+")
    answers = case.node.state.data.answers
    stale = ((k_lo, n2, "k-, n2"), (k_hi, n2, "k+, n2"), (k, n1, "k, n1"), (k, n3, "k, n3"))
    for i, (key, nonce, label) in enumerate(stale):
        outputs = case.send(
            "c",
            route(key, 2, 10 + i, me.inner(Lookup(key=key, nonce=nonce))),
            f"c routes a's old lookup ({label}) back to a",
        )
        if _types(outputs) != [("route_ack", identity("c").node_id)]:
            raise CaseError(f"{case.case_id}: expected only the route_ack to c")
        if case.node.state.data.answers != answers or pending() != [(k, n2)]:
            raise CaseError(f"{case.case_id}: ({label}) is not pending: nothing is recorded")
    case.send(
        "c",
        route(k, 2, 20, me.inner(Lookup(key=k, nonce=n2))),
        "c routes a's pending lookup (k, n2) back to a",
    )
    last = case.node.state.data.answers[-1]
    if (last.key, last.nonce, last.root, last.hops) != (to_int(k), n2, A_ID, 0) or pending():
        raise CaseError(f"{case.case_id}: (k, n2) must be answered by a itself, hops 0")
    return case.trace()


def _answers_kept_case(g: Generator) -> Trace:
    count = MAX_ANSWERS + 2
    case = OverlayCase(
        g,
        "overlay/lookup/answers-kept-001",
        f"a, alone in its ring, answers {count} lookups locally: it keeps the last "
        f"MAX_ANSWERS ({MAX_ANSWERS}) answers, oldest first; each further answer drops the "
        "oldest one.",
        ("positive", "edge"),
    )
    ring(case)
    for i in range(count):
        key = to_bytes((A_ID + 1000 * i) % (1 << 128))
        case.command("lookup", LookupCommand(key=key, nonce=nonce_of(f"kept{i}")), f"lookup {i}")
    answers = case.node.state.data.answers
    if [a.nonce for a in answers] != [nonce_of(f"kept{i}") for i in range(2, count)]:
        raise CaseError(f"{case.case_id}: expected the last {MAX_ANSWERS} answers")
    return case.trace()


# -- re-routing -------------------------------------------------------------------------------


def _reroute_long_route_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/route/reroute-deliver-long-001",
        "c forwards d's lookup of g's id with hops 4 (a is at position 4); a forwards it to "
        "g with hops 5; g never acknowledges: at hop_timeout a, now the root, answers d "
        "itself with hops 4, its position (hops - 1 of the lost forward).",
        ("positive", "edge"),
    )
    ring(case, "g", "c")
    d = case.peer("d")
    key = identity("g").node_id
    case.send("c", route(key, 4, 3, lookup_inner(d, key)), "c forwards d's lookup (hops 4)")
    outputs = case.timer("hop_timeout", "g did not acknowledge")
    replies = [open_envelope(o.frame, MESSAGES).body for o in outputs if o.to == d.node_id]
    if len(replies) != 1 or not isinstance(replies[0], LookupReply) or replies[0].hops != 4:
        raise CaseError(f"{case.case_id}: expected d's lookup_reply with hops 4")
    return case.trace()


# -- the failed list: expiry and pruning ------------------------------------------------------


def _failed_prune_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/failed-prune-001",
        "b departs at tick 2, c at tick 30,000 (failed until 60,002 and 90,000). At 60,010 "
        "b's entry has expired but is still listed: b's announce is taken in (an expired "
        "entry blocks nothing). The probe round at 60,020 drops b's expired entry and keeps "
        "c's; c's announce at 60,030 is ignored (c's entry is in force). The probe round at "
        "90,005, when every entry has expired, empties the failed list.",
        ("positive", "edge"),
    )
    ring(case, "b", "c", "e")
    b_id, c_id = (to_int(identity(n).node_id) for n in ("b", "c"))
    case.send("b", Departure(node=ref("b")), "b departs")
    b_until = case.now + FAILED_MEMORY
    case.send("c", Departure(node=ref("c")), "c departs", at=30_000)
    c_until = case.now + FAILED_MEMORY

    def failed() -> list[tuple[int, int]]:
        return [(f.node, f.until) for f in case.node.state.data.failed]

    def leaf_ids() -> set[int]:
        leaf = case.node.state.data.tables.leaf
        return {r[0] for r in (*leaf.smaller, *leaf.larger)}

    if failed() != sorted([(b_id, b_until), (c_id, c_until)]):
        raise CaseError(f"{case.case_id}: expected b and c on the failed list")
    case.send("b", Announce(node=ref("b"), leaf=()), "b announces itself again", at=b_until + 8)
    if b_id not in leaf_ids() or len(failed()) != 2:
        raise CaseError(f"{case.case_id}: b must be taken in, its entry still listed")
    case.timer(TIMER_PROBE, "probe round: b's entry has expired", at=b_until + 18)
    if failed() != [(c_id, c_until)]:
        raise CaseError(f"{case.case_id}: the round must drop b's entry only")
    case.send("c", Announce(node=ref("c"), leaf=()), "c announces itself", at=b_until + 28)
    if c_id in leaf_ids():
        raise CaseError(f"{case.case_id}: c is on the failed list: its announce is ignored")
    case.timer(TIMER_PROBE, "probe round: c's entry has expired", at=c_until + 5)
    if failed():
        raise CaseError(f"{case.case_id}: the round must empty the failed list")
    return case.trace()


# -- probe rounds -----------------------------------------------------------------------------


def _probe_restart_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/round-restart-001",
        "The probe round at tick 20,001 restarts probe at 20,001 + PROBE_PERIOD = 40,001: "
        "fired at 40,000, one tick early, it is refused (no_transition); fired at 40,001 it "
        "runs the next round.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b", at=1)
    first = case.node.timers[TIMER_PROBE]
    case.timer(TIMER_PROBE, f"probe round at {first}")
    due = case.node.timers.get(TIMER_PROBE)
    if due != first + PROBE_PERIOD:
        raise CaseError(f"{case.case_id}: the round must restart probe at now + PROBE_PERIOD")
    case.timer(
        TIMER_PROBE,
        f"fire probe at {due - 1}, one tick early",
        at=due - 1,
        error=E.MACHINE_NO_TRANSITION,
        field=f"timer:{TIMER_PROBE}",
    )
    case.timer(TIMER_PROBE, f"fire probe at {due}, its due tick")
    return case.trace()


def _probe_silence_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/round-silence-001",
        "The probe round pings b and c (no probe was pending) and sets probe_timeout to "
        "now + PROBE_TIMEOUT; neither answers, nothing else happens: when probe_timeout "
        "fires, both are declared failed.",
        ("positive",),
    )
    ring(case, "b", "c")
    outputs = case.timer(TIMER_PROBE, "probe round")
    if len(outputs) != 2:
        raise CaseError(f"{case.case_id}: expected two pings")
    case.timer(TIMER_PROBE_TIMEOUT, "b and c did not answer")
    if len(case.node.state.data.failed) != 2:
        raise CaseError(f"{case.case_id}: b and c must be declared failed")
    return case.trace()


def _probe_skips_pending_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/probe/round-skips-pending-001",
        "At tick 19,500 b's leaf_update brings x into a's leaf set: a pings x at once. The "
        "probe round at 20,001 pings b and c but not x, whose probe is still pending.",
        ("positive", "edge"),
    )
    ring(case, "b", "c", at=1)
    b = case.peer("b")
    case.peer("x")
    outputs = case.send(
        "b", LeafUpdate(node=b.ref, leaf=(ref("c"), ref("x"))), "b's leaf list names x", at=19_500
    )
    x_id = identity("x").node_id
    if ("ping", x_id) not in _types(outputs):
        raise CaseError(f"{case.case_id}: a must ping x at once")
    outputs = case.timer(TIMER_PROBE, "probe round")
    pinged = [to for kind, to in _types(outputs) if kind == "ping"]
    if pinged != sorted([identity("b").node_id, identity("c").node_id]):
        raise CaseError(f"{case.case_id}: the round must ping b and c only")
    return case.trace()


# -- who is answered --------------------------------------------------------------------------


def _ack_to_signer_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/route/ack-to-signer-001",
        "c's route (d's lookup of b's id) arrives over the link from e: a acknowledges to "
        "c, the route's signer, not to the link, and forwards the lookup to b; e's ping "
        "arriving over the link from c is answered to e.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    case.peer("e")
    key = identity("b").node_id
    outputs = case.deliver(
        case.peer("c").frame(route(key, 1, 3, lookup_inner(d, key))), "e", "c's route via e"
    )
    if _types(outputs)[0] != ("route_ack", identity("c").node_id):
        raise CaseError(f"{case.case_id}: the route_ack must go to c")
    outputs = case.deliver(
        case.peer("e").frame(Ping(nonce=nonce_of("via"), sent_at=case.now)), "c", "e's ping via c"
    )
    if _types(outputs)[0] != ("pong", identity("e").node_id):
        raise CaseError(f"{case.case_id}: the pong must go to e")
    return case.trace()


def _join_names_other_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/attack/join-names-other-001",
        "d and then e each sign a join request naming j (whose id is above d's and below "
        "e's) and route it to their own id: the key is the signer's, but the joiner "
        "named is not the signer, so the route is misrouted (guard_rejected); each one's "
        "own join request, on the same route, is accepted.",
        ATTACK,
        ("ForgedReference",),
    )
    ring(case, "b", "c")
    j = case.peer("j")
    for name, seq in (("d", 50), ("e", 60)):
        signer = case.peer(name)
        if (signer.node_id < j.node_id) != (name == "d"):
            raise CaseError(f"{case.case_id}: j must lie between d and e")
        forged = signer.inner(JoinRequest(nonce=JOIN_NONCE, node=j.ref))
        honest = signer.inner(JoinRequest(nonce=JOIN_NONCE, node=signer.ref))
        case.deliver(
            case.peer("c").frame(route(signer.node_id, 1, seq, forged), seq=seq),
            "c",
            f"c's route of {name}'s join naming j, to {name}'s id",
            error=E.MACHINE_GUARD_REJECTED,
            control=case.peer("c").frame(route(signer.node_id, 1, seq, honest), seq=seq),
        )
    return case.trace()


# -- routing's rare case ----------------------------------------------------------------------

_UNIT = 1 << 112
"""One step of the top 16 bits of an id (0x9a8c... + _UNIT = 0x9a8d...)."""


def _fake(node: int, dx: int, dy: int) -> NodeRef:
    """A reference to a node no case identity has: only its id and coordinates matter."""
    return NodeRef(id=to_bytes(node % RING), x=NODE_X + dx, y=NODE_Y + dy)


def _rare_case_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/route/rare-case-rank-001",
        "b's row replies fill a's leaf set (8 nodes on each side, so it no longer covers the "
        "ring), its neighbourhood set (32 nodes nearer than u) and its table; then a looks "
        "up three keys outside the leaf set's range whose slot is empty or held by a node "
        "that never acknowledges. k3 = 9cff.. (l = 1): u = 9d00.. in R[1][d], the closest "
        "node sharing >= 1 digit, known only from the routing table and listed after row "
        "0, whose entry b shares no digit with k3; a forwards to u. k1 = a0f0.. (l = 0, "
        "slot held by ya): at hop_timeout a re-routes to n2 = a000.. (2 digits shared, "
        "from M) rather than to n1 = a100.. (1 digit, numerically closer) or any nearer "
        "node sharing none. k2 = 8fff.. (l = 0, slot held by y8): the nodes sharing a "
        "digit with k2, t2 (exactly as far from k2 as a is) and f2 (farther), are not "
        "closer than a, so a re-routes to the closest node sharing no digit.",
        ("positive", "edge"),
    )
    ring(case, "b")
    me = A_ID
    n1, n2 = 0xA100 * _UNIT, 0xA000 * _UNIT
    k1 = 0xA0F0 * _UNIT
    k2 = 0x8FFF * _UNIT
    t2, f2 = (2 * k2 - me) % RING, 0x8000 * _UNIT
    k3 = 0x9CFF * _UNIT
    u = 0x9D00 * _UNIT + 1
    ya, y8 = 0xA800 * _UNIT, 0x8800 * _UNIT
    refs = [_fake(me + k * (1 << 64), 3 + k, 0) for k in range(1, 9)]
    refs += [_fake(me - k * (1 << 64), 0, 3 + k) for k in range(1, 9)]
    refs += [_fake(me + k * (1 << 80), 12 + k, 12) for k in range(1, 6)]
    refs += [_fake(me - k * (1 << 80), 12, 12 + k) for k in range(1, 6)]
    refs += [_fake(ya, 0, 1), _fake(y8, 1, 0)]
    refs += [_fake(n, 1, 1) for n in (n1, n2, t2, f2)]
    refs.append(NodeRef(id=to_bytes(u), x=COORDINATE_MAX, y=COORDINATE_MAX))
    for entry in refs:
        node = to_int(entry.id)
        row = shl(me, node)
        case.send(
            "b",
            RowReply(row=row, column=digit(node, row), entry=entry),
            f"b's row_reply brings {entry.id.hex()[:6]}..",
        )
    tables = case.node.state.data.tables
    if covers(tables.leaf, me, k1) or covers(tables.leaf, me, k2) or covers(tables.leaf, me, k3):
        raise CaseError(f"{case.case_id}: the keys must lie outside the leaf set's range")
    in_m = {r[0] for r in tables.neighbours.refs}
    if u in in_m or not {n1, n2, t2, f2} <= in_m:
        raise CaseError(f"{case.case_id}: u must be out of M, n1, n2, t2, f2 in it")
    if tables.table[1][0xC] is not None or {n1, n2, t2, f2} & {
        r[0] for _, _, r in routing_table.entries(tables.table)
    }:
        raise CaseError(f"{case.case_id}: R[1][c] must be empty, n1 .. f2 out of R")

    def hop_to(outputs: tuple[Output, ...]) -> list[int]:
        return [to_int(to) for kind, to in _types(outputs) if kind == "route"]

    outputs = case.command("lookup", LookupCommand(key=to_bytes(k3), nonce=b"look-k3!"), "k3")
    if hop_to(outputs) != [u]:
        raise CaseError(f"{case.case_id}: the lookup of k3 must go to u")
    outputs = case.command("lookup", LookupCommand(key=to_bytes(k1), nonce=b"look-k1!"), "k1")
    if hop_to(outputs) != [ya]:
        raise CaseError(f"{case.case_id}: the lookup of k1 must go to ya")
    outputs = case.command("lookup", LookupCommand(key=to_bytes(k2), nonce=b"look-k2!"), "k2")
    if hop_to(outputs) != [y8]:
        raise CaseError(f"{case.case_id}: the lookup of k2 must go to y8")
    case.timer("hop_timeout", "u, ya and y8 did not acknowledge", at=case.now + HOP_TIMEOUT)
    hops = {h.key: h.to[0] for h in case.node.state.data.hops}
    if hops.get(k1) != n2:
        raise CaseError(f"{case.case_id}: k1 must be re-routed to n2")
    if hops.get(k2) is None or shl(hops[k2], k2) != 0 or hops[k2] in (t2, f2):
        raise CaseError(f"{case.case_id}: k2 must be re-routed to a node sharing no digit")
    return case.trace()


# -- what a node's messages list --------------------------------------------------------------


def _leaf_list_order_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/leaf-list-order-001",
        "b's leaf_update lists a+1 .. a+8, a-1, a-2, the ids 0 and 2^128 - 1: a's successors "
        "become a+1 .. a+8, its predecessors a-1, a-2, b, 0, 2^128 - 1, a+8, a+7, a+6. The "
        "leaf_update a sends the newcomers lists its members once each in clockwise order "
        "from a: a+1 .. a+8, 2^128 - 1, 0, b, a-2, a-1 (neighbouring ids in the right order, "
        "across the wrap of the ring too).",
        ("positive", "edge"),
    )
    ring(case, "b")
    me = A_ID
    b = case.peer("b")
    listed = [_fake(me + k, k, 0) for k in range(1, 9)]
    listed += [_fake(me - 1, 0, 1), _fake(me - 2, 0, 2), _fake(0, 0, 3), _fake(RING - 1, 0, 4)]
    outputs = case.send("b", LeafUpdate(node=b.ref, leaf=tuple(listed)), "b's leaf list")
    updates = [
        opened.body
        for opened in (open_envelope(o.frame, MESSAGES) for o in outputs)
        if isinstance(opened.body, LeafUpdate)
    ]
    order = [*range(me + 1, me + 9), RING - 1, 0, to_int(b.node_id), me - 2, me - 1]
    if not updates or [to_int(r.id) for r in updates[0].leaf] != order:
        raise CaseError(f"{case.case_id}: a's leaf list is not in clockwise order")
    return case.trace()


def _join_rows_case(g: Generator) -> Trace:
    me = A_ID
    joiner = next(f"j{i}" for i in range(10_000) if shl(me, to_int(identity(f"j{i}").node_id)) == 1)
    case = OverlayCase(
        g,
        "overlay/join/state-rows-001",
        f"{joiner}, whose id shares one digit with a's, hands its join request to a "
        "(position 0): a's join_state carries its routing rows 0 through "
        f"shl(a, {joiner}) = 1, that is b and c (row 0) and g (row 1), by row then column.",
        ("positive", "edge"),
    )
    ring(case, "b", "c", "g")
    j = case.peer(joiner)
    outputs = case.send(
        joiner,
        route(j.node_id, 0, 1, j.inner(JoinRequest(nonce=JOIN_NONCE, node=j.ref))),
        f"{joiner} hands a its join request",
    )
    states = [
        opened.body
        for opened in (open_envelope(o.frame, MESSAGES) for o in outputs)
        if isinstance(opened.body, JoinState)
    ]
    rows = [ref(n) for n in ("b", "c", "g")]
    if len(states) != 1 or list(states[0].entries) != rows:
        raise CaseError(f"{case.case_id}: expected rows 0 and 1: b, c, g")
    return case.trace()


def _leaf_list_two_refs_case(g: Generator) -> Trace:
    case = OverlayCase(
        g,
        "overlay/ring/leaf-list-two-refs-001",
        "b's leaf_update brings a+1 .. a+8 into a's successors; a+1 and a+2 are too far "
        "counter-clockwise for a's full predecessor side. b's row_reply then names a+2 at "
        "other coordinates: the successor side keeps its reference, the routing table and "
        "M take the new one. c departs: the refill offers the leaf set's own members before "
        "R and M, so a+2 enters the predecessor side with the coordinates the successor "
        "side holds, not the routing table's (one reference per table). Asked by b, a "
        "lists a+2 once, at those coordinates.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    me = A_ID
    b = case.peer("b")
    listed = tuple(_fake(me + k, k, 0) for k in range(1, 9))
    case.send("b", LeafUpdate(node=b.ref, leaf=listed), "b's leaf list")
    second = _fake(me + 2, 40, 40)
    row = shl(me, me + 2)
    case.send(
        "b",
        RowReply(row=row, column=digit(me + 2, row), entry=second),
        "b's row_reply names a+2 at other coordinates",
    )
    case.send("c", Departure(node=ref("c")), "c departs")
    tables = case.node.state.data.tables
    leaf = tables.leaf
    held = [r[3] for r in (*leaf.larger, *leaf.smaller) if r[0] == me + 2]
    slot = tables.table[row][digit(me + 2, row)]
    if held != [listed[1], listed[1]] or slot is None or slot[3] != second:
        raise CaseError(f"{case.case_id}: both sides must hold a+2 as listed, R as named")
    outputs = case.send("b", LeafRequest(node=b.ref), "b asks for a's leaf set")
    updates = [open_envelope(o.frame, MESSAGES).body for o in outputs]
    if not updates or not isinstance(updates[0], LeafUpdate):
        raise CaseError(f"{case.case_id}: expected a's leaf_update")
    named = [r for r in updates[0].leaf if to_int(r.id) == me + 2]
    if named != [listed[1]]:
        raise CaseError(f"{case.case_id}: a+2 must be listed once, as the successors hold it")
    return case.trace()
