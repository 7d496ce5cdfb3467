"""Hand-written ``auction`` cases found by mutation testing (the trader side): each pins a rule
that a surviving mutant of the reference broke without any other trace noticing."""

from collections.abc import Iterator
from typing import Final

from reference.auction.brokers import pick
from reference.auction.trader import ring_distance
from reference.codec import encode_message
from reference.corpus.auction_casekit import (
    ATTACK,
    EDGE,
    OTHER_SERVICE,
    PARAMS,
    SERVICE,
    AuctionCase,
    CaseError,
    body_of,
    expect_kinds,
    locate_timer,
)
from spec.v1 import errors as E
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand, PriceCommand
from spec.v1.auction.constants import MAX_OWN_OFFERS, MAX_SERVICES, MAX_VIEW
from spec.v1.auction.messages import BrokerSet, Locate, Match, PathHop, PriceReply, Takeover
from spec.v1.overlay.constants import RING
from spec.v1.stack import ForwardUpcall, UpdateUpcall
from spec.v1.trace import Command, Generator, Output, Trace

NONCE: Final = b"locate05"
BROKER_NAMES: Final = ("b", "c", "d", "g")


def _id(case: AuctionCase, name: str) -> int:
    return int.from_bytes(case.peer(name).node_id, "big")


def _name(case: AuctionCase, node: bytes, names: tuple[str, ...] = BROKER_NAMES) -> str:
    for name in names:
        if case.peer(name).node_id == node:
            return name
    raise CaseError(f"{case.case_id}: {node.hex()} is none of {names}")


def _locate(case: AuctionCase, service: bytes = SERVICE, **kwargs: object) -> None:
    args = LocateCommand(service=service, nonce=NONCE)
    out = case.app("locate", args, "a locates the service", **kwargs)  # type: ignore[arg-type]
    expect_kinds(case, out, ["route"])


def _located(case: AuctionCase) -> tuple[bytes, ...]:
    """a locates SERVICE; b, its root, answers with the broker set b, c, d, g."""
    _locate(case)
    brokers = tuple(sorted(case.peer(n).node_id for n in BROKER_NAMES))
    answer = BrokerSet(service=SERVICE, nonce=NONCE, origin=case.now, brokers=brokers)
    case.send("b", answer, "the root answers with the broker set")
    return brokers


def _offer(
    case: AuctionCase, side: str, price: int, valid_for: int, note: str, at: int | None = None
) -> list[str]:
    """a makes an offer on SERVICE: the names of the brokers it goes to, in order sent."""
    args = OfferCommand(service=SERVICE, side=side, price=price, valid_for=valid_for)  # type: ignore[arg-type]
    out = case.app("offer", args, note, at=at)
    return [_name(case, o.to) for o in out if isinstance(o, Output)]


# -- the locate timer --


def locate_timer_due(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/locate-timer-due-001",
        "the locate timer is due locate_timeout ticks after the locate (and again after the "
        "fallback locate), not before: fired a tick early it is not running out yet",
        EDGE,
        ("UnexpectedMessage",),
    )
    _locate(case, at=5)
    timeout = PARAMS.locate_timeout
    case.timer(locate_timer(), "a tick early", at=5 + timeout - 1, error=E.MACHINE_NO_TRANSITION)
    out = case.timer(locate_timer(), "due: a routes the fallback locate", at=5 + timeout)
    expect_kinds(case, out, ["route"])
    again = 5 + 2 * timeout
    case.timer(locate_timer(), "a tick early again", at=again - 1, error=E.MACHINE_NO_TRANSITION)
    expect_kinds(case, case.timer(locate_timer(), "due: a gives up", at=again), [])
    return case.trace()


