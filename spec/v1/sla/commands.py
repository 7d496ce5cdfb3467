"""The SLA node's local commands (the application's and a service's requests) and its
parameters."""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from spec.v1.base import WireModel
from spec.v1.envelope import ReplaySenders
from spec.v1.sla.constants import MAX_OPEN, MAX_RECORDS, MAX_REPLICAS, MAX_ROUNDS, NONCE_BYTES
from spec.v1.sla.messages import (
    NEGOTIATED_BIT,
    Bounds,
    Measures,
    NegotiationId,
    Requirements,
    Units,
    UsedUnits,
    _sorted_metrics,
)
from spec.v1.sla.search import Kind, Names, Version, Wanted
from spec.v1.types import Amount, BasisPoints, NodeId, ServiceId, Tick


class SlaParams(WireModel):
    """The SLA market's parameters (the same on every node) and the replay window's size."""

    max_rounds: Annotated[int, Field(ge=1, le=MAX_ROUNDS)]
    """The most cfps of one negotiation: round ``max_rounds`` is the last."""
    max_deadline: Annotated[int, Field(ge=1, le=1 << 32)]
    """A negotiation's deadline is at most this many ticks after its first cfp."""
    max_open: Annotated[int, Field(ge=1, le=MAX_OPEN)]
    """The most negotiations and agreements one node holds at once."""
    penalty_bp: BasisPoints
    """A breached agreement's penalty: this share of what was charged, in basis points."""
    max_records: Annotated[int, Field(ge=1, le=MAX_RECORDS)]
    """The most records of closed agreements a node keeps; the oldest goes first."""
    pay_within: Annotated[int, Field(ge=0, le=1 << 32)]
    """Ticks after an agreement (or barter pair) closes within which its debtor pays; later,
    the unpaid record counts against the debtor's standing."""
    min_standing: Annotated[int, Field(ge=0, le=MAX_RECORDS)]
    """The least standing of a peer this node negotiates with, unless a rule allows it."""
    newcomer_bp: BasisPoints
    """The price markup for a consumer of standing 0, in basis points of the base price; a
    consumer of standing s pays newcomer_bp // (1 + s)."""
    search_timeout: Annotated[int, Field(ge=1, le=1 << 32)]
    """Ticks a search stays open for its results; its timer then forgets it."""
    replicas: Annotated[int, Field(ge=0, le=MAX_REPLICAS)]
    """How many leaf-set members nearest the key a root copies each description to."""
    replay_senders: ReplaySenders
    """The most senders whose last sequence number the node keeps (1 to 4096)."""


class OfferService(WireModel):
    """Command ``offer_service`` (interface A): a service this node provides, its unit price,
    how much of it one agreement may take, and the QoS it can guarantee. It replaces an earlier
    offer of the same service."""

    service: ServiceId
    """The service."""
    unit_price: Amount
    """The price of one unit, in minor units (the fixed tariff)."""
    max_units: Units
    """The most units one agreement may cover."""
    bounds: Bounds
    """What the provider can guarantee, ascending by metric."""
    pricing: Literal["fixed", "market"]
    """``fixed``: the base price is ``unit_price``; ``market``: the service's latest auction
    price (interface L), or ``unit_price`` until one is known."""
    barter: bool
    """Whether the provider takes a reciprocal service (a barter) as payment."""

    @model_validator(mode="after")
    def _sorted(self) -> "OfferService":
        _sorted_metrics(self.bounds, "bounds")
        return self


class Negotiate(WireModel):
    """Command ``negotiate``: open negotiation ``self id || nonce`` with ``provider``."""

    provider: NodeId
    """The provider asked."""
    nonce: Annotated[bytes, Field(min_length=NONCE_BYTES, max_length=NONCE_BYTES)]
    """Chosen by the application: the last 8 bytes of the negotiation id."""
    deadline: Tick
    """The negotiation's last tick: from now to now + ``max_deadline``."""
    requirements: Requirements
    """Round 1's requirements."""

    @model_validator(mode="after")
    def _negotiated(self) -> "Negotiate":
        if self.nonce[0] & NEGOTIATED_BIT:
            raise ValueError("the nonce's first bit is set: that id names a reciprocal leg")
        return self


class Counter(WireModel):
    """Command ``counter``: a counter-offer, the next round's cfp with new requirements."""

    neg: NegotiationId
    """The negotiation (this node's own)."""
    requirements: Requirements
    """The next round's requirements."""


class Accept(WireModel):
    """Command ``accept``: accept the provider's current offer."""

    neg: NegotiationId
    """The negotiation (this node's own)."""


class Reject(WireModel):
    """Command ``reject``: end the negotiation without an agreement."""

    neg: NegotiationId
    """The negotiation (this node's own)."""


class Start(WireModel):
    """Command ``start`` (interfaces H and I): Service Management starts the agreement's
    service instance, and tells A&C that delivery begins."""

    neg: NegotiationId
    """The agreement (this node provides it)."""


class ReportUsage(WireModel):
    """Command ``usage`` (interface J): the running instance reports usage to A&C."""

    neg: NegotiationId
    """The agreement (this node provides it)."""
    units: UsedUnits
    """Units used since the previous report."""
    measures: Measures
    """The measured values, ascending by metric."""

    @model_validator(mode="after")
    def _sorted(self) -> "ReportUsage":
        _sorted_metrics(self.measures, "measures")
        return self


class Finish(WireModel):
    """Command ``finish`` (interface J): the instance has delivered the service."""

    neg: NegotiationId
    """The agreement (this node provides it)."""


class End(WireModel):
    """Command ``terminate``: this party ends the agreement now."""

    neg: NegotiationId
    """The agreement."""


class Pay(WireModel):
    """Command ``pay`` (A&C to A&C): pay what this node owes on an agreement it consumed."""

    neg: NegotiationId
    """The closed agreement (or one leg of a barter pair) this node consumed."""


AccessRule = Literal["allow", "deny", "default"]
"""``allow``: admit the peer whatever its standing; ``deny``: never; ``default``: remove the
peer's rule, so its standing decides."""


class SetAccess(WireModel):
    """Command ``access`` (Security, interface C): set or remove one peer's rule."""

    peer: NodeId
    """The peer the rule is for."""
    rule: AccessRule
    """The rule."""


class MarketPrice(WireModel):
    """Command ``market_price`` (interface L): the auction's current price of a service
    reaches Pricing."""

    service: ServiceId
    """The service."""
    price: Amount
    """Its latest auction price of one unit, in minor units."""


class Publish(WireModel):
    """Command ``publish`` (interface B): describe an offered service and publish the signed
    description under its type's index key."""

    service: ServiceId
    """The service: one this node offers (``offer_service``)."""
    kind: Kind
    """Its type."""
    functions: Names
    """What it does, ascending."""
    interfaces: Names
    """How it is reached, ascending."""
    valid_until: Tick
    """The description's last tick."""
    version: Version
    """Greater than the version of any earlier description of this service."""


class Search(WireModel):
    """Command ``search`` (interface 1): ask the type's index for matching descriptions."""

    wanted: Wanted
    """What is sought."""
