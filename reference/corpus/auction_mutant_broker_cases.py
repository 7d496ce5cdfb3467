"""Hand-written ``auction`` cases found by mutation testing (the broker side): each pins a rule
that a surviving mutant of the reference broke without any other trace noticing."""

import hashlib
from collections.abc import Iterator

from reference.auction.brokers import broker_set
from reference.corpus.auction_casekit import (
    ATTACK,
    BROKERS,
    EDGE,
    OTHER_SERVICE,
    PARAMS,
    SERVICE,
    AuctionCase,
    CaseError,
    Peer,
    expect_kinds,
    slot_timer,
)
from reference.envelope import open_envelope
from spec.v1 import errors as E
from spec.v1.auction.constants import MAX_BROKERS, MAX_TABLE
from spec.v1.auction.messages import (
    Candidate,
    Candidates,
    Locate,
    PriceRequest,
    ServiceNotice,
    Takeover,
)
from spec.v1.registry import MESSAGES
from spec.v1.stack import DeliverUpcall
from spec.v1.trace import Generator, Output, Trace

D = PARAMS.slot_ticks
T = PARAMS.max_validity

HIGH = "hi56"
"""A peer whose id is above a's: in the broker set of :data:`SERVICE` (the nearest larger id)."""

ROOM = MAX_BROKERS * MAX_TABLE
"""The most offers a round holds."""

ABOVE = bytes.fromhex("fe" * 16)
"""A service id above :data:`SERVICE`, for a candidate carried under the wrong one."""


def _open(case: AuctionCase, at: int, *view: str) -> None:
    """``view`` joins a's leaf set; e's locate reaches a, the root: slot 0 starts at ``at``."""
    case.joined(*view, at=at)
    locate = case.peer("e").inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=False))
    case.deliver_routed(SERVICE, locate, "e's locate reaches a, the root", at=at)


def _digest(frame: bytes) -> bytes:
    return hashlib.sha256(open_envelope(frame, MESSAGES).envelope.body).digest()


def _batch(slot: int, *offers: tuple[bytes, int]) -> Candidates:
    return Candidates(
        service=SERVICE,
        slot=slot,
        offers=tuple(Candidate(frame=frame, heard=heard) for frame, heard in offers),
    )


def _early(case: AuctionCase, note: str) -> None:
    """The slot timer, one tick before it is due: not running yet."""
    due = case.node.timers.get(slot_timer())
    if due is None:
        raise CaseError(f"{case.case_id}: no slot timer")
    case.timer(slot_timer(), note, at=due - 1, error=E.MACHINE_NO_TRANSITION)


# -- slots --


def slot_deadlines(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/slot-deadline-001",
        "the slot timer of slot k is due at origin + (k + 1) D, not a tick earlier, for the "
        "root's slot 0 and every later slot; an offer accepted in an even slot k >= 2 is "
        "forwarded when k ends, and one accepted in an odd slot waits for the next even end",
        EDGE,
        ("UnexpectedMessage",),
    )
    origin = 13
    _open(case, origin, *BROKERS)
    f = case.peer("f")
    for k in range(6):
        if k in (2, 3):
            now = origin + k * D + 1
            case.deliver(f.offer("bid", 50 + k, k, now + 60), "f", f"f bids in slot {k}", at=now)
        _early(case, f"slot {k} does not end a tick early")
        out = case.timer(slot_timer(), f"slot {k} ends at origin + {k + 1} D")
        wanted = ["candidates"] * 3 if k in (2, 4) else []
        expect_kinds(case, out, wanted)
    return case.trace()


