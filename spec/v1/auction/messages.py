"""The auction's message bodies.

A ``locate`` is never sent by itself: it is an *inner* envelope signed by
the trader with sequence number 0 and travels in the overlay's ``route`` (a
``route`` downcall). An ``offer`` goes from its trader straight to each of
the f brokers it picked, and then, inside ``candidates``, from broker to
broker byte for byte: the trader's envelope is self-authenticating, so a
broker checks one signature per offer it is handed, whoever hands it over.
``path_hop`` and ``takeover`` are the root fallback's (``auction.md``, "The
root fallback"). Lists are in canonical order (see each field).
"""

from typing import Annotated, Final, Literal

from pydantic import Field

from spec.v1.auction.constants import MAX_BROKERS, MAX_TABLE
from spec.v1.base import WireModel
from spec.v1.stack import RoutedFrame
from spec.v1.types import U63_MAX, Amount, NodeId, Nonce, ServiceId, Tick

Side = Literal["bid", "ask"]
"""A bid offers to buy one unit of the service; an ask offers to sell one."""

OfferSeq = Annotated[int, Field(ge=1, le=U63_MAX)]
"""A trader's offer counter for one service: 1 for its first offer, +1 for each next one."""

SlotNumber = Annotated[int, Field(ge=0, le=U63_MAX)]
"""A slot of a service's auction: 0 from the tick the service was first traded."""

BrokerList = Annotated[tuple[NodeId, ...], Field(min_length=1, max_length=MAX_BROKERS)]
"""A broker set, ascending by id."""

INNER_TYPES: Final = ("locate",)
"""The types that only travel as inner frames; a node never accepts them as messages."""


class Offer(WireModel):
    """Inner frame ``offer``: a trader's signed price for one unit of a service."""

    service: ServiceId
    """The service traded."""
    trader: NodeId
    """The trader: MUST be the inner envelope's signer."""
    side: Side
    """``bid`` (buy) or ``ask`` (sell)."""
    price: Amount
    """The price in minor units."""
    seq: OfferSeq
    """The trader's offer number for this service: a newer offer supersedes an older one."""
    valid_until: Tick
    """The last tick at which the offer may be matched; at most ``max_validity`` after the
    tick at which a broker first receives it."""


class Locate(WireModel):
    """Inner frame ``locate``: routed to the service id; its root answers ``broker_set``."""

    service: ServiceId
    """The service whose brokers are sought; the route's key."""
    nonce: Nonce
    """Chosen by the trader; the answer echoes it."""
    fallback: bool
    """False for a trader's first locate; true for its second, the *fallback* locate, which
    every node on the path reports to the trader (``path_hop``)."""


class BrokerSet(WireModel):
    """The root's answer to a ``locate``: who brokers the service, and since when."""

    service: ServiceId
    """The service."""
    nonce: Nonce
    """The locate's nonce."""
    origin: Tick
    """The tick at which the service was first traded: the start of slot 0."""
    brokers: BrokerList
    """The broker set, ascending by id."""


class PathHop(WireModel):
    """A node on the path of a fallback locate tells its trader where it forwarded it."""

    service: ServiceId
    """The locate's service."""
    nonce: Nonce
    """The locate's nonce."""
    next_hop: NodeId
    """The node the overlay handed the locate to next (the ``forward`` upcall's)."""


class Takeover(WireModel):
    """The trader asks a node of the path to act as the service's root."""

    service: ServiceId
    """The service."""
    nonce: Nonce
    """The locate's nonce; the answer (``broker_set``) echoes it."""
    failed: NodeId
    """The node the asked one forwarded the fallback locate to, which did not answer."""


class ServiceNotice(WireModel):
    """The root tells each other member of a new broker set that the service is traded."""

    service: ServiceId
    """The service."""
    origin: Tick
    """The start of slot 0."""
    brokers: BrokerList
    """The broker set as the root computed it, ascending by id."""


class PriceRequest(WireModel):
    """A trader asks a broker for the current bid and ask prices."""

    service: ServiceId
    """The service."""
    nonce: Nonce
    """Chosen by the trader; the reply echoes it."""


class PriceReply(WireModel):
    """A broker's current bid price (highest bid) and ask price (lowest ask)."""

    service: ServiceId
    """The service."""
    nonce: Nonce
    """The request's nonce."""
    bid: Amount | None
    """The highest bid the broker holds, or null."""
    ask: Amount | None
    """The lowest ask the broker holds, or null."""


class Candidate(WireModel):
    """One offer forwarded for the global match, and when the forwarding broker heard it."""

    frame: RoutedFrame
    """The trader's ``offer`` envelope exactly as the forwarding broker received it."""
    heard: Tick
    """The tick at which the forwarding broker received it from the trader."""


class Candidates(WireModel):
    """At the end of an even slot a broker forwards the offers it received in that round."""

    service: ServiceId
    """The service."""
    slot: SlotNumber
    """The even slot that just ended."""
    offers: Annotated[tuple[Candidate, ...], Field(min_length=1, max_length=MAX_TABLE)]
    """The offers, ascending by digest (the SHA-256 of the offer's body bytes)."""


class Match(WireModel):
    """A broker tells a trader whose offer it received that the offer was matched."""

    service: ServiceId
    """The service."""
    slot: SlotNumber
    """The odd slot at whose end the match was made."""
    offer: Annotated[bytes, Field(min_length=32, max_length=32)]
    """The offer's digest: SHA-256 of its envelope's body bytes."""
    price: Amount
    """The price of the trade."""
