"""The auction's local commands and its node parameters."""

from typing import Annotated

from pydantic import Field, model_validator

from spec.v1.auction.constants import MAX_BROKERS, MAX_TABLE
from spec.v1.auction.messages import Side
from spec.v1.base import WireModel
from spec.v1.envelope import ReplaySenders
from spec.v1.types import U63_MAX, Amount, Nonce, ServiceId

Ticks = Annotated[int, Field(ge=1, le=1 << 32)]
"""A positive duration in ticks."""


class AuctionParams(WireModel):
    """The auction's design parameters (the same on every node of a market) and the replay
    window's size."""

    brokers: Annotated[int, Field(ge=2, le=MAX_BROKERS, multiple_of=2)]
    """n: the broker set's size, n/2 on each side of the service id."""
    fanout: Annotated[int, Field(ge=1, le=MAX_BROKERS)]
    """f: how many brokers every request and offer goes to (1 <= f <= n)."""
    table: Annotated[int, Field(ge=2, le=MAX_TABLE, multiple_of=2)]
    """m: a broker keeps at most m/2 bids and m/2 asks per service."""
    max_validity: Ticks
    """t: an offer is valid for at most this many ticks after a broker receives it."""
    slot_ticks: Ticks
    """The length of a slot; longer than the largest round trip between two brokers."""
    locate_timeout: Ticks
    """How long a trader waits for the broker set at each attempt (its locate, its fallback
    locate, its takeover request)."""
    replay_senders: ReplaySenders
    """The most senders whose last sequence number the node keeps (1 to 4096)."""

    @model_validator(mode="after")
    def _fanout_within_brokers(self) -> "AuctionParams":
        if self.fanout > self.brokers:
            raise ValueError(f"fanout {self.fanout} exceeds brokers {self.brokers}")
        return self


class LocateCommand(WireModel):
    """Command ``locate``: route a ``locate`` to the service id to learn its broker set."""

    service: ServiceId
    """The service to trade."""
    nonce: Nonce
    """Chosen by the application; the answer echoes it."""


class PriceCommand(WireModel):
    """Command ``price``: ask f brokers for the current bid and ask prices."""

    service: ServiceId
    """The service (its broker set must be known)."""
    nonce: Nonce
    """Chosen by the application; it also picks the f brokers."""


class OfferCommand(WireModel):
    """Command ``offer``: sign an offer and send it to f brokers."""

    service: ServiceId
    """The service (its broker set must be known)."""
    side: Side
    """``bid`` or ``ask``."""
    price: Amount
    """The price in minor units."""
    valid_for: Annotated[int, Field(ge=0, le=U63_MAX)]
    """Ticks the offer stays valid: ``valid_until`` = now + ``valid_for``, at most t."""