def notice_edges(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/notice-edges-001",
        "a notice whose origin is now is taken; a broker named late follows the service from "
        "slot floor((now - origin) / D), its timer due at the end of that slot, and takes "
        "candidates for that (even) slot, however large its number",
        EDGE,
        ("UnexpectedMessage",),
    )
    case.joined(*BROKERS, at=1)
    members = tuple(sorted((case.node_id, *(case.peer(n).node_id for n in BROKERS))))
    at = 1
    case.send(
        "b",
        ServiceNotice(service=OTHER_SERVICE, origin=at, brokers=members),
        "b's notice for another service, its slot 0 starting now",
        at=at,
    )
    origin, now = 13, 3017
    case.send(
        "b",
        ServiceNotice(service=SERVICE, origin=origin, brokers=members),
        "b's notice of a service opened at tick 13, at tick 3017: slot 300",
        at=now,
    )
    g = case.peer("g")
    heard = now - 2
    batch = _batch(300, (g.offer("ask", 90, 1, heard + 50), heard))
    case.send("c", batch, "c's candidates of slot 300, early")
    _early(case, "slot 300 does not end a tick early")
    case.timer(slot_timer(), "slot 300 ends at 13 + 301 D")
    return case.trace()


# -- a broker above a --


def higher_broker(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/higher-broker-001",
        "a broker of the set whose id is above a's gets a's candidates and may send its own; "
        "the match notice goes only to the trader a heard itself, not to one heard by a "
        "broker above a; candidates signed by a itself are an outsider's",
        ATTACK,
        ("Outsider",),
    )
    origin = 10
    _open(case, origin, "b", "c", "d", HIGH)
    brokers = broker_set(
        (case.node_id, *(case.peer(n).node_id for n in ("b", "c", "d", HIGH))),
        SERVICE,
        PARAMS.brokers,
    )
    high = case.peer(HIGH).node_id
    if high not in brokers or high <= case.node_id:
        raise CaseError(f"{case.case_id}: {HIGH} is not a broker above a")
    e, g = case.peer("e"), case.peer("g")
    case.deliver(e.offer("bid", 120, 1, origin + 60), "e", "e bids 120", at=origin + 1)
    out = case.timer(slot_timer(), "slot 0 ends: e's bid goes to the three other brokers")
    if high not in {o.to for o in out if isinstance(o, Output)}:
        raise CaseError(f"{case.case_id}: no candidates to {HIGH}")
    batch = _batch(0, (g.offer("ask", 90, 1, origin + 50), origin + 5))
    case.send(HIGH, batch, f"{HIGH} forwards g's ask of 90")
    out = case.timer(slot_timer(), "slot 1 ends: 120 meets 90; a tells e only")
    expect_kinds(case, out, ["match"])
    a = Peer("a")
    if a.node_id != case.node_id:
        raise CaseError(f"{case.case_id}: the peer a is not node a")
    case.timer(slot_timer(), "slot 2 ends")
    own = _batch(2, (g.offer("ask", 95, 2, origin + 50), origin + 21))
    case.deliver(
        a.frame(own),
        "b",
        "candidates signed by a itself, relayed by b",
        error=E.AUCTION_OUTSIDER,
    )
    return case.trace()


# -- prices and offers --


def price_edges(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/price-edges-001",
        "a price reply gives the highest bid and the lowest ask held, each side read alone "
        "(an ask above every bid, a bid below every ask), and an offer valid at now is held",
        ("positive",),
    )
    origin = 10
    _open(case, origin, *BROKERS)
    e, f = case.peer("e"), case.peer("f")
    case.deliver(f.offer("ask", 150, 1, origin + 40), "f", "f asks 150", at=origin + 1)
    case.send(
        "e", PriceRequest(service=SERVICE, nonce=b"price-e1"), "e asks: no bid, ask 150", at=11
    )
    case.deliver(e.offer("bid", 50, 1, 13), "e", "e bids 50, valid until tick 13", at=12)
    case.send(
        "e", PriceRequest(service=SERVICE, nonce=b"price-e2"), "at 13: bid 50, ask 150", at=13
    )
    case.send("e", PriceRequest(service=SERVICE, nonce=b"price-e3"), "at 14: bid gone", at=14)
    return case.trace()


