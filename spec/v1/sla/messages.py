"""The SLA protocol's message bodies and the two signed inner frames an SLA is made of.

A negotiation runs between a *consumer* (FIPA's Initiator, which sends the ``cfp``)
and a *provider* (the Participant). Every message names the negotiation by its id,
the consumer's node id followed by the consumer's nonce, so an id is unique on
every node and names the party that opened it. The provider's binding offer is an
inner frame ``terms`` that it signs (sequence number 0); the consumer accepts it
with an inner frame ``acceptance`` that it signs over the digest of those terms.
The two frames together are the SLA: both parties' signatures over every term.

A barter SLA's price is a reciprocal agreement: the terms carry the consumer's ``barter``
leg, the service it provides to the provider in return. That leg runs as an agreement of
its own, with the parties' roles swapped, under the id :func:`reciprocal_id` derives
(``sla.md``, "Barter").
"""

from typing import Annotated, Final, Literal

from pydantic import Field, model_validator

from spec.v1.base import WireModel
from spec.v1.sla.constants import MAX_GUARANTEES, MAX_MEASURES, MAX_ROUNDS, MAX_UNITS, MAX_WINDOW
from spec.v1.stack import RoutedFrame
from spec.v1.types import ID_BYTES, U63_MAX, Amount, NodeId, ServiceId, Tick

NegotiationId = Annotated[bytes, Field(min_length=ID_BYTES + 8, max_length=ID_BYTES + 8)]
"""The consumer's node id (16 bytes) followed by its nonce (8 bytes)."""

Round = Annotated[int, Field(ge=1, le=MAX_ROUNDS)]
"""A negotiation's round: 1 for the first cfp, +1 for every counter-offer."""

Digest = Annotated[bytes, Field(min_length=32, max_length=32)]
"""SHA-256 of an inner frame's body bytes."""

MetricName = Annotated[str, Field(min_length=1, max_length=23, pattern=r"^[a-z][a-z0-9_]*$")]
"""A measured quantity, e.g. ``latency`` or ``throughput``."""

UnitName = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9/%._-]+$")]
"""The unit a metric is measured in, e.g. ``ms`` or ``kbit/s``: compared as bytes."""

Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
"""How many units of the service an agreement covers."""

NEGOTIATED_BIT: Final = 0x80
"""The first bit of a nonce: 0 in every id a ``cfp`` opens, 1 in a reciprocal leg's id."""


def reciprocal_id(neg: bytes, provider: bytes) -> bytes:
    """A barter agreement's reciprocal leg: the provider (its consumer) followed by the
    nonce with its first bit set. No cfp opens such an id, so it is unique at both parties."""
    nonce = neg[ID_BYTES:]
    return provider + bytes((nonce[0] | NEGOTIATED_BIT,)) + nonce[1:]


def is_reciprocal(neg: bytes) -> bool:
    """The id of a barter's reciprocal leg, which no cfp may open."""
    return bool(neg[ID_BYTES] & NEGOTIATED_BIT)


Comparison = Literal["ge", "le"]
"""How a measured value must compare with its bound: ``ge`` at least, ``le`` at most."""

INNER_TYPES: Final = ("terms", "acceptance", "description", "query")
"""The types that only travel as inner frames; a node never accepts them as messages."""

REFUSE_REASONS: Final = ("no_service", "units", "price", "barter", "guarantee")
"""Why a provider refuses a cfp, in the order the checks run (``sla.md``)."""

RefuseReason = Literal["no_service", "units", "price", "barter", "guarantee"]


class Bound(WireModel):
    """A QoS bound: ``metric`` (in ``unit``) compared by ``op`` with ``bound``."""

    metric: MetricName
    """What is measured."""
    unit: UnitName
    """Its unit."""
    op: Comparison
    """``ge``: the measured value must be at least ``bound``; ``le``: at most."""
    bound: Annotated[int, Field(ge=0, le=U63_MAX)]
    """The bound, an integer in ``unit``."""


class Guarantee(Bound):
    """A bound the provider guarantees, and how many consecutive usage reports outside it
    breach the agreement (enforced once agreements run; the SLA names it now)."""

    window: Annotated[int, Field(ge=1, le=MAX_WINDOW)]
    """k: the breach window."""


