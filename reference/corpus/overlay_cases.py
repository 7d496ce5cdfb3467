"""Hand-written cases of the ``overlay`` protocol: each transition on its own, and attacks.

Node ``a`` (at (500, 500)) starts every case ``idle``; most cases first make
it the first node of a ring (``create_ring``) and let peers announce
themselves, so that its leaf set (fewer than 8 per side: it covers the whole
ring) routes every key to the numerically closest of ``a`` and those peers.
Peers are identities ``overlay/<name>``; on the ring (hex prefixes) they sit
in the order d 0c, j 32, f 38, b 3b, c 83, g 98, a 9a, e f4.
"""

from collections.abc import Iterable, Iterator

from reference import cbor
from reference.codec import encode_message, to_value
from reference.corpus.mutations import RawMap, bstr, enc
from reference.corpus.overlay_casekit import (
    ATTACK,
    EDGE,
    CaseError,
    OverlayCase,
    Peer,
    identity,
    ref,
)
from reference.corpus.wire_frames import envelope_fields
from reference.envelope import open_envelope
from reference.identity import seed_from_label
from reference.overlay.leafset import covers
from reference.overlay.repair import repair_targets
from reference.overlay.ring import digit, distance, shl, to_int
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import Envelope
from spec.v1.overlay import NodeRef
from spec.v1.overlay.commands import (
    CreateRingCommand,
    JoinCommand,
    LeaveCommand,
    LookupCommand,
)
from spec.v1.overlay.constants import MAX_HOPS, RING
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
    RowRequest,
)
from spec.v1.trace import Generator, Trace
from spec.v1.wire import Ping, Pong

JOIN_NONCE = b"join-a01"
LOOKUP_NONCE = b"lookup01"


def _nonce(label: str) -> bytes:
    return seed_from_label(f"overlay/nonce/{label}")[:8]


def ring(case: OverlayCase, *names: str, at: int | None = None) -> None:
    """``create_ring``, then an ``announce`` (with an empty leaf list) from each peer."""
    case.command("create_ring", CreateRingCommand(), "create a ring", at=at)
    for name in names:
        peer = case.peer(name)
        case.send(name, Announce(node=peer.ref, leaf=()), f"{name} announces itself")


def closest(key: bytes, names: Iterable[str]) -> str:
    """Which of ``names`` is numerically closest to ``key`` (ties to the smaller id)."""
    k = to_int(key)
    return min(
        names,
        key=lambda n: (distance(to_int(identity(n).node_id), k), identity(n).node_id),
    )


def joiner_near(target: str, among: tuple[str, ...]) -> str:
    """A joiner name ``j<i>`` whose id is closest to ``target`` among ``among``."""
    for i in range(1000):
        name = f"j{i}"
        if closest(identity(name).node_id, among) == target:
            return name
    raise CaseError(f"no joiner lands on {target}")


def route(key: bytes, hops: int, token: int, inner: bytes) -> Route:
    return Route(key=key, hops=hops, token=token, frame=inner)


def lookup_inner(origin: Peer, key: bytes, nonce: bytes = LOOKUP_NONCE) -> bytes:
    return origin.inner(Lookup(key=key, nonce=nonce))


def join_inner(joiner: Peer, nonce: bytes = JOIN_NONCE) -> bytes:
    return joiner.inner(JoinRequest(nonce=nonce, node=joiner.ref))


def overlay_cases(generator: Generator) -> Iterator[Trace]:
    yield from _ring_cases(generator)
    yield from _route_cases(generator)
    yield from _lookup_cases(generator)
    yield from _mending_cases(generator)
    yield from _join_cases(generator)
    yield from _probe_cases(generator)
    yield from _attack_cases(generator)


# -- the ring ------------------------------------------------------------------------------


def _ring_cases(g: Generator) -> Iterator[Trace]:
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


# -- routing --------------------------------------------------------------------------------


