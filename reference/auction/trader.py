"""The trader's side of ``auction.service``: locate the broker set (falling back on the
locate's path when the root does not answer), ask prices, send offers, and settle a match
once a majority of the offer's brokers report it."""

import hashlib
from dataclasses import replace

from reference.auction.brokers import offer_salt, pick
from reference.auction.context import At, at
from reference.auction.data import AuctionData, Notice, OwnOffer, TraderData, with_trader
from reference.codec import encode_message
from reference.effects import CancelTimer, Effect, Emit, RouteDowncall, StartTimer
from spec.v1.auction.commands import LocateCommand, OfferCommand, PriceCommand
from spec.v1.auction.constants import MAX_OWN_OFFERS, MAX_PATH, MAX_SERVICES, TIMER_LOCATE
from spec.v1.auction.messages import (
    BrokerSet,
    Locate,
    Match,
    Offer,
    PathHop,
    PriceReply,
    PriceRequest,
    Takeover,
)
from spec.v1.overlay.constants import RING

Result = tuple[AuctionData, tuple[Effect, ...]]


def timer_name(kind: str, service: bytes) -> str:
    """``locate.<hex>`` or ``slot.<hex>``: one timer per service and purpose."""
    return f"{kind}.{service.hex()}"


def room_for_service(data: AuctionData, payload: object) -> bool:
    return len(data.controls) < MAX_SERVICES


def _wait(data: AuctionData, event: At) -> StartTimer:
    """The locate timer of the event's service, due ``locate_timeout`` from now (each attempt:
    the locate, the fallback locate, the takeover request)."""
    return StartTimer(
        timer_name(TIMER_LOCATE, event.service), event.now + data.params.locate_timeout
    )


