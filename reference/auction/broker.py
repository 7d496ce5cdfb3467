"""The broker's side of ``auction.service``: open a service as its root, as an acting root
(a trader's takeover request) or on the root's notice, answer prices, check and keep
traders' offers, and run the slots."""

from dataclasses import replace
from types import MappingProxyType

from reference.auction import book
from reference.auction.brokers import broker_set
from reference.auction.context import At, at
from reference.auction.data import AuctionData, BrokerData, Held, with_broker, with_pending
from reference.auction.inner import Signed, digest, open_locate, open_offer
from reference.auction.trader import room_for_service, timer_name
from reference.effects import Effect, Emit, StartTimer
from spec.v1 import errors as E
from spec.v1.auction.constants import MAX_BROKERS, MAX_TABLE, TIMER_SLOT
from spec.v1.auction.messages import (
    BrokerSet,
    Candidate,
    Candidates,
    Match,
    Offer,
    PriceReply,
    PriceRequest,
    ServiceNotice,
    Takeover,
)
from spec.v1.stack import DeliverUpcall

Result = tuple[AuctionData, tuple[Effect, ...]]


def current_brokers(data: AuctionData, service: bytes) -> tuple[bytes, ...]:
    """The broker set as this node sees it now: from its view and itself."""
    return broker_set((*data.view, data.self_id), service, data.params.brokers)


def _broker(data: AuctionData, service: bytes) -> BrokerData:
    return data.brokers[service]


def _slot_timer(data: AuctionData, service: bytes, broker: BrokerData) -> StartTimer:
    end = broker.origin + (broker.slot + 1) * data.params.slot_ticks
    return StartTimer(timer_name(TIMER_SLOT, service), end)


# -- opening a service --


def _locate(event: At) -> tuple[Signed, bytes]:
    args = event.args
    assert isinstance(args, DeliverUpcall)
    signed, locate = open_locate(args.frame, "args.frame")
    return signed, locate.service


def locate_for_key(data: AuctionData, payload: object) -> bool:
    """The delivered payload is a locate for the key it was routed to (else misrouted)."""
    event = at(payload)
    _, service = _locate(event)
    fits = service in data.controls or room_for_service(data, payload)
    return service == event.service and fits


def _broker_set(data: AuctionData, event: At, broker: BrokerData) -> Emit:
    signed, _ = _locate(event)
    body = signed.body
    assert hasattr(body, "nonce")
    answer = BrokerSet(
        service=event.service,
        nonce=body.nonce,
        origin=broker.origin,
        brokers=current_brokers(data, event.service),
    )
    return Emit("broker_set", signed.signer, answer)


def _open(data: AuctionData, event: At, answer: Emit, skip: bytes | None = None) -> Result:
    """Slot 0 starts now: ``answer`` (the trader's broker set) first, then a notice to every
    other broker but ``skip``, in ascending id order, then the slot timer."""
    broker = BrokerData(origin=event.now, slot=0)
    brokers = current_brokers(data, event.service)
    notice = ServiceNotice(service=event.service, origin=event.now, brokers=brokers)
    tell = tuple(
        Emit("service_notice", b, notice) for b in brokers if b not in (data.self_id, skip)
    )
    timer = _slot_timer(data, event.service, broker)
    return with_broker(data, event.service, broker), (answer, *tell, timer)


def open_service(data: AuctionData, payload: object) -> Result:
    """Slot 0 starts now; the trader learns the set, and every other broker is told."""
    event = at(payload)
    return _open(data, event, _broker_set(data, event, BrokerData(origin=event.now, slot=0)))