def _route_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/route/deliver-lookup-001",
        "c forwards d's lookup of a key nearest a; a is the root: it acknowledges to c and "
        "answers d directly with the hop count.",
        ("positive",),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = case.node_id
    case.send("c", route(key, 2, 7, lookup_inner(d, key)), "c forwards d's lookup of a's id")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/forward-lookup-001",
        "c forwards d's lookup of b's id to a; a acknowledges, forwards it to b (hops + 1, a "
        "token of its own) and stops tracking it when b acknowledges.",
        ("positive",),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = identity("b").node_id
    case.send("c", route(key, 1, 3, lookup_inner(d, key)), "c forwards d's lookup of b")
    case.send("b", RouteAck(token=0), "b acknowledges token 0")
    yield case.trace()

    joiner = joiner_near("a", ("a", "b", "c"))
    case = OverlayCase(
        g,
        "overlay/route/deliver-join-001",
        f"b forwards {joiner}'s join request; a is the root: it acknowledges and sends "
        f"{joiner} its join_state with root set and its leaf set.",
        ("positive",),
    )
    ring(case, "b", "c")
    j = case.peer(joiner)
    case.send("b", route(j.node_id, 1, 1, join_inner(j)), f"b forwards {joiner}'s join")
    yield case.trace()

    joiner = joiner_near("b", ("a", "b", "c"))
    case = OverlayCase(
        g,
        "overlay/route/forward-join-001",
        f"{joiner} hands its join request to a (its bootstrap, hops 0); a forwards it to b "
        f"and sends {joiner} its join_state for position 0 with its neighbourhood set.",
        ("positive",),
    )
    ring(case, "b", "c")
    j = case.peer(joiner)
    case.send(joiner, route(j.node_id, 0, 0, join_inner(j)), f"{joiner} hands over its join")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/hop-limit-001",
        f"A route that has already been forwarded {MAX_HOPS} times and is not for a is "
        "acknowledged and dropped.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = identity("b").node_id
    case.send("c", route(key, MAX_HOPS, 9, lookup_inner(d, key)), "c's route at the hop limit")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/route/reroute-001",
        "a forwards a lookup to b, which never acknowledges: at hop_timeout b is declared "
        "failed (and a asks c for its leaf set), and a, now closest, delivers to d itself.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    key = identity("b").node_id
    case.send("c", route(key, 1, 3, lookup_inner(d, key)), "c forwards d's lookup of b")
    case.timer("hop_timeout", "b did not acknowledge")
    yield case.trace()


# -- lookups --------------------------------------------------------------------------------


def _lookup_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/lookup/round-trip-001",
        "a looks up b's id: the lookup goes to b (hops 1), b acknowledges and answers; a "
        "records the answer.",
        ("positive",),
    )
    ring(case, "b", "c")
    key = identity("b").node_id
    case.command("lookup", LookupCommand(key=key, nonce=LOOKUP_NONCE), "look up b's id")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.send("b", LookupReply(key=key, nonce=LOOKUP_NONCE, hops=1), "b answers")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/lookup/timeout-001",
        "a's lookup is acknowledged but never answered: at lookup_timeout the answer is "
        "recorded with root null.",
        ("positive", "edge"),
    )
    ring(case, "b", "c")
    key = identity("b").node_id
    case.command("lookup", LookupCommand(key=key, nonce=LOOKUP_NONCE), "look up b's id")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.timer("lookup_timeout", "no answer")
    yield case.trace()


def _mending_key(case: OverlayCase) -> bytes:
    """A key outside a's leaf-set range whose routing-table slot at a is empty, and for
    which a has someone to ask (the case's premise, checked)."""
    tables = case.node.state.data.tables
    origin = tables.me[0]
    far = tables.leaf.larger[-1][0]
    gap = (tables.leaf.smaller[-1][0] - far) % RING
    for step in range(1, 64):
        key = (far + gap * step // 64) % RING
        if covers(tables.leaf, origin, key):
            continue
        row = shl(origin, key)
        if tables.table[row][digit(key, row)] is None and repair_targets(
            tables.table, tables.me, row
        ):
            return key.to_bytes(16, "big")
    raise CaseError("overlay/lookup/mend-on-use-001: no key in the gap has an empty slot")


def _mending_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/lookup/mend-on-use-001",
        "a knows 20 peers, so its leaf set no longer covers the ring; it looks up a key "
        "outside that range whose routing-table slot is empty: it routes by the rare case "
        "and asks its nearest row entries for the slot (repair on use); a second lookup "
        "of the same slot asks nobody (the slot is remembered).",
        ("positive", "edge"),
    )
    peers = tuple(f"p{i:02d}" for i in range(20))
    ring(case, *peers)
    key = _mending_key(case)
    case.command("lookup", LookupCommand(key=key, nonce=LOOKUP_NONCE), "look up the key")
    case.command(
        "lookup", LookupCommand(key=key, nonce=_nonce("again")), "look it up again at once"
    )
    yield case.trace()


