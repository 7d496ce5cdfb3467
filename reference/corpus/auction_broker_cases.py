"""Hand-written ``auction`` cases where node ``a`` brokers: opening a service, prices,
traders' offers and their refusals, slots, candidates and the global match."""

from collections.abc import Iterator

from reference.codec import encode_message
from reference.corpus.auction_casekit import (
    ATTACK,
    BROKERS,
    EDGE,
    OTHER_SERVICE,
    PARAMS,
    SERVICE,
    AuctionCase,
    CaseError,
    expect_kinds,
    flip_signature,
    slot_timer,
)
from reference.envelope import signing_input
from spec.v1 import errors as E
from spec.v1.auction.messages import (
    Candidate,
    Candidates,
    Locate,
    Offer,
    PriceRequest,
    ServiceNotice,
)
from spec.v1.stack import DeliverUpcall, ForwardUpcall, UpdateUpcall
from spec.v1.trace import Generator, Trace

D = PARAMS.slot_ticks


def _open(case: AuctionCase, at: int = 10) -> int:
    """b, c and d join a's leaf set; e's locate is delivered to a, the root: slot 0 starts.
    Returns the origin."""
    case.joined(*BROKERS)
    locate = case.peer("e").inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=False))
    out = case.deliver_routed(SERVICE, locate, "e's locate reaches a, the root", at=at)
    expect_kinds(case, out, ["broker_set", "service_notice", "service_notice", "service_notice"])
    return at


def _submit(case: AuctionCase, trader: str, frame: bytes, note: str, **kwargs: object) -> None:
    case.deliver(frame, trader, note, **kwargs)  # type: ignore[arg-type]


def open_service(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/open-001",
        "the root of a service traded for the first time opens slot 0, answers the trader "
        "and tells every other broker; a second locate gets the same set and origin",
        ("positive",),
    )
    _open(case)
    again = case.peer("f").inner(Locate(service=SERVICE, nonce=b"locate-f", fallback=False))
    out = case.deliver_routed(SERVICE, again, "f's locate, later")
    expect_kinds(case, out, ["broker_set"])
    return case.trace()


def misrouted_locate(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/misrouted-locate-001",
        "a delivered payload that is not a locate for the key it was routed to is refused: "
        "another service, an offer instead of a locate, a forged signature",
        ATTACK,
        ("Misrouted", "UnknownType", "BadSignature"),
    )
    case.joined(*BROKERS, at=1)
    e = case.peer("e")
    good = e.inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=False))
    other = e.inner(Locate(service=OTHER_SERVICE, nonce=b"locate-e", fallback=False))
    control = DeliverUpcall(key=SERVICE, frame=good)
    case.deliver_routed(
        SERVICE, other, "a locate for another key", error=E.MACHINE_GUARD_REJECTED, control=control
    )
    offer = e.offer("bid", 10, 1, 50)
    case.deliver_routed(
        SERVICE, offer, "an offer routed", error=E.ENVELOPE_UNKNOWN_TYPE, field="args.frame.type"
    )
    forged = flip_signature(good)
    case.deliver_routed(
        SERVICE,
        forged,
        "a locate with a flipped signature bit",
        error=E.AUTH_BAD_SIGNATURE,
        field="args.frame.signature",
    )
    return case.trace()


def noticed(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/noticed-001",
        "a broker named in the root's notice follows the service's slots from the current "
        "one and answers price requests; a notice that does not name it is refused",
        ("negative", "adversarial"),
        ("UnexpectedMessage",),
    )
    case.joined(*BROKERS, at=1)
    brokers = tuple(sorted(case.peer(n).node_id for n in ("b", "c", "d", "g")))
    case.send(
        "b",
        ServiceNotice(service=SERVICE, origin=2, brokers=brokers),
        "a notice that does not name a",
        error=E.MACHINE_GUARD_REJECTED,
        at=14,
    )
    members = tuple(sorted((case.node_id, *(case.peer(n).node_id for n in BROKERS))))
    case.send("b", ServiceNotice(service=SERVICE, origin=2, brokers=members), "b's notice")
    case.send("e", PriceRequest(service=SERVICE, nonce=b"price-e1"), "e asks a for prices")
    case.timer(slot_timer(), "slot 1 (odd) ends: nothing to match")
    return case.trace()


