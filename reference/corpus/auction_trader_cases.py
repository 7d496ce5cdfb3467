"""Hand-written ``auction`` cases where node ``a`` trades: locating, prices, offers, notices."""

from collections.abc import Iterator

from reference.auction.brokers import offer_salt, pick
from reference.codec import encode_message
from reference.corpus.auction_casekit import (
    ATTACK,
    EDGE,
    PARAMS,
    SERVICE,
    AuctionCase,
    CaseError,
    body_of,
    expect_kinds,
)
from spec.v1 import errors as E
from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand, PriceCommand
from spec.v1.auction.messages import BrokerSet, Match, Offer, PriceReply
from spec.v1.trace import Generator, Output, Trace

NONCE = b"locate01"
BROKER_NAMES = ("b", "c", "d", "g")


def _located(case: AuctionCase, names: tuple[str, ...] = BROKER_NAMES) -> tuple[bytes, ...]:
    """a locates SERVICE; b, its root, answers with the broker set ``names``."""
    out = case.app("locate", LocateCommand(service=SERVICE, nonce=NONCE), "a locates the service")
    expect_kinds(case, out, ["route"])
    brokers = tuple(sorted(case.peer(n).node_id for n in names))
    answer = BrokerSet(service=SERVICE, nonce=NONCE, origin=case.now, brokers=brokers)
    case.send("b", answer, "the root answers with the broker set")
    return brokers


def _name(case: AuctionCase, node: bytes) -> str:
    for name in BROKER_NAMES:
        if case.peer(name).node_id == node:
            return name
    raise CaseError(f"{case.case_id}: {node.hex()} is no broker")


def locate(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/locate-001",
        "locate routes a signed locate to the service id and waits for the broker set",
        ("positive",),
    )
    _located(case)
    return case.trace()


def wrong_nonce(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/broker-set-wrong-nonce-001",
        "a broker set that echoes another nonce, or comes from a node outside the set it "
        "lists, answers no locate of a",
        ATTACK,
        ("UnexpectedMessage",),
    )
    case.app("locate", LocateCommand(service=SERVICE, nonce=NONCE), "a locates")
    brokers = tuple(sorted(case.peer(n).node_id for n in BROKER_NAMES))
    other = BrokerSet(service=SERVICE, nonce=b"locate02", origin=1, brokers=brokers)
    case.send("b", other, "another nonce", error=E.MACHINE_GUARD_REJECTED)
    right = BrokerSet(service=SERVICE, nonce=NONCE, origin=1, brokers=brokers)
    case.send("e", right, "e is not in the set it lists", error=E.MACHINE_GUARD_REJECTED)
    case.send("b", right, "the root's answer")
    return case.trace()


def price(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/price-001",
        "a price request goes to the f brokers its nonce picks; only their replies to the "
        "latest request count, one each",
        ("negative", "adversarial"),
        ("UnexpectedMessage",),
    )
    brokers = _located(case)
    nonce = b"price-01"
    out = case.app("price", PriceCommand(service=SERVICE, nonce=nonce), "a asks for prices")
    expect_kinds(case, out, ["price_request", "price_request"])
    asked = pick(brokers, case.node_id, SERVICE, nonce, PARAMS.fanout)
    if [o.to for o in out if isinstance(o, Output)] != list(asked):
        raise CaseError(f"{case.case_id}: asked the wrong brokers")
    first, second = (_name(case, b) for b in asked)
    unasked = next(_name(case, b) for b in brokers if b not in asked)
    reply = PriceReply(service=SERVICE, nonce=nonce, bid=120, ask=None)
    case.send(first, reply, "the first broker asked answers")
    case.send(first, reply, "it answers twice", error=E.MACHINE_GUARD_REJECTED)
    case.send(unasked, reply, "a broker not asked answers", error=E.MACHINE_GUARD_REJECTED)
    stale = PriceReply(service=SERVICE, nonce=b"price-00", bid=1, ask=2)
    case.send(second, stale, "an answer to another request", error=E.MACHINE_GUARD_REJECTED)
    case.send(second, PriceReply(service=SERVICE, nonce=nonce, bid=None, ask=130), "the second")
    return case.trace()