# -- joining --------------------------------------------------------------------------------


def _state(
    sender: str, hop: int, root: bool, entries: tuple[str, ...] = (), leaf: tuple[str, ...] = ()
) -> JoinState:
    return JoinState(
        nonce=JOIN_NONCE,
        hop=hop,
        root=root,
        node=ref(sender),
        entries=tuple(ref(n) for n in entries),
        leaf=tuple(ref(n) for n in leaf),
        neighbours=(),
    )


def _join_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/join/complete-001",
        "a joins through b: b acknowledges, sends its state (position 0), c sends the root's "
        "state (position 1, leaf set e); a becomes active and announces to b, c and e.",
        ("positive",),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges the hand-over")
    case.send("c", _state("c", 1, True, leaf=("e",)), "the root c's state")
    case.send("b", _state("b", 0, False, entries=("d",)), "b's state (position 0)")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/timeout-finish-001",
        "a joins through b; the root c answers but b's own state never comes: at the join "
        "timer a finishes with what it has.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.send("c", _state("c", 1, True), "the root c's state")
    case.timer("join", "join timer")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/timeout-abandon-001",
        "a joins through b, which acknowledges; no state ever comes: at the join timer a "
        "gives up and is idle again.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("b", RouteAck(token=0), "b acknowledges")
    case.timer("join", "join timer")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/unreachable-001",
        "a joins through b, which never acknowledges: at hop_timeout a gives up at once.",
        ("positive", "edge"),
        bootstrap="b",
    )
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.timer("hop_timeout", "b never acknowledged")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/join/pings-001",
        "A node answers pings while idle and while joining.",
        ("positive",),
        bootstrap="b",
    )
    case.send("c", Ping(nonce=_nonce("idle"), sent_at=3), "c pings a (idle)")
    case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
    case.send("c", Ping(nonce=_nonce("joining"), sent_at=9), "c pings a (joining)")
    yield case.trace()


# -- probing and failures -------------------------------------------------------------------


def _probe_cases(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/probe/round-001",
        "At the probe timer a pings b, c and e; b answers, c pings a (answered); at "
        "probe_timeout c and e are declared failed and a asks b for its leaf set.",
        ("positive",),
    )
    ring(case, "b", "c", "e")
    outputs = case.timer("probe", "probe round")
    nonce = case.node.state.data.probes[0].nonce
    case.send("b", Pong(nonce=nonce, ping_sent_at=case.now), "b answers the probe")
    case.send("c", Ping(nonce=_nonce("c"), sent_at=1), "c pings a")
    case.timer("probe_timeout", "c and e did not answer")
    if len(outputs) != 3:
        raise CaseError("overlay/probe/round-001: expected three pings")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/ping-from-stranger-001",
        "c, which a does not know, pings a; c would belong in a's leaf set, so a answers and "
        "asks c for its leaf set (c holds a in its leaf set, a does not hold c).",
        ("positive", "edge"),
    )
    ring(case, "b")
    case.send("c", Ping(nonce=_nonce("stranger"), sent_at=1), "c pings a")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/departure-001",
        "b announces its departure: a forgets it at once and repairs (a leaf_request to c).",
        ("positive",),
    )
    ring(case, "b", "c")
    case.send("b", Departure(node=ref("b")), "b departs")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/probe/leave-001",
        "The leave command: a tells b and c and is departed.",
        ("positive",),
    )
    ring(case, "b", "c")
    case.command("leave", LeaveCommand(), "leave")
    yield case.trace()


# -- attacks and refusals -------------------------------------------------------------------


