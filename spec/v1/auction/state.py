"""The auction node's normative observable state: what a conformance trace may check."""

from typing import Annotated, Literal

from pydantic import Field

from spec.v1.auction.constants import (
    MAX_BROKERS,
    MAX_NOTICES,
    MAX_OWN_OFFERS,
    MAX_PATH,
    MAX_QUOTES,
    MAX_SENDERS,
    MAX_SERVICES,
    MAX_TABLE,
    MAX_VIEW,
)
from spec.v1.auction.messages import OfferSeq, Side, SlotNumber
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_REPLAY_SENDERS, REPLAY_BUCKETS, BucketFloor, SenderSeq
from spec.v1.types import Amount, NodeId, Nonce, SequenceNumber, ServiceId, Tick

ServiceStatus = Literal["unknown", "locating", "retrying", "taking_over", "trading", "brokering"]
"""A service's state in the ``auction.service`` table, at this node."""

Digest = Annotated[bytes, Field(min_length=32, max_length=32)]
"""SHA-256 of an offer's envelope body bytes: the offer's identity, the same for every copy."""


class Report(WireModel):
    """One broker's word that it received an offer from its trader, and when."""

    broker: NodeId
    """The broker that received it directly."""
    at: Tick
    """The tick at which it did."""


class HeldOffer(WireModel):
    """An offer a broker holds: verified, with who heard it when."""

    digest: Digest
    """The offer's digest."""
    trader: NodeId
    """The signer."""
    side: Side
    """``bid`` or ``ask``."""
    price: Amount
    """The price."""
    seq: OfferSeq
    """The trader's offer number."""
    valid_until: Tick
    """The last tick it may be matched."""
    heard: Annotated[tuple[Report, ...], Field(min_length=1, max_length=MAX_BROKERS)]
    """Every broker known to have received it directly, sorted by broker id."""


class TraderSeq(WireModel):
    """A trader's newest offer as the agreed book last saw it; the same at every honest broker
    of the set, so every one of them drops the same superseded and replayed offers."""

    trader: NodeId
    """The trader."""
    seq: OfferSeq
    """Its newest offer number."""
    digest: Digest | None
    """That offer's digest, or null when two offers with that number differed (the trader
    equivocated: neither is kept)."""
    until: Tick
    """The latest ``valid_until`` of any offer seen from the trader: the entry is dropped
    after it, when every older offer has expired too."""
    done: bool
    """The offer left the book (matched or evicted): a copy that comes back is a replay."""


Book = Annotated[tuple[HeldOffer, ...], Field(max_length=MAX_TABLE // 2)]


class BrokerState(WireModel):
    """What a broker keeps of a service."""

    origin: Tick
    """The start of slot 0."""
    slot: SlotNumber
    """The current slot."""
    brokers: Annotated[tuple[NodeId, ...], Field(min_length=1, max_length=MAX_BROKERS)]
    """The broker set as this node sees it now (its view and itself), ascending by id."""
    bids: Book
    """The agreed book's bids, best first (priority order)."""
    asks: Book
    """The agreed book's asks, best first."""
    pending: Annotated[tuple[HeldOffer, ...], Field(max_length=MAX_TABLE)]
    """Offers received from traders since the last even slot ended, by digest."""
    round: Annotated[tuple[HeldOffer, ...], Field(max_length=MAX_BROKERS * MAX_TABLE)]
    """The candidates of the current round (own and forwarded), by digest: the next odd
    slot's match takes them into the book."""
    newest: Annotated[tuple[TraderSeq, ...], Field(max_length=MAX_SENDERS)]
    """Per trader its newest offer in the agreed book, sorted by trader id."""


class Quote(WireModel):
    """One broker's answer to the trader's latest price request."""

    broker: NodeId
    """The broker."""
    bid: Amount | None
    """Its highest bid, or null."""
    ask: Amount | None
    """Its lowest ask, or null."""


class Notice(WireModel):
    """One broker's report that the trader's offer was matched."""

    broker: NodeId
    """The broker that sent the ``match``."""
    slot: SlotNumber
    """The slot of the match."""
    price: Amount
    """The price it reported."""


class Settlement(WireModel):
    """The match a trader accepted: the report of a majority of the offer's f brokers."""

    slot: SlotNumber
    """The slot of the match."""
    price: Amount
    """The price."""


class OwnOffer(WireModel):
    """An offer the trader made, and what its brokers said of it."""

    digest: Digest
    """The offer's digest."""
    seq: OfferSeq
    """Its offer number."""
    side: Side
    """``bid`` or ``ask``."""
    price: Amount
    """Its price."""
    valid_until: Tick
    """Its last valid tick."""
    brokers: Annotated[tuple[NodeId, ...], Field(min_length=1, max_length=MAX_BROKERS)]
    """The f brokers it was sent to, ascending by id."""
    notices: Annotated[tuple[Notice, ...], Field(max_length=MAX_NOTICES)]
    """The match notices received, sorted by broker id."""
    settled: Settlement | None
    """The accepted match, or null."""


class Hop(WireModel):
    """One node of a fallback locate's path, as it reported itself (``path_hop``)."""

    hop: NodeId
    """The node that forwarded the locate (the report's signer)."""
    next_hop: NodeId
    """The node it forwarded the locate to."""


class TraderState(WireModel):
    """What a trader keeps of a service."""

    nonce: Nonce
    """The nonce of its ``locate`` (and of its fallback locate and takeover request)."""
    hops: Annotated[tuple[Hop, ...], Field(max_length=MAX_PATH)]
    """The path reported for the fallback locate, sorted by hop id (empty while locating and
    trading)."""
    asked: NodeId | None
    """The hop asked to take over the root's part while ``taking_over``, else null."""
    origin: Tick | None
    """The start of slot 0 as the root said, once the broker set is known."""
    brokers: Annotated[tuple[NodeId, ...], Field(max_length=MAX_BROKERS)]
    """The broker set the root sent, ascending by id (empty while locating)."""
    quote_nonce: Nonce | None
    """The nonce of its latest price request, or null."""
    quotes: Annotated[tuple[Quote, ...], Field(max_length=MAX_QUOTES)]
    """The answers to it, sorted by broker id."""
    next_offer: OfferSeq
    """The number its next offer gets."""
    offers: Annotated[tuple[OwnOffer, ...], Field(max_length=MAX_OWN_OFFERS)]
    """Its offers, ascending by offer number; those expired are dropped at its next
    ``offer`` command."""


class ServiceState(WireModel):
    """A service this node trades or brokers."""

    service: ServiceId
    """The service id."""
    status: ServiceStatus
    """Its state in ``auction.service``."""
    trader: TraderState | None
    """Set while locating, retrying, taking over or trading."""
    broker: BrokerState | None
    """Set while brokering."""


class AuctionState(WireModel):
    """What a conformance trace may check of an auction node, canonically ordered."""

    next_seq: SequenceNumber
    """Sequence number of the next envelope this node sends."""
    last_seq: Annotated[tuple[SenderSeq, ...], Field(max_length=MAX_REPLAY_SENDERS)]
    """The replay window, sorted by sender id."""
    replay_floors: Annotated[tuple[BucketFloor, ...], Field(max_length=REPLAY_BUCKETS)]
    """The non-zero replay floors, sorted by bucket."""
    view: Annotated[tuple[NodeId, ...], Field(max_length=MAX_VIEW)]
    """The leaf-set members the overlay reported (``update`` upcalls), ascending by id."""
    services: Annotated[tuple[ServiceState, ...], Field(max_length=MAX_SERVICES)]
    """Every service not in state ``unknown``, ascending by id."""
