"""Cases that pin the ``overlay`` rules an implementer reading only the prose had to guess.

Each case fails an implementation that reads one sentence of
``spec/v1/prose/overlay.md`` (or ``node.md``) the other way; the prose names
the case beside the rule. The premise of every case (who is in which table,
which messages go out) is checked while it is recorded, so a case that stops
testing its rule fails the generator instead of passing silently.
"""

from collections.abc import Iterator
from typing import Final

from reference import cbor
from reference.codec import encode_message
from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import (
    ATTACK,
    EDGE,
    OverlayCase,
    body_of,
    closest,
    identity,
    join_inner,
    lookup_inner,
    messages_sent,
    ref,
    ring,
    route,
)
from reference.overlay.leafset import covers
from reference.overlay.ring import to_int
from spec.v1 import errors as E
from spec.v1.envelope import MAX_FRAME_BYTES
from spec.v1.overlay import NodeRef
from spec.v1.overlay.commands import CreateRingCommand, LookupCommand
from spec.v1.overlay.constants import FAILED_MEMORY, LOOKUP_TIMEOUT
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    JoinState,
    LeafRequest,
    LeafUpdate,
    LookupReply,
    Route,
    RouteAck,
    RowState,
    RowSync,
)
from spec.v1.trace import Generator, Output, Trace
from spec.v1.wire import Ping, Pong

A_ID: Final = to_int(identity("a").node_id)


def rule_cases(g: Generator) -> Iterator[Trace]:
    yield from _leaf_update_cases(g)
    yield from _reference_cases(g)
    yield from _ping_cases(g)
    yield from _answer_order_cases(g)
    yield from _mending_cases(g)
    yield from _lookup_expiry_cases(g)
    yield from _reroute_cases(g)
    yield from _probe_cases(g)
    yield from _command_cases(g)


# -- helpers ----------------------------------------------------------------------------------


def _expect(case: OverlayCase, outputs: tuple[Output, ...], *wanted: tuple[str, str]) -> None:
    """``outputs`` must be exactly these (type, recipient name) pairs, in order."""
    expected = tuple((kind, identity(name).node_id) for kind, name in wanted)
    if messages_sent(outputs) != expected:
        raise CaseError(f"{case.case_id}: expected {wanted}, sent {messages_sent(outputs)}")


def _at(name: str, x: int, y: int) -> NodeRef:
    """``name``'s reference with other coordinates (a node's coordinates are its word)."""
    return NodeRef(id=identity(name).node_id, x=x, y=y)


def _slot(case: OverlayCase, row: int, column: int) -> NodeRef | None:
    entry = case.node.state.data.tables.table[row][column]
    return None if entry is None else entry[3]


def _leaf_refs(case: OverlayCase) -> set[NodeRef]:
    leaf = case.node.state.data.tables.leaf
    return {r[3] for r in (*leaf.smaller, *leaf.larger)}