def _attack_cases(g: Generator) -> Iterator[Trace]:
    key_b = identity("b").node_id

    def routed(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        error: E.ErrorCode,
        field: str | None,
        *,
        inner: bytes | None = None,
        key: bytes = key_b,
    ) -> Trace:
        case = OverlayCase(g, case_id, description, ATTACK, flags)
        ring(case, "b", "c")
        d = case.peer("d")
        good = lookup_inner(d, key_b)
        control = case.peer("c").frame(route(key_b, 1, 3, good), seq=100)
        bad = route(key, 1, 3, good if inner is None else inner)
        case.deliver(
            case.peer("c").frame(bad, seq=100),
            "c",
            "c's route",
            error=error,
            field=field,
            control=control,
        )
        return case.trace()

    d = Peer("d")
    good = lookup_inner(d, key_b)
    raw = RawMap.canonical(to_value(_opened(good)))
    signature = bytearray(_opened(good).signature)
    signature[10] ^= 0x01
    flipped = raw.replace("signature", bstr(bytes(signature))).encode()
    yield routed(
        "overlay/attack/inner-bad-signature-001",
        "A route whose inner lookup frame has one bit of its signature flipped.",
        ("BadSignature",),
        E.AUTH_BAD_SIGNATURE,
        "body.frame.signature",
        inner=flipped,
    )
    yield routed(
        "overlay/attack/inner-unsigned-001",
        "A route whose inner lookup frame carries 64 zero bytes instead of d's signature.",
        ("BadSignature",),
        E.AUTH_BAD_SIGNATURE,
        "body.frame.signature",
        inner=raw.replace("signature", bstr(bytes(64))).encode(),
    )
    other = identity("e")
    forged = raw.replace("sender_key", bstr(other.public_key)).encode()
    yield routed(
        "overlay/attack/inner-wrong-key-001",
        "A route whose inner lookup frame claims d's id with e's public key.",
        ("WrongKey",),
        E.AUTH_WRONG_KEY,
        "body.frame.sender_key",
        inner=forged,
    )
    yield routed(
        "overlay/attack/inner-truncated-001",
        "A route whose inner frame is cut off one byte early.",
        ("Truncated",),
        E.DECODE_MALFORMED,
        None,
        inner=good[:-1],
    )
    yield routed(
        "overlay/attack/inner-wire-ping-001",
        "A route carrying a signed wire ping instead of an overlay request.",
        ("UnknownProtocol",),
        E.ENVELOPE_UNKNOWN_PROTOCOL,
        "body.frame.protocol",
        inner=d.inner(Ping(nonce=_nonce("inner"), sent_at=1)),
    )
    yield routed(
        "overlay/attack/inner-announce-001",
        "A route carrying a signed announce: only join_request and lookup may be routed.",
        ("UnknownType",),
        E.ENVELOPE_UNKNOWN_TYPE,
        "body.frame.type",
        inner=d.inner(Announce(node=ref("d"), leaf=())),
    )
    yield routed(
        "overlay/attack/misrouted-lookup-001",
        "A route to e's id carrying d's lookup of b's id: the route's key is not the lookup's.",
        ("Misrouted",),
        E.MACHINE_GUARD_REJECTED,
        "message:route",
        key=identity("e").node_id,
    )

    case = OverlayCase(
        g,
        "overlay/attack/misrouted-join-001",
        "A route to b's id carrying j's join request: a join is routed to the joiner's id.",
        ATTACK,
        ("Misrouted",),
    )
    ring(case, "b", "c")
    j = case.peer("j")
    case.deliver(
        case.peer("c").frame(route(key_b, 1, 3, join_inner(j)), seq=50),
        "c",
        "c's route to b's id",
        error=E.MACHINE_GUARD_REJECTED,
        control=case.peer("c").frame(route(j.node_id, 1, 3, join_inner(j)), seq=50),
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/join-request-for-other-001",
        "d signs a join request naming j as the joiner, routed to j's id: the joiner must "
        "be the request's signer.",
        ATTACK,
        ("ForgedReference",),
    )
    ring(case, "b", "c")
    j = case.peer("j")
    d = case.peer("d")
    forged_join = d.inner(JoinRequest(nonce=JOIN_NONCE, node=j.ref))
    case.deliver(
        case.peer("c").frame(route(j.node_id, 1, 3, forged_join), seq=50),
        "c",
        "c's route of d's forged join",
        error=E.MACHINE_GUARD_REJECTED,
        control=case.peer("c").frame(route(j.node_id, 1, 3, join_inner(j)), seq=50),
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/bare-lookup-001",
        "d sends a lookup directly, not inside a route.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    case.send(
        "d",
        Lookup(key=key_b, nonce=LOOKUP_NONCE),
        "d's bare lookup",
        error=E.MACHINE_NO_TRANSITION,
        field="message:lookup",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/replayed-route-001",
        "c's route arrives twice, the same frame: the second is a replay.",
        ATTACK,
        ("StaleSequence",),
    )
    ring(case, "b", "c")
    d = case.peer("d")
    frame = case.peer("c").frame(route(case.node_id, 1, 3, lookup_inner(d, case.node_id)))
    case.deliver(frame, "c", "c's route")
    case.deliver(frame, "c", "the same frame again", error=E.REPLAY_STALE_SEQUENCE, field="seq")
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/route-while-idle-001",
        "An idle node (in no ring) is given a route.",
        ATTACK,
        ("UnexpectedMessage",),
    )
    d = case.peer("d")
    case.send(
        "c",
        route(key_b, 1, 3, lookup_inner(d, key_b)),
        "c's route",
        error=E.MACHINE_NO_TRANSITION,
        field="message:route",
    )
    yield case.trace()

    def refused(
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        sender: str,
        body: WireModel,
        control: WireModel | None,
        *,
        peers: tuple[str, ...] = ("b", "c"),
        error: E.ErrorCode = E.MACHINE_GUARD_REJECTED,
        field: str | None = None,
    ) -> Trace:
        case = OverlayCase(g, case_id, description, ATTACK, flags)
        ring(case, *peers)
        peer = case.peer(sender)
        seq = peer.seq + 1
        case.deliver(
            peer.frame(body, seq=seq),
            sender,
            f"{sender}'s {type(body).__name__}",
            error=error,
            field=field,
            control=None if control is None else peer.frame(control, seq=seq),
        )
        return case.trace()

    yield refused(
        "overlay/attack/announce-forged-001",
        "b announces with c's id in its node reference.",
        ("ForgedReference",),
        "b",
        Announce(node=NodeRef(id=identity("c").node_id, x=1, y=1), leaf=()),
        Announce(node=ref("b"), leaf=()),
        peers=(),
    )
    yield refused(
        "overlay/attack/leaf-update-forged-001",
        "b sends a leaf update naming c as its sender.",
        ("ForgedReference",),
        "b",
        LeafUpdate(node=ref("c"), leaf=()),
        LeafUpdate(node=ref("b"), leaf=()),
    )
    yield refused(
        "overlay/attack/row-reply-misfit-001",
        "c offers e for a's routing-table slot (0, 3), where only ids starting with 3 fit.",
        ("Misrouted",),
        "c",
        RowReply(row=0, column=3, entry=ref("e")),
        RowReply(row=0, column=3, entry=ref("b")),
    )
    yield refused(
        "overlay/attack/unexpected-pong-001",
        "b sends a pong though a has no probe pending.",
        ("UnexpectedMessage",),
        "b",
        Pong(nonce=_nonce("pong"), ping_sent_at=1),
        None,
    )
    yield refused(
        "overlay/attack/unknown-route-ack-001",
        "b acknowledges a token a never sent it.",
        ("UnexpectedMessage",),
        "b",
        RouteAck(token=77),
        None,
    )
    yield refused(
        "overlay/attack/unsolicited-lookup-reply-001",
        "b answers a lookup a never made.",
        ("UnexpectedMessage",),
        "b",
        LookupReply(key=key_b, nonce=LOOKUP_NONCE, hops=1),
        None,
    )
    yield refused(
        "overlay/attack/row-request-forged-001",
        "b asks for a routing-table slot in c's name.",
        ("ForgedReference",),
        "b",
        RowRequest(node=ref("c"), row=0, column=1),
        RowRequest(node=ref("b"), row=0, column=1),
    )
    yield refused(
        "overlay/attack/departure-forged-001",
        "b announces c's departure: only a node itself may say that it leaves.",
        ("ForgedReference",),
        "b",
        Departure(node=ref("c")),
        Departure(node=ref("b")),
    )
    yield refused(
        "overlay/attack/leaf-request-forged-001",
        "b asks for a's leaf set in c's name.",
        ("ForgedReference",),
        "b",
        LeafRequest(node=ref("c")),
        LeafRequest(node=ref("b")),
    )

    yield from _join_attacks(g)
    yield from _command_refusals(g)