def view_changes(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/node/view-001",
        "update upcalls keep a's view of its leaf set; a repeated join, a leave of a "
        "stranger and a join of a itself are refused; forward upcalls pass",
        ("negative", "edge"),
        ("UnexpectedMessage",),
    )
    case.joined("b", "c")
    b = case.peer("b").node_id
    case.upcall(
        "update", UpdateUpcall(node=b, joined=True), "b again", error=E.MACHINE_GUARD_REJECTED
    )
    d = case.peer("d").node_id
    case.upcall(
        "update",
        UpdateUpcall(node=d, joined=False),
        "d never joined",
        error=E.MACHINE_GUARD_REJECTED,
    )
    case.upcall(
        "update",
        UpdateUpcall(node=case.node_id, joined=True),
        "a itself",
        error=E.MACHINE_GUARD_REJECTED,
    )
    case.upcall("update", UpdateUpcall(node=b, joined=False), "b leaves")
    locate = case.peer("e").inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=False))
    case.upcall(
        "forward",
        ForwardUpcall(key=SERVICE, frame=locate, next_hop=case.peer("c").node_id),
        "e's locate passes through a towards c",
    )
    return case.trace()


def unknown_upcall(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/node/unknown-upcall-001",
        "an upcall the interface does not define is machine.no_transition before its "
        "arguments are read; bad arguments of a known upcall are a decoding error",
        EDGE,
        ("UnknownCommand", "MissingField"),
    )
    case.upcall("replicaSet", b"\xa0", "no such upcall", error=E.MACHINE_NO_TRANSITION)
    case.upcall("update", b"\xa0", "update without its fields", error=E.DECODE_MISSING_FIELD)
    return case.trace()


def round_trip(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/round-001",
        "offers collected in slot 0 are forwarded when it ends, the other brokers' candidates "
        "are taken in odd slot 1, the global match runs at its end, and notices are "
        "sent only for the offers a heard from their traders",
        ("positive",),
    )
    origin = _open(case)
    e, f, g = case.peer("e"), case.peer("f"), case.peer("g")
    _submit(case, "e", e.offer("bid", 120, 1, origin + 60), "e bids 120")
    _submit(case, "f", f.offer("ask", 100, 1, origin + 60), "f asks 100")
    case.send("e", PriceRequest(service=SERVICE, nonce=b"price-e1"), "e asks: 120 / 100")
    out = case.timer(slot_timer(), "slot 0 ends: a's pending offers go to b, c and d")
    expect_kinds(case, out, ["candidates"] * 3)
    heard = origin + 5
    g_ask = g.offer("ask", 90, 1, heard + 50)
    batch = Candidates(service=SERVICE, slot=0, offers=(Candidate(frame=g_ask, heard=heard),))
    case.send("b", batch, "b forwards g's ask of 90, heard at tick 15")
    case.send("c", batch, "c forwards the same offer: its report joins b's")
    out = case.timer(slot_timer(), "slot 1 ends: 120 meets 90 at 105; a tells e only")
    expect_kinds(case, out, ["match"])
    out = case.timer(slot_timer(), "slot 2 ends: nothing pending")
    expect_kinds(case, out, [])
    return case.trace()


def early_candidates(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/early-candidates-001",
        "candidates for the current even slot (the sender's slot ended first) are held for "
        "the round; candidates for an old slot are refused",
        ("negative", "edge"),
        ("WrongSlot",),
    )
    origin = _open(case)
    g = case.peer("g")
    ask = g.offer("ask", 90, 1, origin + 50)
    early = Candidates(service=SERVICE, slot=0, offers=(Candidate(frame=ask, heard=origin + 2),))
    case.send("b", early, "b's slot 0 ended before a's", at=origin + D - 1)
    case.timer(slot_timer(), "a's slot 0 ends: nothing of its own")
    late = Candidates(service=SERVICE, slot=0, offers=(Candidate(frame=ask, heard=origin + 3),))
    case.send("c", late, "c's candidates of slot 0, in slot 1: taken")
    case.timer(slot_timer(), "slot 1 ends")
    stale = Candidates(service=SERVICE, slot=0, offers=(Candidate(frame=ask, heard=origin + 3),))
    case.send("d", stale, "d's candidates of slot 0, in slot 2", error=E.AUCTION_WRONG_SLOT)
    ahead = Candidates(service=SERVICE, slot=4, offers=(Candidate(frame=ask, heard=origin + 3),))
    case.send("d", ahead, "candidates of a slot to come", error=E.AUCTION_WRONG_SLOT)
    return case.trace()