def start_locate(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    args = event.args
    assert isinstance(args, LocateCommand)
    body = Locate(service=args.service, nonce=args.nonce, fallback=False)
    data = with_trader(data, args.service, TraderData(nonce=args.nonce))
    return data, (RouteDowncall("locate", args.service, body), _wait(data, event))


def _trader(data: AuctionData, service: bytes) -> TraderData:
    return data.traders[service]


def answers_locate(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    body = event.body
    assert isinstance(body, BrokerSet)
    return body.nonce == _trader(data, event.service).nonce and event.sender in body.brokers


def learn_brokers(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    body = event.body
    assert isinstance(body, BrokerSet)
    brokers = tuple(sorted(set(body.brokers)))
    trader = replace(
        _trader(data, event.service), origin=body.origin, brokers=brokers, hops=(), asked=None
    )
    cancel = CancelTimer(timer_name(TIMER_LOCATE, event.service))
    return with_trader(data, event.service, trader), (cancel,)


def give_up(data: AuctionData, payload: object) -> Result:
    return data, ()


# -- the root fallback --


def retry_locate(data: AuctionData, payload: object) -> Result:
    """Route the locate again, same nonce, as a fallback locate; wait again."""
    event = at(payload)
    nonce = _trader(data, event.service).nonce
    body = Locate(service=event.service, nonce=nonce, fallback=True)
    return data, (RouteDowncall("locate", event.service, body), _wait(data, event))


def _hop(event: At) -> PathHop:
    body = event.body
    assert isinstance(body, PathHop)
    return body


def hop_expected(data: AuctionData, payload: object) -> bool:
    """For the locate's nonce, from a node not yet recorded, while fewer than MAX_PATH are."""
    event = at(payload)
    trader = _trader(data, event.service)
    return (
        _hop(event).nonce == trader.nonce
        and all(hop != event.sender for hop, _ in trader.hops)
        and len(trader.hops) < MAX_PATH
    )


def record_hop(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    trader = _trader(data, event.service)
    hops = tuple(sorted((*trader.hops, (event.sender, _hop(event).next_hop))))
    return with_trader(data, event.service, replace(trader, hops=hops)), ()


def hops_recorded(data: AuctionData, payload: object) -> bool:
    return bool(_trader(data, at(payload).service).hops)


def ring_distance(a: bytes, b: bytes) -> int:
    """The shorter way round the ring between two ids (unsigned 128-bit big-endian)."""
    gap = (int.from_bytes(a, "big") - int.from_bytes(b, "big")) % RING
    return min(gap, RING - gap)


def closest_hop(trader: TraderData, service: bytes) -> tuple[bytes, bytes]:
    """The recorded (hop, next hop) whose hop is nearest the service; ties the smaller id."""
    return min(trader.hops, key=lambda entry: (ring_distance(entry[0], service), entry[0]))


def ask_takeover(data: AuctionData, payload: object) -> Result:
    """Ask the hop nearest the service to act as root in place of the node it forwarded to."""
    event = at(payload)
    trader = _trader(data, event.service)
    hop, failed = closest_hop(trader, event.service)
    body = Takeover(service=event.service, nonce=trader.nonce, failed=failed)
    data = with_trader(data, event.service, replace(trader, asked=hop))
    return data, (Emit("takeover", hop, body), _wait(data, event))


def request_price(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    args = event.args
    assert isinstance(args, PriceCommand)
    trader = _trader(data, event.service)
    asked = pick(trader.brokers, data.self_id, event.service, args.nonce, data.params.fanout)
    body = PriceRequest(service=event.service, nonce=args.nonce)
    trader = replace(trader, quote_nonce=args.nonce, quotes=())
    emits = tuple(Emit("price_request", broker, body) for broker in asked)
    return with_trader(data, event.service, trader), emits


def quote_expected(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    body = event.body
    assert isinstance(body, PriceReply)
    trader = _trader(data, event.service)
    if trader.quote_nonce is None or body.nonce != trader.quote_nonce:
        return False
    asked = pick(trader.brokers, data.self_id, event.service, body.nonce, data.params.fanout)
    return event.sender in asked and all(broker != event.sender for broker, _, _ in trader.quotes)


def record_quote(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    body = event.body
    assert isinstance(body, PriceReply)
    trader = _trader(data, event.service)
    quotes = tuple(sorted((*trader.quotes, (event.sender, body.bid, body.ask))))
    return with_trader(data, event.service, replace(trader, quotes=quotes)), ()


def _live(trader: TraderData, now: int) -> tuple[OwnOffer, ...]:
    """The trader's offers that have not expired (an expired one is forgotten)."""
    return tuple(offer for offer in trader.offers if offer.valid_until >= now)


def offer_allowed(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    args = event.args
    assert isinstance(args, OfferCommand)
    live = _live(_trader(data, event.service), event.now)
    return args.valid_for <= data.params.max_validity and len(live) < MAX_OWN_OFFERS


def send_offer(data: AuctionData, payload: object) -> Result:
    event = at(payload)
    args = event.args
    assert isinstance(args, OfferCommand)
    trader = _trader(data, event.service)
    seq = trader.next_offer
    offer = Offer(
        service=event.service,
        trader=data.self_id,
        side=args.side,
        price=args.price,
        seq=seq,
        valid_until=event.now + args.valid_for,
    )
    chosen = pick(trader.brokers, data.self_id, event.service, offer_salt(seq), data.params.fanout)
    own = OwnOffer(
        digest=hashlib.sha256(encode_message(offer)).digest(),
        seq=seq,
        side=args.side,
        price=args.price,
        valid_until=offer.valid_until,
        brokers=chosen,
    )
    trader = replace(trader, next_offer=seq + 1, offers=(*_live(trader, event.now), own))
    emits = tuple(Emit("offer", broker, offer) for broker in chosen)
    return with_trader(data, event.service, trader), emits


def _offer_of(trader: TraderData, digest: bytes) -> OwnOffer | None:
    return next((offer for offer in trader.offers if offer.digest == digest), None)


def notice_expected(data: AuctionData, payload: object) -> bool:
    event = at(payload)
    body = event.body
    assert isinstance(body, Match)
    offer = _offer_of(_trader(data, event.service), body.offer)
    return (
        offer is not None
        and event.sender in offer.brokers
        and all(notice.broker != event.sender for notice in offer.notices)
    )


def record_notice(data: AuctionData, payload: object) -> Result:
    """Keep the notice; the first (slot, price) reported by a majority of the offer's
    brokers settles it, and later notices never change a settled offer."""
    event = at(payload)
    body = event.body
    assert isinstance(body, Match)
    trader = _trader(data, event.service)
    offer = _offer_of(trader, body.offer)
    assert offer is not None
    notices = tuple(sorted((*offer.notices, Notice(event.sender, body.slot, body.price))))
    settled = offer.settled
    agreeing = sum(1 for n in notices if (n.slot, n.price) == (body.slot, body.price))
    if settled is None and agreeing >= len(offer.brokers) // 2 + 1:
        settled = (body.slot, body.price)
    updated = offer._replace(notices=notices, settled=settled)
    offers = tuple(updated if o.digest == offer.digest else o for o in trader.offers)
    return with_trader(data, event.service, replace(trader, offers=offers)), ()