def _opened(frame: bytes) -> Envelope:
    return open_envelope(frame, {("overlay", "lookup"): Lookup}).envelope


def _join_attacks(g: Generator) -> Iterator[Trace]:
    good = _state("c", 1, True)
    for slug, description, flags, bad in (
        (
            "join-state-wrong-nonce-001",
            "While a joins, c sends a join_state for another join (another nonce).",
            ("UnexpectedMessage",),
            good.model_copy(update={"nonce": b"other-01"}),
        ),
        (
            "join-state-forged-001",
            "While a joins, c sends a join_state whose node reference is e's.",
            ("ForgedReference",),
            good.model_copy(update={"node": ref("e")}),
        ),
    ):
        case = OverlayCase(g, f"overlay/attack/{slug}", description, ATTACK, flags, bootstrap="b")
        case.command("join", JoinCommand(nonce=JOIN_NONCE), "join through b")
        c = case.peer("c")
        case.deliver(
            c.frame(bad, seq=1),
            "c",
            "c's join_state",
            error=E.MACHINE_GUARD_REJECTED,
            field="message:join_state",
            control=c.frame(good, seq=1),
        )
        yield case.trace()

    case = OverlayCase(
        g,
        "overlay/attack/announce-leaf-too-long-001",
        "b's announce lists 17 nodes in its leaf set, one more than a leaf set holds.",
        ATTACK,
        ("OutOfRange",),
    )
    ring(case)
    b = case.peer("b")
    listed: list[cbor.Value] = [to_value(ref(f"x{i}")) for i in range(17)]
    body = enc({"leaf": listed, "node": to_value(ref("b"))})
    frame = enc(envelope_fields(b.identity, body, 1, type_="announce", protocol="overlay"))
    control_body = encode_message(Announce(node=ref("b"), leaf=()))
    control = enc(
        envelope_fields(b.identity, control_body, 1, type_="announce", protocol="overlay")
    )
    case.deliver(
        frame,
        "b",
        "b's announce",
        error=E.DECODE_OUT_OF_RANGE,
        field="body.leaf",
        control=control,
    )
    yield case.trace()