def submit_refusals(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/offer-refusals-001",
        "an offer from a trader is checked in table order: its envelope, its service, its "
        "trader, its validity, its expiry and its number",
        ATTACK,
        (
            "BadSignature",
            "ImpersonatedTrader",
            "NotBroker",
            "OverlongValidity",
            "ExpiredOffer",
            "ReplayedOffer",
        ),
    )
    origin = _open(case)
    e, m = case.peer("e"), case.peer("m")
    now = origin + 1
    good = e.offer("bid", 100, 2, now + 50)
    forged = flip_signature(good)
    _submit(
        case,
        "e",
        forged,
        "a flipped signature bit",
        error=E.AUTH_BAD_SIGNATURE,
        field="signature",
        at=now,
    )
    impostor = m.offer("bid", 100, 2, now + 50, trader=e.node_id)
    _submit(case, "m", impostor, "m signs an offer in e's name", error=E.AUCTION_NOT_TRADER, at=now)
    elsewhere = e.offer("bid", 100, 2, now + 50, service=OTHER_SERVICE)
    _submit(
        case,
        "e",
        elsewhere,
        "an offer for a service a does not broker",
        error=E.MACHINE_NO_TRANSITION,
        at=now,
    )
    overlong = e.offer("bid", 100, 2, now + PARAMS.max_validity + 1)
    _submit(case, "e", overlong, "valid for t + 1 ticks", error=E.AUCTION_VALIDITY_TOO_LONG, at=now)
    _submit(
        case, "e", e.offer("bid", 100, 2, now + PARAMS.max_validity), "valid for exactly t", at=now
    )
    _submit(
        case,
        "e",
        e.offer("bid", 101, 3, now - 1),
        "expired a tick ago",
        error=E.AUCTION_EXPIRED,
        at=now,
    )
    _submit(
        case,
        "e",
        e.offer("bid", 101, 2, now + 5),
        "number 2 again",
        error=E.AUCTION_STALE_OFFER,
        at=now,
    )
    _submit(
        case,
        "e",
        e.offer("bid", 101, 1, now + 5),
        "an older number",
        error=E.AUCTION_STALE_OFFER,
        at=now,
    )
    _submit(
        case, "e", e.offer("bid", 99, 3, now), "number 3, valid this tick only: replaces 2", at=now
    )
    return case.trace()


def not_broker(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/not-broker-001",
        "offers, price requests and candidates for a service a does not broker are "
        "machine.no_transition, and so is a locate sent as a message of its own",
        ATTACK,
        ("NotBroker", "UnexpectedMessage"),
    )
    e = case.peer("e")
    offer = e.offer("bid", 100, 1, 50)
    _submit(case, "e", offer, "e offers to a, which brokers nothing", error=E.MACHINE_NO_TRANSITION)
    case.send(
        "e",
        PriceRequest(service=SERVICE, nonce=b"price-e1"),
        "a price request",
        error=E.MACHINE_NO_TRANSITION,
    )
    batch = Candidates(service=SERVICE, slot=0, offers=(Candidate(frame=offer, heard=0),))
    case.send("b", batch, "candidates", error=E.MACHINE_NO_TRANSITION)
    _open(case, at=20)
    locate = Locate(service=SERVICE, nonce=b"locate-e", fallback=False)
    case.send("e", locate, "a locate as a message", error=E.MACHINE_NO_TRANSITION)
    return case.trace()


def float_price(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/float-price-001",
        "an offer whose price is a float (even an integral one) is a decoding error of its body",
        ATTACK,
        ("FloatForInteger",),
    )
    origin = _open(case)
    e = case.peer("e")

    offer = Offer(
        service=SERVICE, trader=e.node_id, side="bid", price=100, seq=1, valid_until=origin + 50
    )
    envelope = e.next_envelope(offer)
    raw = envelope.body
    patched = raw.replace(b"\x65price\x18\x64", b"\x65price\xf9\x56\x40")
    if patched == raw:
        raise CaseError("price not found in the offer's encoding")
    bad = envelope.model_copy(update={"body": patched})
    signed = bad.model_copy(update={"signature": e.identity.sign(signing_input(bad))})
    frame = encode_message(signed)
    _submit(case, "e", frame, "price 100.0 as a half float", error=E.DECODE_UNSUPPORTED_TYPE)
    return case.trace()