def _sorted_metrics(items: "tuple[Bound, ...] | tuple[Measure, ...]", what: str) -> None:
    metrics = [item.metric for item in items]
    if metrics != sorted(set(metrics)):
        raise ValueError(f"{what} must be ascending by metric, one per metric")


Guarantees = Annotated[tuple[Guarantee, ...], Field(max_length=MAX_GUARANTEES)]
"""Guarantees ascending by metric name, at most one per metric."""

Bounds = Annotated[tuple[Bound, ...], Field(max_length=MAX_GUARANTEES)]
"""Bounds ascending by metric name, at most one per metric."""


def _period_and_value(start: int, end: int, unit_price: int, units: int, what: str) -> None:
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    if unit_price * units > U63_MAX:
        raise ValueError(f"{what} * units exceeds 2^63 - 1")


class Leg(WireModel):
    """A barter's reciprocal leg: the service the consumer provides to the provider in return,
    priced at the consumer's own unit price (what settles any difference in value)."""

    service: ServiceId
    """The service the consumer provides."""
    units: Units
    """How many units of it."""
    unit_price: Amount
    """Its price of one unit, in minor units."""
    guarantees: Guarantees
    """What the consumer guarantees, ascending by metric."""
    start: Tick
    """The first tick of its delivery."""
    end: Tick
    """The last tick of its delivery (``start <= end``)."""

    @model_validator(mode="after")
    def _consistent(self) -> "Leg":
        _sorted_metrics(self.guarantees, "guarantees")
        _period_and_value(self.start, self.end, self.unit_price, self.units, "unit_price")
        return self


class Requirements(WireModel):
    """What a consumer asks for: the service, how much of it, at most what unit price, with
    which guarantees, and when."""

    service: ServiceId
    """The service wanted."""
    units: Units
    """How many units."""
    max_price: Amount
    """The highest unit price the consumer will pay, in minor units."""
    guarantees: Guarantees
    """The guarantees the consumer requires."""
    start: Tick
    """The first tick of service delivery."""
    end: Tick
    """The last tick of service delivery (``start <= end``)."""
    barter: Leg | None
    """What the consumer provides in return (a barter), or null to pay in money only."""

    @model_validator(mode="after")
    def _consistent(self) -> "Requirements":
        _sorted_metrics(self.guarantees, "guarantees")
        _period_and_value(self.start, self.end, self.max_price, self.units, "max_price")
        return self


class Terms(WireModel):
    """Inner frame ``terms``: the provider's binding offer, every term of the SLA, signed by
    the provider. The agreed price is ``unit_price * units``."""

    neg: NegotiationId
    """The negotiation; its first 16 bytes are the consumer."""
    round: Round
    """The round the offer answers."""
    provider: NodeId
    """The provider: MUST be the frame's signer."""
    consumer: NodeId
    """The consumer: MUST be the negotiation id's first 16 bytes."""
    service: ServiceId
    """The service."""
    units: Units
    """How many units, as required."""
    unit_price: Amount
    """The provider's unit price, at most the required ``max_price``."""
    guarantees: Guarantees
    """The required guarantees, exactly."""
    start: Tick
    """As required."""
    end: Tick
    """As required."""
    barter: Leg | None
    """As required: the reciprocal leg the consumer provides, or null."""

    @model_validator(mode="after")
    def _consistent(self) -> "Terms":
        _sorted_metrics(self.guarantees, "guarantees")
        if self.neg[:ID_BYTES] != self.consumer:
            raise ValueError("the negotiation id does not begin with the consumer")
        _period_and_value(self.start, self.end, self.unit_price, self.units, "unit_price")
        return self


class Acceptance(WireModel):
    """Inner frame ``acceptance``: the consumer's signature over the provider's terms."""

    neg: NegotiationId
    """The negotiation."""
    consumer: NodeId
    """The consumer: MUST be the frame's signer."""
    terms: Digest
    """SHA-256 of the accepted ``terms`` frame's body bytes."""