def _command_refusals(g: Generator) -> Iterator[Trace]:
    case = OverlayCase(
        g,
        "overlay/machine/join-without-bootstrap-001",
        "The join command on a node whose parameters name no bootstrap node.",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.command(
        "join",
        JoinCommand(nonce=JOIN_NONCE),
        "join",
        error=E.MACHINE_GUARD_REJECTED,
        field="command:join",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/create-ring-twice-001",
        "create_ring on a node that is already active.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case)
    case.command(
        "create_ring",
        CreateRingCommand(),
        "create a ring again",
        error=E.MACHINE_NO_TRANSITION,
        field="command:create_ring",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/lookup-duplicate-nonce-001",
        "Two lookups with the same nonce while the first is unanswered.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b", "c")
    case.command(
        "lookup", LookupCommand(key=identity("b").node_id, nonce=LOOKUP_NONCE), "look up b"
    )
    case.command(
        "lookup",
        LookupCommand(key=identity("c").node_id, nonce=LOOKUP_NONCE),
        "look up c with the same nonce",
        error=E.MACHINE_GUARD_REJECTED,
        field="command:lookup",
        control=encode_message(LookupCommand(key=identity("c").node_id, nonce=_nonce("second"))),
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/departed-accepts-nothing-001",
        "After leave, a refuses a ping and a lookup command.",
        EDGE,
        ("UnexpectedMessage",),
    )
    ring(case, "b")
    case.command("leave", LeaveCommand(), "leave")
    case.send(
        "b",
        Ping(nonce=_nonce("late"), sent_at=1),
        "b pings a",
        error=E.MACHINE_NO_TRANSITION,
        field="message:ping",
    )
    case.command(
        "lookup",
        LookupCommand(key=identity("b").node_id, nonce=LOOKUP_NONCE),
        "look up b",
        error=E.MACHINE_NO_TRANSITION,
        field="command:lookup",
    )
    yield case.trace()

    case = OverlayCase(
        g,
        "overlay/machine/unknown-command-001",
        "The command 'ping', which is the wire role's, not the overlay's.",
        ATTACK,
        ("UnknownCommand",),
    )
    case.command(
        "ping",
        encode_message(CreateRingCommand()),
        "command 'ping'",
        error=E.MACHINE_NO_TRANSITION,
        field="command:ping",
    )
    yield case.trace()