def nonce_order(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/nonce-smaller-001",
        "a broker set or a path report is for the locate only if its nonce equals the "
        "locate's: a smaller nonce counts no more than a larger one",
        ATTACK,
        ("UnexpectedMessage",),
    )
    _locate(case)
    brokers = tuple(sorted(case.peer(n).node_id for n in BROKER_NAMES))
    older = BrokerSet(service=SERVICE, nonce=b"locate01", origin=1, brokers=brokers)
    case.send("b", older, "a broker set for a smaller nonce", error=E.MACHINE_GUARD_REJECTED)
    expect_kinds(case, case.timer(locate_timer(), "no answer: the fallback locate"), ["route"])
    hop = case.peer("y").node_id
    stale = PathHop(service=SERVICE, nonce=b"locate01", next_hop=hop)
    case.send("h1", stale, "a path report for a smaller nonce", error=E.MACHINE_GUARD_REJECTED)
    case.send("h1", PathHop(service=SERVICE, nonce=NONCE, next_hop=hop), "h1's true report")
    return case.trace()


# -- the takeover: the hop nearest the service --


def _retrying(case: AuctionCase, service: bytes) -> None:
    _locate(case, service)
    out = case.timer(locate_timer(service), "no answer: a routes the fallback locate")
    expect_kinds(case, out, ["route"])


def _report(case: AuctionCase, service: bytes, hop: str, next_hop: str) -> None:
    body = PathHop(service=service, nonce=NONCE, next_hop=case.peer(next_hop).node_id)
    case.send(hop, body, f"{hop} forwarded the fallback locate to {next_hop}")


def _asks(case: AuctionCase, service: bytes, hop: str, failed: str, note: str) -> None:
    out = case.timer(locate_timer(service), note)
    expect_kinds(case, out, ["takeover"])
    sent = out[0]
    wanted = Takeover(service=service, nonce=NONCE, failed=case.peer(failed).node_id)
    if not isinstance(sent, Output) or sent.to != case.peer(hop).node_id:
        raise CaseError(f"{case.case_id}: the takeover does not go to {hop}")
    if body_of(sent.frame) != wanted:
        raise CaseError(f"{case.case_id}: the takeover is not {wanted!r}")


def takeover_above(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/takeover-nearest-001",
        "the distance to the service is the shorter way round the ring: a hop one above the "
        "service id is nearer than a hop far above it, so it is asked to take over",
        ("positive",),
    )
    near, far = "h10", "h17"
    if _id(case, near) >= _id(case, far):
        raise CaseError(f"{case.case_id}: {near} is not below {far}")
    service = (_id(case, near) - 1).to_bytes(16, "big")
    _retrying(case, service)
    _report(case, service, far, "root")
    _report(case, service, near, "x")
    _asks(case, service, near, "x", "still no answer: a asks the hop nearest the service")
    return case.trace()


