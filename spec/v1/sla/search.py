"""The SLA protocol's search (interfaces B and 1): service descriptions signed by their
providers, published over the overlay under a key derived from the service type and
stored at the key's root and its replicas, and the queries that find them
(``sla.md``, "Descriptions and search").

Both routed frames are inner envelopes (sequence number 0) that the overlay carries to
the key's root: a ``description``, signed by its provider, and a ``query``, signed by the
consumer searching. The root answers a query with ``results``, the signed descriptions
that match it, so a consumer can check every one and a lying index is caught.
"""

import hashlib
from typing import Annotated, Literal

from pydantic import Field, model_validator

from spec.v1.base import WireModel
from spec.v1.sla.constants import INDEX_PREFIX, MAX_NAMES, MAX_RESULTS
from spec.v1.sla.messages import Bounds, Guarantees, Units, _sorted_metrics
from spec.v1.stack import RoutedFrame
from spec.v1.types import ID_BYTES, U63_MAX, Amount, NodeId, ServiceId, Tick

Kind = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_.-]*$")]
"""A service type, e.g. ``video.stream``: what a description is indexed and found under."""

Name = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_.-]*$")]
"""A functionality or interface name."""

Names = Annotated[tuple[Name, ...], Field(max_length=MAX_NAMES)]
"""Names, ascending and unique."""

Version = Annotated[int, Field(ge=1, le=U63_MAX)]
"""A description's version: a newer one replaces an older one of the same service."""


def index_key(kind: str) -> bytes:
    """The overlay key of a service type's index: SHA-256(INDEX_PREFIX || UTF-8 type)[:16]."""
    return hashlib.sha256(INDEX_PREFIX + kind.encode()).digest()[:ID_BYTES]


def _ascending(names: tuple[str, ...], what: str) -> None:
    if list(names) != sorted(set(names)):
        raise ValueError(f"{what} must be ascending and unique")


class Description(WireModel):
    """Inner frame ``description``: what a provider offers, signed by it (interface B)."""

    provider: NodeId
    """The provider: MUST be the frame's signer."""
    service: ServiceId
    """The service, as offered with ``offer_service``."""
    kind: Kind
    """Its type: the index it is published under."""
    functions: Names
    """What it does, ascending."""
    interfaces: Names
    """How it is reached, ascending."""
    bounds: Bounds
    """The QoS it can guarantee, ascending by metric (the offer's)."""
    unit_price: Amount
    """Its tariff (the offer's ``unit_price``): what a newcomer pays before any markup."""
    pricing: Literal["fixed", "market"]
    """The offer's pricing."""
    max_units: Units
    """The most units one agreement may cover."""
    barter: bool
    """Whether a reciprocal service is taken as payment (money always is)."""
    valid_until: Tick
    """The last tick the description holds; an index drops it after."""
    version: Version
    """Greater than every earlier version of this provider's description of this service."""

    @model_validator(mode="after")
    def _ordered(self) -> "Description":
        _sorted_metrics(self.bounds, "bounds")
        _ascending(self.functions, "functions")
        _ascending(self.interfaces, "interfaces")
        return self


class Wanted(WireModel):
    """What a query asks for: the matching rule of ``sla.md`` compares it with descriptions."""

    kind: Kind
    """The service type, and so the index asked."""
    functions: Names
    """Names every result MUST list among its functions."""
    units: Units
    """Every result MUST cover at least this many units in one agreement."""
    max_price: Amount
    """Every result's tariff MUST be at most this."""
    guarantees: Guarantees
    """Every result MUST be able to guarantee each of these (the cfp's rule)."""
    barter: bool
    """True: every result MUST take barter."""

    @model_validator(mode="after")
    def _ordered(self) -> "Wanted":
        _sorted_metrics(self.guarantees, "guarantees")
        _ascending(self.functions, "functions")
        return self


SearchNumber = Annotated[int, Field(ge=1, le=U63_MAX)]
"""A node's searches are numbered 1, 2, 3, ... in the order it makes them."""


class Query(WireModel):
    """Inner frame ``query``: a consumer's search, routed to its type's index key."""

    ordinal: SearchNumber
    """The consumer's search number; the results echo it."""
    wanted: Wanted
    """What is sought."""


class Store(WireModel):
    """A key's root to a replica: keep this description too."""

    description: RoutedFrame
    """The provider's signed ``description`` frame, byte for byte as published."""


class Results(WireModel):
    """An index to the consumer: the descriptions that match its query, best first."""

    ordinal: SearchNumber
    """The query's number."""
    descriptions: Annotated[tuple[RoutedFrame, ...], Field(max_length=MAX_RESULTS)]
    """Signed ``description`` frames, by tariff then provider then service, at most 16."""