def near_a(below: int, above: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Peer names ``m<i>`` whose ids share a's first two digits (9a), the first ``below``
    found with ids below a's and the first ``above`` with ids above it."""
    low: list[str] = []
    high: list[str] = []
    for i in range(200_000):
        name = f"m{i}"
        node = identity(name).node_id
        if node[0] != 0x9A:
            continue
        side = high if to_int(node) > A_ID else low
        if len(side) < (above if side is high else below):
            side.append(name)
        if len(low) == below and len(high) == above:
            return tuple(low), tuple(high)
    raise CaseError("not enough labels near a")


def _by_distance(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` sorted by clockwise distance from a."""
    return tuple(sorted(names, key=lambda n: (to_int(identity(n).node_id) - A_ID) % (1 << 128)))


# -- announcements and leaf updates -----------------------------------------------------------


def _leaf_update_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/ring/leaf-update-known-001",
        "b, already in a's leaf set, sends a leaf_update listing only c: a takes c into its "
        "leaf set, sends c a leaf_update and pings it, and sends b nothing, though b's list "
        "misses a and e (only the answer to the sender is suppressed).",
        ("positive", "edge"),
    )
    ring(case, "b", "e")
    outputs = case.send("b", LeafUpdate(node=ref("b"), leaf=(ref("c"),)), "b's leaf set: c")
    _expect(case, outputs, ("leaf_update", "c"), ("ping", "c"))
    yield case.trace()


# -- node references: each table keeps its own, while it holds it -----------------------------


def _reference_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/ring/reference-per-table-001",
        "j, f and b announce; a's routing slot (0, 3) holds j, the nearest of the three. b "
        "then asks for a's leaf set with a reference at other coordinates, next to a: the "
        "leaf set and M keep b's first reference, but the routing table, which does not "
        "hold b, judges the new one and gives b the slot; the leaf_update lists b as the "
        "leaf set holds it.",
        ("positive", "edge"),
    )
    ring(case, "j", "f", "b")
    if _slot(case, 0, 3) != ref("j"):
        raise CaseError(f"{case.case_id}: slot (0, 3) should hold j")
    moved = _at("b", 500, 501)
    outputs = case.send("b", LeafRequest(node=moved), "b's leaf_request, b next to a")
    listed = body_of(outputs[0])
    if _slot(case, 0, 3) != moved or ref("b") not in _leaf_refs(case):
        raise CaseError(f"{case.case_id}: b's two references are not where they should be")
    if not isinstance(listed, LeafUpdate) or ref("b") not in listed.leaf:
        raise CaseError(f"{case.case_id}: the leaf_update should list b's first reference")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/reference-after-failure-001",
        "b departs and is on a's failed list for FAILED_MEMORY ticks: its announce one tick "
        "before the entry expires is ignored; at the expiry tick b announces again at other "
        "coordinates and a takes the new reference into every table (the first reference "
        "is kept only while a table holds it).",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    case.send("b", Departure(node=ref("b")), "b departs")
    until = case.now + FAILED_MEMORY
    outputs = case.send(
        "b", Announce(node=ref("b"), leaf=()), "b announces, still failed", at=until - 1
    )
    if outputs:
        raise CaseError(f"{case.case_id}: a failed node's announce must change nothing")
    moved = _at("b", 600, 600)
    case.send("b", Announce(node=moved, leaf=()), "b announces at the expiry tick", at=until)
    if moved not in _leaf_refs(case):
        raise CaseError(f"{case.case_id}: b's new reference should be in the leaf set")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/ring/slot-tie-001",
        "f, j and b, all fitting a's routing slot (0, 3), announce at the same proximity "
        "(100) to a: j, the smaller id, takes the slot from f; b, larger than j, does not.",
        ("positive", "edge"),
    )
    case.command("create_ring", CreateRingCommand(), "create a ring")
    for name, x, y in (("f", 510, 500), ("j", 500, 510), ("b", 490, 500)):
        case.send(name, Announce(node=_at(name, x, y), leaf=()), f"{name} announces")
    if _slot(case, 0, 3) != _at("j", 500, 510):
        raise CaseError(f"{case.case_id}: slot (0, 3) should hold j")
    yield case.trace()


# -- answering pings: the leaf set's rule, and the failed list --------------------------------


def _ping_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/probe/ping-from-failed-001",
        "b departs; b's ping the next tick is answered with a pong only (b is on the failed "
        "list); at the tick its entry expires b's ping also draws a leaf_request; the next "
        "probe round drops the expired entry.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    case.send("b", Departure(node=ref("b")), "b departs")
    until = case.now + FAILED_MEMORY
    outputs = case.send("b", Ping(nonce=b"ping-001", sent_at=1), "b pings a, failed")
    _expect(case, outputs, ("pong", "b"))
    outputs = case.send("b", Ping(nonce=b"ping-002", sent_at=2), "b pings at expiry", at=until)
    _expect(case, outputs, ("pong", "b"), ("leaf_request", "b"))
    case.timer("probe", "the probe round, late", at=until)
    if case.node.state.data.failed:
        raise CaseError(f"{case.case_id}: the probe round should drop the expired entry")
    yield case.trace()


# -- answering and considering: in which order ------------------------------------------------


def _answer_order_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/ring/row-sync-before-consider-001",
        "a's routing slot (0, 3) holds j. b, which a does not know, asks for row 0 with a "
        "reference next to a: a answers from its table as it was (j listed), then considers "
        "b, which takes slot (0, 3) from j.",
        ("positive", "edge"),
    )
    ring(case, "j", "c", "g")
    moved = _at("b", 500, 501)
    outputs = case.send("b", RowSync(node=moved, row=0), "b asks for row 0")
    state = body_of(outputs[0])
    if not isinstance(state, RowState) or ref("j") not in state.entries:
        raise CaseError(f"{case.case_id}: the row_state should list j")
    if _slot(case, 0, 3) != moved:
        raise CaseError(f"{case.case_id}: b should hold slot (0, 3) afterwards")
    yield case.trace()


# -- repair on use: nothing remembered when nobody was asked -----------------------------------


def _mending_cases(g: Generator) -> Iterator[Trace]:
    low, high = near_a(8, 8)
    case = OverlayCase(
        g,
        "overlay/lookup/mend-nobody-001",
        "a knows only 16 nodes sharing its first two digits, so its rows 0 and 1 are empty. "
        "It looks up a key starting with 1, outside its leaf set's range: slot (0, 1) is "
        "empty and nobody can be asked, so a sends no row_request and remembers nothing. "
        "After b (row 0) announces, the same lookup asks b for the slot and remembers it.",
        ("positive", "edge"),
    )
    ring(case, *low, *high)
    key = bytes([0x10]) + bytes(15)
    if covers(case.node.state.data.tables.leaf, A_ID, to_int(key)):
        raise CaseError(f"{case.case_id}: the key should be outside the leaf set's range")
    outputs = case.command("lookup", LookupCommand(key=key, nonce=b"mend-001"), "look it up")
    if [kind for kind, _ in messages_sent(outputs)] != ["route"] or case.node.state.data.mending:
        raise CaseError(f"{case.case_id}: the first lookup should ask nobody, remember nothing")
    case.send("b", Announce(node=ref("b"), leaf=()), "b announces")
    outputs = case.command("lookup", LookupCommand(key=key, nonce=b"mend-002"), "again")
    _expect(case, outputs, ("route", "b"), ("row_request", "b"))
    if not case.node.state.data.mending:
        raise CaseError(f"{case.case_id}: the slot should now be remembered")
    yield case.trace()


# -- lookups that expire together --------------------------------------------------------------


def _lookup_expiry_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/lookup/timeout-order-001",
        "a starts lookups with nonces zz, mm (the same tick) and aa (the next tick); none "
        "is answered. The lookups due at the first lookup_timeout (zz and mm) are recorded "
        "in nonce order, mm before zz; aa at the next.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    start = case.now + 1
    for nonce, name, at in ((b"zz-first", "b", start), (b"mm-secnd", "c", start)):
        key = identity(name).node_id
        case.command("lookup", LookupCommand(key=key, nonce=nonce), f"look up {name}", at=at)
    key = identity("b").node_id
    case.command("lookup", LookupCommand(key=key, nonce=b"aa-third"), "look up b again")
    case.timer("lookup_timeout", "zz and mm are due")
    answers = [a.nonce for a in case.node.state.data.answers]
    if answers != [b"mm-secnd", b"zz-first"] or case.now != start + LOOKUP_TIMEOUT:
        raise CaseError(f"{case.case_id}: expected mm then zz, got {answers}")
    case.timer("lookup_timeout", "aa is due")
    yield case.trace()


# -- re-routing a join, and a lookup that comes back to its origin -----------------------------


def _joiner(first: str, second: str) -> str:
    """A joiner name whose id is closest to ``first`` among a, b, c, and to ``second`` once
    ``first`` is gone."""
    for i in range(1000):
        name = f"j{i}"
        key = identity(name).node_id
        if closest(key, ("a", "b", "c")) == first:
            rest = tuple(n for n in ("a", "b", "c") if n != first)
            if closest(key, rest) == second:
                return name
    raise CaseError(f"no joiner lands on {first}, then {second}")


def _reroute_cases(g: Generator) -> Iterator[Trace]:
    joiner = _joiner("b", "c")
    case = OverlayCase(
        g,
        "overlay/route/reroute-join-forward-001",
        f"{joiner} hands its join request to a, which forwards it to b (hops 1) and sends "
        f"its join_state for position 0; b never acknowledges: at hop_timeout a declares b "
        f"failed and forwards the request to c with the same hop count, sending no second "
        f"join_state.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    j = case.peer(joiner)
    outputs = case.send(joiner, route(j.node_id, 0, 0, join_inner(j)), "the hand-over")
    _expect(case, outputs, ("route_ack", joiner), ("route", "b"), ("join_state", joiner))
    outputs = case.timer("hop_timeout", "b did not acknowledge")
    kinds = [kind for kind, _ in messages_sent(outputs)]
    if "join_state" in kinds or ("route", identity("c").node_id) not in messages_sent(outputs):
        raise CaseError(f"{case.case_id}: expected a forward to c and no join_state, {kinds}")
    yield case.trace()

    joiner = _joiner("b", "a")
    case = OverlayCase(
        g,
        "overlay/route/reroute-join-root-001",
        f"{joiner} hands its join request to a, which forwards it to b (hops 1) and sends "
        f"its join_state for position 0; b never acknowledges: at hop_timeout a, now the "
        f"root, sends {joiner} a second join_state for position 0 (hops - 1), with root set, "
        f"its leaf set and its neighbourhood set.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    j = case.peer(joiner)
    case.send(joiner, route(j.node_id, 0, 0, join_inner(j)), "the hand-over")
    outputs = case.timer("hop_timeout", "b did not acknowledge")
    states = [body_of(o) for o in outputs if o.to == j.node_id]
    if len(states) != 1 or not isinstance(states[0], JoinState):
        raise CaseError(f"{case.case_id}: expected one join_state to the joiner")
    if states[0].hop != 0 or not states[0].root or not states[0].neighbours:
        raise CaseError(f"{case.case_id}: the root's join_state should be for position 0")
    yield case.trace()

    key = identity(joiner).node_id
    case = OverlayCase(
        g,
        "overlay/route/reroute-deliver-lookup-001",
        "c forwards d's lookup (hops 1) of a key nearest b; a forwards it to b (hops 2), "
        "which never acknowledges: at hop_timeout a, now the root, answers d itself with "
        "hops 1, its own position on the route (hops - 1).",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    case.send("c", route(key, 1, 3, lookup_inner(d, key)), "c forwards d's lookup")
    outputs = case.timer("hop_timeout", "b did not acknowledge")
    replies = [body_of(o) for o in outputs if o.to == d.node_id]
    if len(replies) != 1 or not isinstance(replies[0], LookupReply) or replies[0].hops != 1:
        raise CaseError(f"{case.case_id}: expected d's lookup_reply with hops 1")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/deliver-own-lookup-001",
        "a looks up b's id and forwards the lookup to b, which acknowledges and then departs. "
        "c routes a's own lookup back to a with hops 2: a, now the root, records the answer "
        "itself, with root a and hops 0, as for a local answer; no lookup is pending any "
        "more, so lookup_timeout is stopped and cannot fire.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    key = identity("b").node_id
    outputs = case.command("lookup", LookupCommand(key=key, nonce=b"own-look"), "look up b")
    sent = body_of(outputs[0])
    if not isinstance(sent, Route):
        raise CaseError(f"{case.case_id}: expected a route")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.send("b", Departure(node=ref("b")), "b departs")
    outputs = case.send("c", route(key, 2, 5, sent.frame), "c routes a's lookup back to a")
    _expect(case, outputs, ("route_ack", "c"))
    answers = case.node.state.data.answers
    if [(a.root, a.hops) for a in answers] != [(A_ID, 0)]:
        raise CaseError(f"{case.case_id}: expected a's own answer with 0 hops")
    case.timer(
        "lookup_timeout",
        "no lookup is pending: the timer was stopped",
        at=case.now + LOOKUP_TIMEOUT,
        error=E.MACHINE_NO_TRANSITION,
        field="timer:lookup_timeout",
    )
    yield case.trace()


# -- probes of nodes pushed out of the leaf set ------------------------------------------------


def _probe_cases(g: Generator) -> Iterator[Trace]:
    low, high = near_a(8, 9)
    ordered = _by_distance(high)
    members, newcomer = (*ordered[:7], ordered[8]), ordered[7]
    pushed = ordered[8]
    case = OverlayCase(
        g,
        "overlay/probe/pushed-out-001",
        f"a's successors are 8 nodes, {pushed} the farthest; the probe round pings all 16 "
        f"members. {newcomer}, nearer than {pushed}, announces and pushes it out of the "
        f"leaf set: its probe is dropped at once, and its late pong is refused.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, *low, *members)
    case.timer("probe", "the probe round")
    nonce = case.node.state.data.probes[0].nonce
    case.send(newcomer, Announce(node=ref(newcomer), leaf=()), f"{newcomer} announces")
    probed = {p.node for p in case.node.state.data.probes}
    if to_int(identity(pushed).node_id) in probed or len(probed) != 15:
        raise CaseError(f"{case.case_id}: {pushed}'s probe should be dropped, 15 left")
    case.send(
        pushed,
        Pong(nonce=nonce, ping_sent_at=case.now),
        f"{pushed}'s late pong",
        error=E.MACHINE_GUARD_REJECTED,
        field="message:pong",
    )
    yield case.trace()


# -- command arguments: the frame size limit ---------------------------------------------------


def _oversized_lookup(size: int) -> bytes:
    """The arguments of a lookup command, ``size`` bytes long: its nonce is made long enough
    (so the arguments are well-formed CBOR and their only defects are size and range)."""
    key = identity("b").node_id
    length = size
    for _ in range(8):
        raw = cbor.encode({"key": key, "nonce": bytes(length)})
        if len(raw) == size:
            return raw
        length -= len(raw) - size
    raise CaseError(f"no lookup arguments of exactly {size} bytes")


def _command_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/machine/command-args-oversized-001",
        f"lookup commands whose arguments are well-formed CBOR with a long nonce: at "
        f"{MAX_FRAME_BYTES} bytes the nonce is out of range (decode.out_of_range); at "
        f"{MAX_FRAME_BYTES + 1} bytes the arguments are over MAX_FRAME_BYTES, refused before "
        f"they are parsed (decode.too_large).",
        ATTACK,
        ("OversizedFrame", "OutOfRange"),
    )
    ring(case, "b")
    control = encode_message(LookupCommand(key=identity("b").node_id, nonce=b"look-001"))
    for size, error, field in (
        (MAX_FRAME_BYTES, E.DECODE_OUT_OF_RANGE, "args.nonce"),
        (MAX_FRAME_BYTES + 1, E.DECODE_TOO_LARGE, "args@0"),
    ):
        case.command(
            "lookup",
            _oversized_lookup(size),
            f"lookup arguments of {size} bytes",
            error=error,
            field=field,
            control=control,
        )
    yield case.trace()


__all__ = ["near_a", "rule_cases"]
