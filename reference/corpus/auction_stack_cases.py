"""Hand-written cases of one whole stack (``auction_stack``): node ``a``, the overlay and the
auction on one identity (``stack.md``, "Whole stack").

The simulator's scenarios (:mod:`reference.corpus.auction_stack_scenarios`) show the stack
at work on real rings; these cases pin what those runs do not reach: the application's
``route`` downcall in every overlay state (dropped while idle, joining or departed, or when
no forward can be tracked), an upcall given as an input (a stack takes none), and the
broker's and trader's rows that need a peer who misbehaves or a root that answers late.
Peers are identities from ``seed_from_label("auction/<name>")``; they seal the overlay's
``route`` and the auction's messages alike, with one run of sequence numbers.
"""

from collections.abc import Iterator
from typing import Final

from reference.auction.stack import ROLE
from reference.codec import encode_message
from reference.corpus.auction_casekit import PARAMS, Peer, PeerCase, body_of, locate_timer
from reference.corpus.casekit import ATTACK, CaseError, command_input
from reference.identity import seed_from_label
from reference.stack import StackData
from spec.v1 import errors as E
from spec.v1.auction.commands import LocateCommand
from spec.v1.auction.messages import BrokerSet, Candidate, Candidates, Locate, Takeover
from spec.v1.auction.stack import AuctionStackParams
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.overlay.commands import (
    CreateRingCommand,
    JoinCommand,
    LeaveCommand,
    LookupCommand,
    OverlayParams,
)
from spec.v1.overlay.constants import (
    HOP_TIMEOUT,
    MAX_PENDING_HOPS,
    MAX_PENDING_LOOKUPS,
    TIMER_HOP_TIMEOUT,
)
from spec.v1.overlay.messages import LeafUpdate, Route
from spec.v1.overlay.refs import NodeRef
from spec.v1.stack import DeliverUpcall
from spec.v1.trace import Emitted, FireTimer, Generator, Tag, Trace, Upcall

NODE_SEED: Final = seed_from_label("auction/a")
"""Node ``a`` has the identity of the auction cases' node ``a``."""


def _params(bootstrap: NodeRef | None = None) -> bytes:
    overlay = OverlayParams(x=10, y=10, bootstrap=bootstrap, replay_senders=MAX_REPLAY_SENDERS)
    return encode_message(AuctionStackParams(overlay=overlay, auction=PARAMS))


class StackCase(PeerCase[StackData[object]]):
    """Records the steps of one case against a fresh whole-stack node ``a``."""

    def __init__(
        self,
        generator: Generator,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...] = (),
        *,
        bootstrap: NodeRef | None = None,
    ) -> None:
        super().__init__(
            generator,
            case_id,
            description,
            tags,
            flags,
            role=ROLE,  # type: ignore[arg-type]
            seed=NODE_SEED,
            params=_params(bootstrap),
        )

    def ref(self, name: str) -> NodeRef:
        """Peer ``name``'s overlay reference (at 20, 20)."""
        return NodeRef(id=self.peer(name).node_id, x=20, y=20)

    def known(self, name: str) -> None:
        """Peer ``name`` tells ``a`` its (empty) leaf set: ``a`` takes it into its own."""
        self.send(name, LeafUpdate(node=self.ref(name), leaf=()), f"{name} makes itself known")

    def routed(self, sender: str, key: bytes, inner: bytes, note: str) -> tuple[Emitted, ...]:
        """``sender`` hands ``a`` a ``route`` (one hop so far) carrying ``inner``."""
        route = Route(key=key, hops=1, token=1, frame=inner)
        return self.send(sender, route, note)


def _kinds(outputs: tuple[Emitted, ...]) -> list[str]:
    return [body_of(o.frame).__class__.__name__ for o in outputs]


def _expect(case: StackCase, outputs: tuple[Emitted, ...], wanted: list[str]) -> None:
    got = _kinds(outputs)
    if got != wanted:
        raise CaseError(f"{case.case_id}: emitted {got}, meant {wanted}")


def _service(n: int) -> bytes:
    return bytes([0xE0, n]) + bytes(14)