class Cfp(WireModel):
    """Consumer to provider: a call for proposals, the first (round 1) or a counter-offer."""

    neg: NegotiationId
    """The negotiation; its first 16 bytes MUST be the sender."""
    round: Round
    """1, or the previous round + 1."""
    deadline: Tick
    """The last tick of the negotiation, the same in every round."""
    requirements: Requirements
    """What the consumer asks for in this round."""

    @model_validator(mode="after")
    def _negotiated(self) -> "Cfp":
        if is_reciprocal(self.neg):
            raise ValueError("the nonce's first bit is set: that id names a reciprocal leg")
        return self


class Propose(WireModel):
    """Provider to consumer: a binding offer that meets the round's requirements."""

    neg: NegotiationId
    """The negotiation."""
    round: Round
    """The round answered."""
    terms: RoutedFrame
    """The provider's signed inner frame ``terms``."""


class Refuse(WireModel):
    """Provider to consumer: the round's requirements cannot be met, and why."""

    neg: NegotiationId
    """The negotiation."""
    round: Round
    """The round answered."""
    reason: RefuseReason
    """The first check that failed (``sla.md``, "Answering a cfp")."""
    ask: Amount | None
    """The provider's unit price for the service, or null when it does not offer it."""


class AcceptProposal(WireModel):
    """Consumer to provider: the round's offer is accepted."""

    neg: NegotiationId
    """The negotiation."""
    acceptance: RoutedFrame
    """The consumer's signed inner frame ``acceptance``."""


class RejectProposal(WireModel):
    """Consumer to provider: the negotiation ends without an agreement."""

    neg: NegotiationId
    """The negotiation."""
    round: Round
    """The current round."""


class Agreement(WireModel):
    """Provider to consumer: the SLA, both signed frames, confirming the acceptance."""

    neg: NegotiationId
    """The negotiation."""
    terms: RoutedFrame
    """The provider's ``terms`` frame, byte for byte as proposed."""
    acceptance: RoutedFrame
    """The consumer's ``acceptance`` frame, byte for byte as sent."""


ReportCount = Annotated[int, Field(ge=0, le=U63_MAX)]
"""How many usage reports an agreement has had: report ``seq`` is the seq-th, from 1."""

UsedUnits = Annotated[int, Field(ge=0, le=MAX_UNITS)]
"""Units reported used (one report's, or an agreement's so far)."""


class Measure(WireModel):
    """One measured value of a usage report, in the guarantee's unit."""

    metric: MetricName
    """What was measured."""
    value: Annotated[int, Field(ge=0, le=U63_MAX)]
    """The value."""


Measures = Annotated[tuple[Measure, ...], Field(max_length=MAX_MEASURES)]
"""Measured values ascending by metric, one per metric."""


class Usage(WireModel):
    """Provider to consumer: one usage report of the running service (interface J), as the
    provider's A&C recorded it."""

    neg: NegotiationId
    """The agreement (its negotiation's id)."""
    seq: Annotated[int, Field(ge=1, le=U63_MAX)]
    """1 for the agreement's first report, +1 for each next one."""
    units: UsedUnits
    """Units used since the previous report."""
    measures: Measures
    """The measured values, ascending by metric."""

    @model_validator(mode="after")
    def _sorted(self) -> "Usage":
        _sorted_metrics(self.measures, "measures")
        return self


class InformDone(WireModel):
    """Provider to consumer: the service instance finished; what the provider charges."""

    neg: NegotiationId
    """The agreement."""
    reports: ReportCount
    """How many usage reports the agreement had."""
    charged: Amount
    """The tariff applied to them: unit_price times the units reported."""


class Terminate(WireModel):
    """Either party to the other: the agreement ends now, before its service completes."""

    neg: NegotiationId
    """The agreement."""


class Payment(WireModel):
    """Consumer's A&C to provider's A&C: payment of what is due on a closed agreement, or of
    the difference a barter pair leaves (``sla.md``, "Payment and settlement")."""

    neg: NegotiationId
    """The agreement paid for: one the payer consumed."""
    amount: Annotated[int, Field(ge=1, le=U63_MAX)]
    """What is paid, in minor units: exactly what the payer owes."""