def offer_edges(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/offer-edges-001",
        "an offer in the name of a trader whose id is above the signer's is refused; an offer "
        "valid exactly t after now is accepted whatever the bits of now and t",
        ATTACK,
        ("ImpersonatedTrader", "OverlongValidity"),
    )
    origin = 10
    _open(case, origin, *BROKERS)
    e, high = case.peer("e"), case.peer(HIGH)
    if high.node_id <= e.node_id:
        raise CaseError(f"{case.case_id}: {HIGH} is not above e")
    now = 36
    case.deliver(
        e.offer("bid", 100, 1, now + 50, trader=high.node_id),
        "e",
        f"e signs an offer in {HIGH}'s name",
        error=E.AUCTION_NOT_TRADER,
        at=now,
    )
    case.deliver(e.offer("bid", 100, 1, now + T), "e", "valid until 136, exactly t", at=now)
    case.deliver(
        e.offer("bid", 100, 2, now + T + 1),
        "e",
        "valid until 137",
        error=E.AUCTION_VALIDITY_TOO_LONG,
        at=now,
    )
    return case.trace()


def routed_edges(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/routed-edges-001",
        "a locate for a service above the key it was routed to is misrouted; a takeover that "
        "names a failed node above a is taken",
        ATTACK,
        ("Misrouted",),
    )
    case.joined("b", "c", "d", HIGH, at=1)
    e = case.peer("e")
    locate = e.inner(Locate(service=SERVICE, nonce=b"locate-e", fallback=False))
    case.deliver_routed(
        OTHER_SERVICE,
        locate,
        "a locate for fd.. routed to 5e..",
        error=E.MACHINE_GUARD_REJECTED,
        control=DeliverUpcall(key=SERVICE, frame=locate),
    )
    ask = Takeover(service=SERVICE, nonce=b"locate-f", failed=case.peer(HIGH).node_id)
    out = case.send("f", ask, f"f asks a to stand in for {HIGH}")
    expect_kinds(case, out, ["broker_set", "service_notice", "service_notice"])
    return case.trace()


# -- candidates --


def heard_window(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/heard-window-001",
        "a candidate of slot k is heard from origin + max(0, k - 1) D to now, both ends "
        "included and no further; candidates of slot k are taken in odd slot k + 1 and in "
        "even slot k itself, of no other; a candidate valid exactly t after its report is "
        "taken; an impersonation and a service above the message's are refused",
        ATTACK,
        ("WrongSlot", "ImpersonatedTrader", "WrongService", "OverlongValidity"),
    )
    origin = 13
    _open(case, origin, *BROKERS)
    g, h = case.peer("g"), case.peer("h")
    seq = iter(range(1, 100))

    def ask(heard: int, valid: int = 50, **kwargs: object) -> bytes:
        return g.offer("ask", 90, next(seq), heard + valid, **kwargs)  # type: ignore[arg-type]

    def refuse(slot: int, heard: int, note: str, error: E.ErrorCode = E.AUCTION_WRONG_SLOT) -> None:
        case.send("b", _batch(slot, (ask(heard), heard)), note, error=error, at=case.now)

    case.timer(slot_timer(), "slot 0 ends")  # now 23, slot 1
    now = 25
    refuse(0, origin - 1, "slot 0, heard a tick before the origin")
    case.send("b", _batch(0, (ask(origin), origin)), "slot 0, heard at the origin", at=now)
    refuse(0, now + 1, "heard a tick after now")
    case.send("b", _batch(0, (ask(now), now)), "heard now (25)", at=now)
    heard = 23
    case.send("c", _batch(0, (ask(heard, T), heard)), "valid until heard + t", at=now)
    case.send(
        "c",
        _batch(0, (g.offer("ask", 90, next(seq), 50, trader=h.node_id), 20)),
        "g's offer in h's name, h above g",
        error=E.AUCTION_NOT_TRADER,
        at=now,
    )
    if h.node_id <= g.node_id:
        raise CaseError(f"{case.case_id}: h is not above g")
    case.send(
        "c",
        _batch(0, (ask(20, service=ABOVE), 20)),
        "g's offer for a service above the message's",
        error=E.AUCTION_WRONG_SERVICE,
        at=now,
    )
    case.timer(slot_timer(), "slot 1 ends")  # now 33, slot 2
    start = origin + D
    refuse(2, start - 1, "early candidates of slot 2, heard before slot 1")
    case.send("b", _batch(2, (ask(start), start)), "early candidates of slot 2, heard at 23")
    refuse(1, 30, "candidates of odd slot 1")
    case.timer(slot_timer(), "slot 2 ends")  # now 43, slot 3
    refuse(3, 40, "candidates of slot 3, in slot 3")
    case.send("d", _batch(2, (ask(start + 1), start + 1)), "candidates of slot 2, in slot 3")
    case.timer(slot_timer(), "slot 3 ends")  # now 53, slot 4
    case.timer(slot_timer(), "slot 4 ends")  # now 63, slot 5
    start = origin + 3 * D
    refuse(4, start - 1, "candidates of slot 4 heard before slot 3")
    case.send("d", _batch(4, (ask(start), start)), "candidates of slot 4 heard at 43")
    return case.trace()