def answer_locate(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    return data, (_broker_set(data, event, _broker(data, event.service)),)


# -- standing in for a root that failed (the root fallback) --


def _takeover(event: At) -> Takeover:
    body = event.body
    assert isinstance(body, Takeover)
    return body


def _answer_takeover(data: AuctionData, event: At, origin: int) -> Emit:
    answer = BrokerSet(
        service=event.service,
        nonce=_takeover(event).nonce,
        origin=origin,
        brokers=current_brokers(data, event.service),
    )
    return Emit("broker_set", event.sender, answer)


def acting_root(data: AuctionData, payload: object) -> bool:
    """This node is in the service's broker set as it sees it, is not the node named as
    failed, and has room for the service."""
    event = at(payload)
    return (
        data.self_id in current_brokers(data, event.service)
        and _takeover(event).failed != data.self_id
        and room_for_service(data, payload)
    )


def take_over(data: AuctionData, payload: object) -> Result:
    """Open the service as its root would, telling every other broker but the failed node."""
    event = at(payload)
    answer = _answer_takeover(data, event, event.now)
    return _open(data, event, answer, skip=_takeover(event).failed)


def answer_takeover(data: AuctionData, payload: object) -> Result:
    """A broker of the service answers with its broker set and origin."""
    event = at(payload)
    origin = _broker(data, event.service).origin
    return data, (_answer_takeover(data, event, origin),)


def named_broker(data: AuctionData, payload: object) -> bool:
    """The root names this node, the sender is a member, and slot 0 has begun."""
    event = at(payload)
    body = event.body
    assert isinstance(body, ServiceNotice)
    return (
        data.self_id in body.brokers
        and event.sender in body.brokers
        and body.origin <= event.now
        and room_for_service(data, payload)
    )


def join_service(data: AuctionData, payload: object) -> Result:
    """Follow the service's slots from the current one."""
    event = at(payload)
    body = event.body
    assert isinstance(body, ServiceNotice)
    slot = (event.now - body.origin) // data.params.slot_ticks
    broker = BrokerData(origin=body.origin, slot=slot)
    return with_broker(data, event.service, broker), (_slot_timer(data, event.service, broker),)


# -- prices --


def _held(broker: BrokerData) -> list[Held]:
    return [*broker.bids, *broker.asks, *broker.pending.values(), *broker.round.values()]


def answer_price(data: AuctionData, payload: object) -> Result:
    """The highest bid and lowest ask of every valid offer the broker holds."""
    event = at(payload)
    body = event.body
    assert isinstance(body, PriceRequest)
    held = [o for o in _held(_broker(data, event.service)) if o.valid_until >= event.now]
    bids = [o.price for o in held if o.side == "bid"]
    asks = [o.price for o in held if o.side == "ask"]
    reply = PriceReply(
        service=event.service,
        nonce=body.nonce,
        bid=max(bids) if bids else None,
        ask=min(asks) if asks else None,
    )
    return data, (Emit("price_reply", event.sender, reply),)


# -- offers from traders --


def _offer(event: At) -> Offer:
    body = event.body
    assert isinstance(body, Offer)
    return body


def offer_impersonates(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    return _offer(event).trader != event.sender


def offer_too_long(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    return _offer(event).valid_until > event.now + data.params.max_validity


def offer_expired(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    return _offer(event).valid_until < event.now


def _newest_seq(broker: BrokerData, trader: bytes) -> int:
    spent = broker.spent.get(trader)
    pending = broker.pending.get(trader)
    return max(spent.seq if spent else 0, pending.seq if pending else 0)


def offer_stale(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    offer = _offer(event)
    return offer.seq <= _newest_seq(_broker(data, event.service), offer.trader)


def pending_full(data: AuctionData, payload: object) -> bool:
    """m traders have a pending offer and this one has none: no room without dropping one."""
    event = at(payload)
    pending = _broker(data, event.service).pending
    return event.sender not in pending and len(pending) >= data.params.table


def _as_held(digest_: bytes, offer: Offer, frame: bytes, broker: bytes, tick: int) -> Held:
    return Held(
        digest=digest_,
        trader=offer.trader,
        side=offer.side,
        price=offer.price,
        seq=offer.seq,
        valid_until=offer.valid_until,
        frame=frame,
        heard=((broker, tick),),
    )


def accept_offer(data: AuctionData, payload: object) -> Result:
    """Keep it as the trader's pending offer, replacing its older one: nothing else is
    dropped, so every accepted offer reaches the round (the global match truncates)."""
    event = at(payload)
    offer = _offer(event)
    assert event.stim.envelope is not None and event.stim.frame is not None
    held = _as_held(
        digest(event.stim.envelope.body), offer, event.stim.frame, data.self_id, event.now
    )
    broker = _broker(data, event.service)
    # ``proxy | {...}`` copies the m offers at dict speed; ``dict(proxy)`` walks them one by one.
    pending = MappingProxyType(broker.pending | {offer.trader: held})
    return with_broker(data, event.service, with_pending(broker, pending)), ()


# -- slots --


def slot_is_even(data: AuctionData, payload: object) -> bool:
    return _broker(data, at(payload).service).slot % 2 == 0


def _next_slot(data: AuctionData, service: bytes, broker: BrokerData) -> Result:
    broker = replace(broker, slot=broker.slot + 1)
    return with_broker(data, service, broker), (_slot_timer(data, service, broker),)


def forward_candidates(data: AuctionData, payload: object) -> Result:
    """The pending offers (expired ones too: one may still supersede its trader's older
    offer held elsewhere) become this round's own candidates and go to every other broker
    of the set, in ascending id order."""
    event = at(payload)
    broker = _broker(data, event.service)
    own = sorted(broker.pending.values(), key=lambda o: o.digest)
    emits: tuple[Effect, ...] = ()
    if own:
        body = Candidates(
            service=event.service,
            slot=broker.slot,
            offers=tuple(Candidate(frame=o.frame, heard=o.heard[0][1]) for o in own),
        )
        others = [b for b in current_brokers(data, event.service) if b != data.self_id]
        emits = tuple(Emit("candidates", b, body) for b in others)
    broker = replace(broker, pending=MappingProxyType({}), round=book.merge(broker.round, own))
    data, timer = _next_slot(data, event.service, broker)
    return data, (*emits, *timer)


def match_round(data: AuctionData, payload: object) -> Result:
    """The round joins the book and the global match runs; this broker tells the trader of
    every matched offer it heard from the trader itself."""
    event = at(payload)
    broker = _broker(data, event.service)
    outcome = book.settle_round(
        broker.bids,
        broker.asks,
        broker.round.values(),
        broker.spent,
        event.now,
        data.params.table // 2,
    )
    notices: list[Effect] = []
    for bid, ask, price in outcome.pairs:
        for offer in (bid, ask):
            if any(b == data.self_id for b, _ in offer.heard):
                match = Match(
                    service=event.service, slot=broker.slot, offer=offer.digest, price=price
                )
                notices.append(Emit("match", offer.trader, match))
    broker = replace(
        broker,
        bids=outcome.bids,
        asks=outcome.asks,
        spent=outcome.spent,
        round=MappingProxyType({}),
    )
    data, timer = _next_slot(data, event.service, broker)
    return data, (*notices, *timer)


# -- candidates from other brokers --


def sender_outside(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    return event.sender not in current_brokers(data, event.service) or event.sender == data.self_id


def candidates_off_slot(data: AuctionData, payload: object) -> bool:
    """Taken in odd slot c when for slot c - 1; held in even slot c when for slot c."""
    event = at(payload)
    body = event.body
    assert isinstance(body, Candidates)
    current = _broker(data, event.service).slot
    return body.slot != (current - 1 if current % 2 else current)


def _round_window(data: AuctionData, broker: BrokerData, slot: int, now: int) -> tuple[int, int]:
    """The ticks a candidate of even slot ``slot`` may have been heard at: from the start of
    slot - 1 (the odd slot after the last forward) up to now, inclusive. (A sender whose
    slot timer fires late has heard offers after the slot's end; they are its round's.)"""
    d = data.params.slot_ticks
    return broker.origin + max(0, slot - 1) * d, now + 1


def _verified(data: AuctionData, event: At) -> list[Held]:
    """Every candidate opened and checked, in order; the first bad one raises its error."""
    body = event.body
    assert isinstance(body, Candidates)
    broker = _broker(data, event.service)
    start, end = _round_window(data, broker, body.slot, event.now)
    held: list[Held] = []
    for index, candidate in enumerate(body.offers):
        where = f"body.offers[{index}]"
        signed, offer = open_offer(candidate.frame, f"{where}.frame")
        if offer.trader != signed.signer:
            raise E.PeerMarketError(E.AUCTION_NOT_TRADER, f"{where}.frame", "trader is not signer")
        if offer.service != event.service:
            raise E.PeerMarketError(E.AUCTION_WRONG_SERVICE, f"{where}.frame", "other service")
        if not start <= candidate.heard < end:
            raise E.PeerMarketError(
                E.AUCTION_WRONG_SLOT, f"{where}.heard", f"heard outside [{start}, {end})"
            )
        if offer.valid_until > candidate.heard + data.params.max_validity:
            raise E.PeerMarketError(
                E.AUCTION_VALIDITY_TOO_LONG, f"{where}.frame", "valid beyond heard + t"
            )
        held.append(_as_held(signed.digest, offer, candidate.frame, event.sender, candidate.heard))
    return held


def candidates_sound(data: AuctionData, payload: object) -> bool:
    """Every candidate verifies (a bad one raises), and the round has room for them."""
    event = at(payload)
    held = _verified(data, event)
    broker = _broker(data, event.service)
    fresh = {o.digest for o in held} - set(broker.round)
    return len(broker.round) + len(fresh) <= MAX_BROKERS * MAX_TABLE


def take_candidates(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    broker = _broker(data, event.service)
    broker = replace(broker, round=book.merge(broker.round, _verified(data, event)))
    return with_broker(data, event.service, broker), ()
