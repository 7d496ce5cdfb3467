"""Cases of what a node waits for: pending forwards, probes, lookups and joins.

The pending forwards, probes and lookups that a timer finds due (only those,
also when it fires late), and the acknowledgements, pongs and replies that
match them (exactly: token and signer, node and nonce, key and nonce); the
bounds on pending forwards and lookups; and joins: the positions a join waits
for, the timers counted from the tick of the command, and the token counter,
which an abandoned join does not reset.

The premise of every step is checked while the case is recorded.
"""

from collections.abc import Iterator

from reference.corpus.casekit import ATTACK, EDGE, CaseError
from reference.corpus.overlay_casekit import (
    A_ID,
    JOIN_NONCE,
    OverlayCase,
    body_of,
    identity,
    join_state,
    kinds,
    lookup_route,
    messages_sent,
    ref,
    refuse,
    ring,
    route,
    slot_of,
)
from reference.overlay.ring import digit, to_int
from spec.v1 import errors as E
from spec.v1.overlay.commands import CreateRingCommand, JoinCommand, LookupCommand
from spec.v1.overlay.constants import (
    HOP_TIMEOUT,
    JOIN_TIMEOUT,
    LOOKUP_TIMEOUT,
    MAX_PENDING_HOPS,
    MAX_PENDING_LOOKUPS,
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
from spec.v1.trace import Generator, Trace
from spec.v1.wire import Pong


def pending_cases(g: Generator) -> Iterator[Trace]:
    yield from _due_cases(g)
    yield from _matching_cases(g)
    yield from _bound_cases(g)
    yield from _join_cases(g)


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
    case.send("c", lookup_route(case, key, 1, "hop-one"), "c's first route", at=first)
    case.send("c", lookup_route(case, key, 2, "hop-two"), "c's second route", at=first + 1)
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
    if ("ping", identity("e").node_id) not in messages_sent(outputs):
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
    own = body_of(outputs[0])
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
        case.send("c", lookup_route(case, key, 10 + token, label), f"c's route {label}")
    if [(h.token, h.to[3].id) for h in case.node.state.data.hops] != [(t, key) for t in range(3)]:
        raise CaseError(f"{case.case_id}: a should forward the three lookups to b")
    case.send("b", RouteAck(token=0), "b acknowledges 0")
    case.send("b", RouteAck(token=2), "b acknowledges 2")
    if [h.token for h in case.node.state.data.hops] != [1]:
        raise CaseError(f"{case.case_id}: forward 1 should still be tracked")
    for sender, token in (("b", 0), ("b", 2), ("j", 1), ("c", 1)):
        refuse(
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
        refuse(
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
        refuse(
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
    refuse(case, "c", Announce(node=ref("b"), leaf=()), "c's announce as b", "message:announce")
    refuse(
        case,
        "c",
        RowState(node=ref("b"), row=0, entries=()),
        "c's row_state as b",
        "message:row_state",
    )
    yield case.trace()

    g_row, g_column = slot_of("g")
    b_row, b_column = slot_of("b")
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
        refuse(
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
        f"{p11} and {p0} share a's first digit (9) and sit in a's row 1 ({slot_of(p11)}, "
        f"{slot_of(p0)}). {p11} asks for its slot (1, {slot_of(p0)[1]}): {p0} fits it "
        f"(it shares one digit with {p11}), so a answers with {p0}.",
        ("positive",),
    )
    ring(case, p11, p0)
    row, column = slot_of(p0)
    outputs = case.send(
        p11, RowRequest(node=ref(p11), row=row, column=column), f"{p11} asks for ({row}, {column})"
    )
    reply = body_of(outputs[0])
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
            lookup_route(case, key, i, f"h{i:07d}"),
            f"c's route {i}",
            at=start,
            record_state=i == MAX_PENDING_HOPS - 1,
        )
    outputs = case.send("c", lookup_route(case, key, 999, "h-extra"), "one route too many")
    if kinds(outputs) != ["route_ack"]:
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
        case.send("c", lookup_route(case, key, 2000 + i, f"hmore{i}"), f"c's route more {i}")
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
        refuse(case, "c", bad, note, "message:join_state")
    yield case.trace()


__all__ = ["pending_cases"]