# -- broker sets --

SET_VIEW = (
    *("v25", "v28", "v51", "v75", "v145", "v153", "v169", "v213"),
    *("v2", "v4", "v9", "v10", "v13", "v15", "v17"),
)
"""Fifteen peers, eight of them within 2^122 of a on the ring (a side of a service's set can
be short) and seven spread over the lower half."""

SET_SERVICES = (
    bytes.fromhex("fc6ac90c0f2cd629eb1d1b1b88ab34b1"),
    bytes.fromhex("019472c2bf2f9f78df24338aed6aa695"),
    bytes.fromhex("caeda38b5d97c4065c4c210a5ed14171"),
)
"""Services whose sets, with n = 8 and :data:`SET_VIEW`, need every step of the rule: the
ring's wrap at zero, both distances, h = n/2 per side and a short side's places."""


def broker_sets(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/broker-sets-001",
        "with n = 8 and a full view of sixteen nodes clustered near a, the root's broker set "
        "of three services takes n/2 nearest larger ids (clockwise, across zero) and n/2 "
        "nearest smaller, a short side's places going to the other side's next nearest",
        ("positive",),
        params=PARAMS.model_copy(update={"brokers": 8}),
    )
    case.joined(*SET_VIEW, at=1)
    known = (case.node_id, *(case.peer(n).node_id for n in SET_VIEW))
    e = case.peer("e")
    for index, service in enumerate(SET_SERVICES):
        brokers = broker_set(known, service, 8)
        if case.node_id not in brokers:
            raise CaseError(f"{case.case_id}: a is not a broker of {service.hex()}")
        nonce = b"locate-%d" % index
        locate = e.inner(Locate(service=service, nonce=nonce, fallback=False))
        out = case.deliver_routed(
            service, locate, f"e's locate for {service.hex()[:8]}.. reaches a"
        )
        expect_kinds(case, out, ["broker_set"] + ["service_notice"] * 7)
    return case.trace()


# -- the global match --