def payload_before_the_ring(generator: Generator) -> Trace:
    case = StackCase(
        generator,
        "auction/stack/payload-idle-joining-001",
        "the auction's locate is routed only by an overlay in a ring: before it joins one, "
        "and while it joins, the route downcall is dropped (the locate timer retries)",
        ("positive",),
        bootstrap=NodeRef(id=Peer("b").node_id, x=20, y=20),
    )
    case.peer("b")
    out = case.command("locate", LocateCommand(service=_service(1), nonce=b"idle-loc"), "idle")
    _expect(case, out, [])
    out = case.command("join", JoinCommand(nonce=b"join-now"), "join through b")
    _expect(case, out, ["Route"])
    out = case.command("locate", LocateCommand(service=_service(2), nonce=b"join-loc"), "joining")
    _expect(case, out, [])
    return case.trace()


def payload_after_leaving(generator: Generator) -> Trace:
    case = StackCase(
        generator,
        "auction/stack/payload-departed-001",
        "a node that has left its ring drops the auction's route downcalls",
        ("positive",),
    )
    case.command("create_ring", CreateRingCommand(), "a ring of one")
    case.command("leave", LeaveCommand(), "a leaves")
    out = case.command("locate", LocateCommand(service=_service(3), nonce=b"gone-loc"), "departed")
    _expect(case, out, [])
    return case.trace()


def payload_without_room(generator: Generator) -> Trace:
    case = StackCase(
        generator,
        "auction/stack/payload-no-room-001",
        f"with {MAX_PENDING_HOPS} forwards unacknowledged (lookups and locates), the next "
        "locate's route downcall is dropped",
        ("positive",),
    )
    case.command("create_ring", CreateRingCommand(), "a ring of one")
    case.known("b")
    toward_b = case.peer("b").node_id
    for n in range(MAX_PENDING_LOOKUPS):
        nonce = n.to_bytes(8, "big")
        item, _ = command_input("lookup", LookupCommand(key=toward_b, nonce=nonce), None)
        case.step(item, "a lookup of b's id", record_state=False)
    for n in range(MAX_PENDING_HOPS - MAX_PENDING_LOOKUPS):
        service = toward_b[:14] + n.to_bytes(2, "big")
        item, _ = command_input(
            "locate", LocateCommand(service=service, nonce=n.to_bytes(8, "big")), None
        )
        out = case.step(item, "a locate routed towards b", record_state=False)
        if _kinds(out) != ["Route"]:
            raise CaseError(f"{case.case_id}: locate {n} was not routed")
    last = toward_b[:13] + b"\xff\xff\xff"
    out = case.command("locate", LocateCommand(service=last, nonce=b"one-more"), "no room")
    _expect(case, out, [])
    return case.trace()