def _offer(
    case: AuctionCase, side: str, price_: int, valid_for: int, note: str
) -> tuple[Offer, tuple[bytes, ...]]:
    args = OfferCommand(service=SERVICE, side=side, price=price_, valid_for=valid_for)  # type: ignore[arg-type]
    out = case.app("offer", args, note)
    expect_kinds(case, out, ["offer"] * PARAMS.fanout)
    body = body_of(out[0].frame)
    assert isinstance(body, Offer)
    return body, tuple(o.to for o in out if isinstance(o, Output))


def offer_settled(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/offer-settled-001",
        "an offer goes to the f brokers its number picks; the match is settled when a "
        "majority of them (here both) report the same slot and price",
        ("positive",),
    )
    brokers = _located(case)
    _, chosen = _offer(case, "bid", 100, 50, "a bids 100 for 50 ticks")
    if chosen != pick(brokers, case.node_id, SERVICE, offer_salt(1), PARAMS.fanout):
        raise CaseError(f"{case.case_id}: sent to the wrong brokers")
    digest = case.node.state.data.traders[SERVICE].offers[0].digest
    notice = Match(service=SERVICE, slot=1, offer=digest, price=95)
    for broker in chosen:
        case.send(_name(case, broker), notice, "a broker reports the match")
    _offer(case, "ask", 200, 0, "a's second offer (number 2), valid for this tick only")
    return case.trace()


def false_match(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/false-match-001",
        "match notices from a broker the offer did not go to, for an unknown offer, or "
        "twice from one broker are refused; one false report does not settle an offer",
        ATTACK,
        ("FalseMatch",),
    )
    brokers = _located(case)
    _, chosen = _offer(case, "ask", 90, 50, "a asks 90")
    digest = case.node.state.data.traders[SERVICE].offers[0].digest
    outsider = next(_name(case, b) for b in brokers if b not in chosen)
    lie = Match(service=SERVICE, slot=1, offer=digest, price=200)
    case.send(outsider, lie, "a broker a never sent it to", error=E.MACHINE_GUARD_REJECTED)
    unknown = Match(service=SERVICE, slot=1, offer=bytes(32), price=95)
    first = _name(case, chosen[0])
    case.send(first, unknown, "an offer a never made", error=E.MACHINE_GUARD_REJECTED)
    case.send(first, lie, "one chosen broker claims a match at 200: not yet a majority")
    case.send(first, lie, "and again", error=E.MACHINE_GUARD_REJECTED)
    truth = Match(service=SERVICE, slot=1, offer=digest, price=95)
    case.send(_name(case, chosen[1]), truth, "the other reports 95: still no majority")
    return case.trace()


def majority(generator: Generator) -> Trace:
    market = PARAMS.model_copy(update={"fanout": 3})
    case = AuctionCase(
        generator,
        "auction/trader/majority-001",
        "with f = 3 two agreeing notices settle an offer; the third, conflicting one is "
        "kept but changes nothing",
        ("positive",),
        params=AuctionParams.model_validate(market.model_dump()),
    )
    _located(case)
    args = OfferCommand(service=SERVICE, side="bid", price=100, valid_for=50)
    out = case.app("offer", args, "a bids 100")
    expect_kinds(case, out, ["offer"] * 3)
    chosen = [_name(case, o.to) for o in out if isinstance(o, Output)]
    digest = case.node.state.data.traders[SERVICE].offers[0].digest
    case.send(chosen[0], Match(service=SERVICE, slot=1, offer=digest, price=95), "one says 95")
    case.send(chosen[1], Match(service=SERVICE, slot=1, offer=digest, price=95), "two: settled")
    case.send(chosen[2], Match(service=SERVICE, slot=3, offer=digest, price=99), "a dissenter")
    return case.trace()


def offer_refused(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/trader/offer-too-long-001",
        "an offer valid for more than t ticks is refused by the trader's own node",
        EDGE,
        ("OverlongValidity",),
    )
    _located(case)
    control = OfferCommand(service=SERVICE, side="bid", price=100, valid_for=PARAMS.max_validity)
    too_long = control.model_copy(update={"valid_for": PARAMS.max_validity + 1})
    case.app(
        "offer",
        encode_message(OfferCommand.model_validate(too_long.model_dump())),
        "valid for t + 1 ticks",
        error=E.MACHINE_GUARD_REJECTED,
        control=encode_message(control),
    )
    return case.trace()


def trader_cases(generator: Generator) -> Iterator[Trace]:
    yield locate(generator)
    yield wrong_nonce(generator)
    yield price(generator)
    yield offer_settled(generator)
    yield false_match(generator)
    yield majority(generator)
    yield offer_refused(generator)