def match_order(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/match-order-001",
        "with m = 8: equal bids are ordered by the lower median of their reports (of two, "
        "three), the fifth bid is evicted, a bid meets an ask of the same price; in the next "
        "round an offer valid until now stays and its trader's entry is kept, an expired one "
        "and an evicted trader's old entry go, a trader's older offer, a matched offer in "
        "another of its trader's envelopes and a second offer with a number already used "
        "(large numbers) change nothing but the last, which drops both",
        ("positive",),
        params=PARAMS.model_copy(update={"table": 8}),
    )
    origin = 10
    _open(case, origin, *BROKERS)
    x, y, z1, z2, v, w, u = (case.peer(n) for n in ("x", "y", "z1", "z2", "v", "w", "u"))
    x_old = x.offer("bid", 100, 1000, 100)
    x_new = x.offer("bid", 100, 1001, 100)
    y_bid = y.offer("bid", 100, 1000, 60)
    z1_bid = z1.offer("bid", 100, 1000, 70)
    z2_bid = z2.offer("bid", 100, 1000, 50)
    v_bid = v.offer("bid", 90, 1000, 40)
    w_ask = w.offer("ask", 100, 1000, 60)
    case.timer(slot_timer(), "slot 0 ends: a heard nothing itself")
    case.send("b", _batch(0, (x_new, 14), (y_bid, 15), (z1_bid, 16), (v_bid, 13)), "b's round")
    case.send("c", _batch(0, (x_new, 17), (y_bid, 18)), "c's round")
    case.send("d", _batch(0, (x_new, 20), (z2_bid, 19), (w_ask, 12)), "d's round")
    case.timer(
        slot_timer(),
        "slot 1 ends: y (arrival 15) meets w at 100; z1 (16), x (17 of 14, 17, 20), z2 (19) "
        "stay; v is evicted",
    )
    twin = None
    for until in range(60, 116):
        frame = z1.offer("bid", 101, 1000, until)
        if _digest(frame) < _digest(z1_bid):
            twin = frame
            break
    if twin is None:
        raise CaseError(f"{case.case_id}: no second offer of z1 with a smaller digest")
    u_bid = u.offer("bid", 100, 1000, 45)
    case.timer(slot_timer(), "slot 2 ends")
    case.send("b", _batch(2, (x_old, 31), (u_bid, 31)), "x's older bid; u's bid, valid until 45")
    y_copy = y.frame(open_envelope(y_bid, MESSAGES).body)
    if _digest(y_copy) != _digest(y_bid) or y_copy == y_bid:
        raise CaseError(f"{case.case_id}: y's copy is not the same offer in another envelope")
    case.send("c", _batch(2, (y_copy, 32)), "y's matched bid again, in another envelope of y's")
    case.send("d", _batch(2, (twin, 33)), "z1's second offer numbered 1000")
    case.timer(
        slot_timer(),
        "slot 3 ends at 50: x and z2 (valid until 50) stay; z1 equivocated; u expired",
    )
    return case.trace()


def round_room(generator: Generator) -> Trace:
    case = AuctionCase(
        generator,
        "auction/broker/round-room-001",
        "a round holds at most MAX_BROKERS x MAX_TABLE offers: candidates that would "
        "take it beyond are refused whole, those that fill it exactly are taken, and an offer "
        "already in the round does not count again",
        EDGE,
        ("OfferFlood",),
    )
    origin = 10
    _open(case, origin, *BROKERS)
    case.timer(slot_timer(), "slot 0 ends")
    g = case.peer("g")
    heard = origin + 5
    made: list[bytes] = []

    def fresh(count: int) -> tuple[tuple[bytes, int], ...]:
        start = len(made) + 1
        made.extend(g.offer("ask", 90, seq, heard + 50) for seq in range(start, start + count))
        return tuple((frame, heard) for frame in made[-count:])

    def send(count: int, note: str, *, full: bool = False, state: bool = False) -> None:
        offers = fresh(count)
        if full:
            del made[-count:]
        error = E.MACHINE_GUARD_REJECTED if full else None
        case.send("b", _batch(0, *offers), note, error=error, at=case.now, record_state=state)

    send(1, "one offer: the round holds 1")
    send(12, "twelve more: 13")
    while len(made) + MAX_TABLE <= ROOM - 48:
        send(MAX_TABLE, f"{MAX_TABLE} more: {len(made) + MAX_TABLE}")
    send(ROOM - 48 - len(made), f"the round holds {ROOM - 48}", state=True)
    send(100, f"100 more would make {ROOM + 52}", full=True)
    send(48, f"48 more make {ROOM}, the most it may hold")
    again = _batch(0, (made[0], heard + 1))
    note = f"an offer the round holds, from c: it still holds {ROOM}"
    case.send("c", again, note, at=case.now, record_state=False)
    return case.trace()


def mutant_broker_cases(generator: Generator) -> Iterator[Trace]:
    yield slot_deadlines(generator)
    yield notice_edges(generator)
    yield higher_broker(generator)
    yield price_edges(generator)
    yield offer_edges(generator)
    yield routed_edges(generator)
    yield heard_window(generator)
    yield broker_sets(generator)
    yield match_order(generator)
    yield round_room(generator)