def upcall_input(generator: Generator) -> Trace:
    case = StackCase(
        generator,
        "auction/stack/upcall-input-001",
        "a whole stack makes its upcalls itself: one given as an input is refused",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.command("create_ring", CreateRingCommand(), "a ring of one")
    frame = case.peer("t").inner(Locate(service=_service(4), nonce=b"up-call!", fallback=False))
    upcall = DeliverUpcall(key=_service(4), frame=frame)
    item = Upcall(kind="upcall", name="deliver", args=encode_message(upcall))
    case.record(item, "a deliver upcall from outside", error=E.MACHINE_NO_TRANSITION)
    return case.trace()


def broker_refusals(generator: Generator) -> Trace:
    case = StackCase(
        generator,
        "auction/stack/broker-refusals-001",
        "a, the root of a service on its ring, opens it for t's routed locate; traders' bad "
        "offers, b's candidates of the wrong slot and a takeover request meet the same rows "
        "as the auction alone",
        ATTACK,
        (
            "ImpersonatedTrader",
            "OverlongValidity",
            "ExpiredOffer",
            "ReplayedOffer",
            "OfferFlood",
            "WrongSlot",
        ),
    )
    service = case.node_id  # a is its root: no node is closer
    case.command("create_ring", CreateRingCommand(), "a ring of one")
    case.known("b")
    t = case.peer("t")
    locate = t.inner(Locate(service=service, nonce=b"locate-t", fallback=False))
    out = case.routed("t", service, locate, "t's locate, routed to a")
    _expect(case, out, ["RouteAck", "BrokerSet", "ServiceNotice"])
    origin = case.now
    T = PARAMS.max_validity
    good = t.offer("bid", 100, 1, origin + 50, service=service)
    case.deliver(good, "t", "t's bid: kept")
    case.deliver(
        t.offer("bid", 100, 1, origin + 50, service=service),
        "t",
        "the same number again",
        error=E.AUCTION_STALE_OFFER,
    )
    m = case.peer("m")
    case.deliver(
        m.offer("ask", 90, 1, origin + 50, service=service, trader=t.node_id),
        "m",
        "m's offer in t's name",
        error=E.AUCTION_NOT_TRADER,
    )
    case.deliver(
        m.offer("ask", 90, 1, case.now + 1 + T + 1, service=service),
        "m",
        "valid for t + 1 ticks",
        error=E.AUCTION_VALIDITY_TOO_LONG,
    )
    case.deliver(
        m.offer("ask", 90, 2, case.now, service=service),
        "m",
        "already expired",
        error=E.AUCTION_EXPIRED,
        at=case.now + 1,
    )
    for name in ("u", "v", "w"):
        case.deliver(
            case.peer(name).offer("ask", 95, 1, origin + 50, service=service), name, "kept"
        )
    case.deliver(
        case.peer("x").offer("ask", 95, 1, origin + 50, service=service),
        "x",
        f"a fifth trader: the pending table holds m = {PARAMS.table}",
        error=E.AUCTION_PENDING_FULL,
    )
    ahead = Candidates(service=service, slot=3, offers=(Candidate(frame=good, heard=origin + 1),))
    case.send("b", ahead, "b's candidates of a slot to come", error=E.AUCTION_WRONG_SLOT)
    request = Takeover(service=service, nonce=b"again-t!", failed=case.peer("r").node_id)
    out = case.send("t", request, "t asks a, which brokers the service, to take over")
    _expect(case, out, ["BrokerSet"])
    return case.trace()


def located_on_retry(generator: Generator) -> Trace:
    case = StackCase(
        generator,
        "auction/stack/located-on-retry-001",
        "a trader's locate goes unanswered; the fallback locate is routed again, and the "
        "root's late answer is taken",
        ("positive",),
    )
    case.command("create_ring", CreateRingCommand(), "a ring of one")
    case.known("b")
    service = case.peer("b").node_id  # b is the root
    nonce = b"retry-me"
    out = case.command("locate", LocateCommand(service=service, nonce=nonce), "routed to b")
    _expect(case, out, ["Route"])
    when = case.now + PARAMS.locate_timeout
    out = case.step(FireTimer(kind="timer", name=locate_timer(service)), "no answer", at=when)
    if "Route" not in _kinds(out):
        raise CaseError(f"{case.case_id}: the fallback locate was not routed")
    answer = BrokerSet(service=service, nonce=nonce, origin=when, brokers=(case.peer("b").node_id,))
    case.send("b", answer, "b answers the fallback locate")
    return case.trace()


def own_locate_back(generator: Generator) -> Trace:
    case = StackCase(
        generator,
        "auction/stack/reroute-own-locate-001",
        "a's locate goes to b, which never acknowledges it: b is declared failed, a is now the "
        "root and its own locate comes back to it in a deliver, which its auction drops (it "
        "trades the service); the leaf set's change still reaches the auction after it",
        ("positive",),
    )
    case.command("create_ring", CreateRingCommand(), "a ring of one")
    case.known("b")
    service = case.peer("b").node_id  # b is the root while a knows it
    out = case.command("locate", LocateCommand(service=service, nonce=b"b-silent"), "to b")
    _expect(case, out, ["Route"])
    due = case.now + HOP_TIMEOUT
    out = case.step(FireTimer(kind="timer", name=TIMER_HOP_TIMEOUT), "b never acks", at=due)
    _expect(case, out, [])
    return case.trace()


def stack_cases(generator: Generator) -> Iterator[Trace]:
    yield payload_before_the_ring(generator)
    yield payload_after_leaving(generator)
    yield payload_without_room(generator)
    yield upcall_input(generator)
    yield broker_refusals(generator)
    yield located_on_retry(generator)
    yield own_locate_back(generator)