def takeover_tie(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/takeover-tie-001",
        "two recorded hops equally far from the service (either side of it): the takeover "
        "goes to the smaller hop id, whatever the next hops they reported",
        ("positive",),
    )
    low, high = "h10", "h17"
    total = _id(case, low) + _id(case, high)
    if (
        total % 2
        or _id(case, low) >= _id(case, high)
        or _id(case, high) - _id(case, low) >= RING // 2
    ):
        raise CaseError(f"{case.case_id}: {low} and {high} have no midpoint")
    service = (total // 2).to_bytes(16, "big")
    if ring_distance(case.peer(low).node_id, service) != ring_distance(
        case.peer(high).node_id, service
    ):
        raise CaseError(f"{case.case_id}: not a tie")
    big, small = sorted(("x", "w"), key=lambda n: _id(case, n), reverse=True)
    _retrying(case, service)
    _report(case, service, low, big)
    _report(case, service, high, small)
    _asks(case, service, low, big, "still no answer: a asks the smaller of the two hops")
    return case.trace()


# -- prices --


def price_nonces(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/price-nonce-order-001",
        "a price reply counts only when it echoes the latest request's nonce exactly (an "
        "older or a newer nonce is refused even from a broker that nonce would pick); the "
        "two brokers asked answer, the larger id first",
        ATTACK,
        ("UnexpectedMessage",),
    )
    brokers = _located(case)
    nonce = b"price-05"
    out = case.app("price", PriceCommand(service=SERVICE, nonce=nonce), "a asks for prices")
    expect_kinds(case, out, ["price_request", "price_request"])
    for other in (b"price-01", b"price-09"):
        sender = _name(case, pick(brokers, case.node_id, SERVICE, other, PARAMS.fanout)[0])
        reply = PriceReply(service=SERVICE, nonce=other, bid=100, ask=110)
        note = f"{sender} answers with nonce {other.decode()}"
        case.send(sender, reply, note, error=E.MACHINE_GUARD_REJECTED)
    asked = sorted(pick(brokers, case.node_id, SERVICE, nonce, PARAMS.fanout), reverse=True)
    for broker in asked:
        reply = PriceReply(service=SERVICE, nonce=nonce, bid=120, ask=130)
        case.send(_name(case, broker), reply, "a broker asked answers")
    return case.trace()


# -- offers --


def offer_expiry(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/own-offer-expiry-001",
        "a trader keeps its offer up to and including its valid_until tick and forgets it "
        "the tick after (when it next makes an offer)",
        ("positive",),
    )
    _located(case)
    until = case.now + 1 + 10
    _offer(case, "bid", 100, 10, f"a bids 100, valid until {until}")
    _offer(case, "bid", 101, 10, "at the first offer's last tick: both are kept", at=until)
    kept = len(case.node.state.data.traders[SERVICE].offers)
    if kept != 2 or case.now != until:
        raise CaseError(f"{case.case_id}: {kept} offers at {case.now}")
    _offer(case, "ask", 300, 10, "a tick later: the first offer is forgotten", at=until + 1)
    return case.trace()


def own_offer_limit(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/own-offer-limit-001",
        f"a trader keeps at most MAX_OWN_OFFERS ({MAX_OWN_OFFERS}) live offers per service: "
        "one more is refused",
        EDGE,
        ("UnexpectedMessage",),
    )
    _located(case)
    tick = case.now + 1
    for i in range(MAX_OWN_OFFERS):
        args = OfferCommand(service=SERVICE, side="bid", price=100 + i, valid_for=50)
        item = Command(kind="command", name="offer", args=encode_message(args))
        last = i == MAX_OWN_OFFERS - 1
        case.record(item, f"offer {i + 1}", at=tick, record_state=last)
    args = OfferCommand(service=SERVICE, side="ask", price=500, valid_for=50)
    case.app("offer", args, "one offer too many", error=E.MACHINE_GUARD_REJECTED, at=tick)
    return case.trace()


# -- match notices --


def notice_order(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/notice-order-001",
        "a notice from each of the offer's brokers is kept whatever order they come in (here "
        "the larger id first); two notices of different prices agree on nothing, even when "
        "the second is the higher",
        ("positive",),
    )
    _located(case)
    chosen = _offer(case, "bid", 100, 50, "a bids 100")
    high, low = sorted(chosen, key=lambda n: _id(case, n), reverse=True)
    digest = case.node.state.data.traders[SERVICE].offers[0].digest
    case.send(high, Match(service=SERVICE, slot=1, offer=digest, price=90), "one reports 90")
    case.send(low, Match(service=SERVICE, slot=1, offer=digest, price=95), "the other 95")
    if case.node.state.data.traders[SERVICE].offers[0].settled is not None:
        raise CaseError(f"{case.case_id}: settled on disagreeing notices")
    return case.trace()


def majority_of_four(generator: Generator) -> Trace:
    market = PARAMS.model_copy(update={"fanout": 4})
    case = AuctionCase(
        generator,
        "auction/trader/majority-four-001",
        "with f = 4 a majority is three: the third agreeing notice settles the offer",
        ("positive",),
        params=AuctionParams.model_validate(market.model_dump()),
    )
    _located(case)
    chosen = _offer(case, "ask", 80, 50, "a asks 80 of all four brokers")
    if len(chosen) != 4:
        raise CaseError(f"{case.case_id}: sent to {chosen}")
    digest = case.node.state.data.traders[SERVICE].offers[0].digest
    for name, note in zip(chosen[:3], ("one", "two", "three: settled"), strict=True):
        case.send(name, Match(service=SERVICE, slot=1, offer=digest, price=85), note)
    if case.node.state.data.traders[SERVICE].offers[0].settled != (1, 85):
        raise CaseError(f"{case.case_id}: three of four did not settle")
    return case.trace()


# -- how many services --


def service_limit(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/service-limit-001",
        f"a node locates at most MAX_SERVICES ({MAX_SERVICES}) services at once: one more "
        "locate is refused",
        EDGE,
        ("UnexpectedMessage",),
    )
    tick = 1
    for i in range(MAX_SERVICES):
        args = LocateCommand(service=(i + 1).to_bytes(16, "big"), nonce=NONCE)
        item = Command(kind="command", name="locate", args=encode_message(args))
        last = i == MAX_SERVICES - 1
        case.record(item, f"locate service {i + 1}", at=tick, record_state=last)
    case.app(
        "locate",
        LocateCommand(service=SERVICE, nonce=NONCE),
        "one service too many",
        error=E.MACHINE_GUARD_REJECTED,
        at=tick,
    )
    return case.trace()


# -- the view --


def view_limit(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/node/view-limit-001",
        f"the view holds at most MAX_VIEW ({MAX_VIEW}) members: one more joining is refused",
        EDGE,
        ("UnexpectedMessage",),
    )
    names = [f"v{i:02}" for i in range(MAX_VIEW + 1)]
    case.joined(*names[:MAX_VIEW])
    node = case.peer(names[-1]).node_id
    case.upcall(
        "update",
        UpdateUpcall(node=node, joined=True),
        "a 17th node joins",
        error=E.MACHINE_GUARD_REJECTED,
    )
    return case.trace()


def view_leave_middle(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/node/view-leave-middle-001",
        "a member leaving the view takes only itself out: members above and below it stay",
        ("positive",),
    )
    names = sorted(("b", "c", "d"), key=lambda n: _id(case, n))
    case.joined(*names)
    middle = case.peer(names[1]).node_id
    case.upcall("update", UpdateUpcall(node=middle, joined=False), f"{names[1]} leaves")
    if len(case.node.state.data.view) != 2:
        raise CaseError(f"{case.case_id}: the view is {case.node.state.data.view}")
    return case.trace()


# -- routed payloads passing by --


def forward_lookalikes(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/node/forward-lookalike-001",
        "a routed frame is a fallback locate only at version 1 with (protocol, type) "
        "(auction, locate): a fallback locate body under version 0 or 2, or under another "
        "type before or after locate, passes unopened",
        ("positive",),
    )
    e = case.peer("e")
    envelope = e.next_envelope(Locate(service=SERVICE, nonce=b"locate-e", fallback=True))
    for change, note in (
        ({"version": 0}, "version 0"),
        ({"version": 2}, "version 2"),
        ({"type": "broker_set"}, "type broker_set"),
        ({"type": "offer"}, "type offer"),
    ):
        frame = encode_message(envelope.model_copy(update=change))
        out = case.forward_routed(SERVICE, frame, "c", f"a fallback locate body, {note}: passes")
        expect_kinds(case, out, [])
    return case.trace()


def fallback_misrouted(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/node/fallback-misrouted-001",
        "a fallback locate routed under a key below its service is refused as misrouted, "
        "like one under a key above it",
        ATTACK,
        ("Misrouted",),
    )
    if not SERVICE > OTHER_SERVICE:
        raise CaseError(f"{case.case_id}: the key is not below the service")
    e = case.peer("e")
    fallback = e.inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=True))
    c = case.peer("c").node_id
    case.upcall(
        "forward",
        ForwardUpcall(key=OTHER_SERVICE, frame=fallback, next_hop=c),
        "e's fallback locate for the service, routed under a smaller key",
        error=E.MACHINE_GUARD_REJECTED,
        control=ForwardUpcall(key=SERVICE, frame=fallback, next_hop=c),
    )
    return case.trace()


def mutant_trader_cases(generator: Generator) -> Iterator[Trace]:
    yield locate_timer_due(generator)
    yield nonce_order(generator)
    yield takeover_above(generator)
    yield takeover_tie(generator)
    yield price_nonces(generator)
    yield offer_expiry(generator)
    yield own_offer_limit(generator)
    yield notice_order(generator)
    yield majority_of_four(generator)
    yield service_limit(generator)
    yield view_limit(generator)
    yield view_leave_middle(generator)
    yield forward_lookalikes(generator)
    yield fallback_misrouted(generator)