def altered_candidate(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/altered-candidate-001",
        "candidates are checked offer by offer: an altered offer, one heard outside the "
        "round, one valid beyond its report plus t, an impersonation; and only brokers "
        "of the set may send them",
        ATTACK,
        (
            "AlteredOffer",
            "BadSignature",
            "WrongSlot",
            "OverlongValidity",
            "ImpersonatedTrader",
            "WrongService",
            "Outsider",
        ),
    )
    origin = _open(case)
    case.timer(slot_timer(), "slot 0 ends")
    g, m = case.peer("g"), case.peer("m")
    honest = g.offer("ask", 90, 1, origin + 50)
    sound = Candidate(frame=honest, heard=origin + 5)
    price_at = honest.find(b"\x18\x5a")
    if price_at < 0:
        raise CaseError("price 90 not found in the frame")
    altered = honest[:price_at] + b"\x18\x50" + honest[price_at + 2 :]

    def batch(*offers: Candidate) -> Candidates:
        return Candidates(service=SERVICE, slot=0, offers=offers)

    case.send(
        "b",
        batch(sound, Candidate(frame=altered, heard=origin + 5)),
        "b lowers g's ask to 80 in the second candidate",
        error=E.AUTH_BAD_SIGNATURE,
        field="body.offers[1].frame.signature",
    )
    case.send(
        "b",
        batch(Candidate(frame=honest, heard=origin + 2 * D)),
        "reported heard in slot 2, a tick still to come",
        error=E.AUCTION_WRONG_SLOT,
        field="body.offers[0].heard",
    )
    case.send(
        "b",
        batch(
            Candidate(
                frame=g.offer("ask", 90, 2, origin + 5 + PARAMS.max_validity + 1), heard=origin + 5
            )
        ),
        "valid for t + 1 after its report",
        error=E.AUCTION_VALIDITY_TOO_LONG,
    )
    case.send(
        "b",
        batch(
            Candidate(frame=m.offer("ask", 90, 1, origin + 50, trader=g.node_id), heard=origin + 5)
        ),
        "m's offer in g's name",
        error=E.AUCTION_NOT_TRADER,
    )
    case.send(
        "b",
        batch(
            Candidate(
                frame=g.offer("ask", 90, 3, origin + 50, service=OTHER_SERVICE), heard=origin + 5
            )
        ),
        "g's offer for another service",
        error=E.AUCTION_WRONG_SERVICE,
    )
    case.send("e", batch(sound), "e is no broker of the service", error=E.AUCTION_OUTSIDER)
    case.send("b", batch(sound), "b's honest candidates")
    return case.trace()


def pending_full(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/pending-full-001",
        "with m = 4 a broker keeps the pending offers of four traders and refuses a fifth "
        "trader's, never dropping one it accepted; a trader with a pending offer may still "
        "replace it; the global match then keeps the best two of each side",
        ("negative", "edge"),
        ("OfferFlood",),
    )
    origin = _open(case)
    now = origin
    for name, price_ in (("e", 100), ("f", 110), ("g", 105), ("h", 103)):
        peer = case.peer(name)
        _submit(case, name, peer.offer("bid", price_, 1, now + 60), f"{name} bids {price_}")
    m = case.peer("m")
    _submit(
        case,
        "m",
        m.offer("bid", 200, 1, now + 60),
        "m is a fifth trader",
        error=E.AUCTION_PENDING_FULL,
    )
    e = case.peer("e")
    _submit(case, "e", e.offer("bid", 120, 2, now + 60), "e's newer bid of 120 replaces its own")
    case.timer(slot_timer(), "slot 0 ends: the four pending offers go to b, c and d")
    case.timer(slot_timer(), "slot 1 ends: 120 and 110 stay in the book, 105 and 103 are evicted")
    return case.trace()


def broker_cases(generator: Generator) -> Iterator[Trace]:
    yield open_service(generator)
    yield misrouted_locate(generator)
    yield noticed(generator)
    yield view_changes(generator)
    yield unknown_upcall(generator)
    yield round_trip(generator)
    yield early_candidates(generator)
    yield submit_refusals(generator)
    yield not_broker(generator)
    yield float_price(generator)
    yield altered_candidate(generator)
    yield pending_full(generator)
