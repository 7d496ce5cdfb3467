"""The ``auction`` protocol: PeerMart's double auction on the overlay (Hausheer & Stiller).

A service's broker set is the n nodes around its id in the root's leaf set;
traders sign offers and send each to f of them; brokers forward candidates
at the end of every even slot and all run the same global match at the end
of every odd slot. A trader whose root does not answer falls back on the
nodes of its locate's path: the one closest to the service takes over the
root's part. One concept per module:

- :mod:`~spec.v1.auction.constants`: sizes, bounds and timers;
- :mod:`~spec.v1.auction.messages`: the message bodies (and the inner frames);
- :mod:`~spec.v1.auction.commands`: commands and :class:`AuctionParams`;
- :mod:`~spec.v1.auction.state`: the observable state :class:`AuctionState`;
- :mod:`~spec.v1.auction.table`: the machines :data:`TABLES`.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from spec.v1.auction.commands import AuctionParams, LocateCommand, OfferCommand, PriceCommand
from spec.v1.auction.constants import PROTOCOL
from spec.v1.auction.messages import (
    INNER_TYPES,
    BrokerSet,
    Candidates,
    Locate,
    Match,
    Offer,
    PathHop,
    PriceReply,
    PriceRequest,
    ServiceNotice,
    Takeover,
)
from spec.v1.auction.state import AuctionState
from spec.v1.auction.table import NODE_TABLE, SERVICE_TABLE, TABLES
from spec.v1.base import WireModel

MESSAGE_TYPES: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {
        "locate": Locate,
        "offer": Offer,
        "broker_set": BrokerSet,
        "service_notice": ServiceNotice,
        "price_request": PriceRequest,
        "price_reply": PriceReply,
        "candidates": Candidates,
        "match": Match,
        "path_hop": PathHop,
        "takeover": Takeover,
    }
)
"""Every auction message type and its body model (``locate`` only as an inner frame)."""

COMMAND_TYPES: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {"locate": LocateCommand, "price": PriceCommand, "offer": OfferCommand}
)
"""Every auction command and its argument model."""

__all__ = [
    "COMMAND_TYPES",
    "INNER_TYPES",
    "MESSAGE_TYPES",
    "NODE_TABLE",
    "PROTOCOL",
    "SERVICE_TABLE",
    "TABLES",
    "AuctionParams",
    "AuctionState",
]
