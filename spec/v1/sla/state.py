"""The SLA node's normative observable state: the services it offers, and every
negotiation and agreement it holds, each with its control state."""

from typing import Annotated, Literal

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.sla.commands import MarketPrice, OfferService
from spec.v1.sla.constants import (
    MAX_GUARANTEES,
    MAX_INDEX,
    MAX_OPEN,
    MAX_RECORDS,
    MAX_RESULTS,
    MAX_RULES,
    MAX_SEARCHES,
    MAX_SERVICES,
    MAX_VIEW,
)
from spec.v1.sla.messages import NegotiationId, ReportCount, Requirements, Round, UsedUnits
from spec.v1.sla.search import Kind, SearchNumber, Version, Wanted
from spec.v1.stack import RoutedFrame
from spec.v1.types import U63_MAX, Amount, NodeId, ServiceId, Tick

Role = Literal["consumer", "provider"]
"""Which side of a negotiation this node is: the consumer opened it."""

Control = Literal["calling", "proposed", "refused", "accepting", "answered", "pending", "observed"]
"""A negotiation's state in ``sla.agreement`` (``idle`` ones are not listed)."""


class NegotiationState(WireModel):
    """One negotiation or agreement, as this node holds it."""

    neg: NegotiationId
    """The negotiation id."""
    state: Control
    """Its control state."""
    role: Role
    """This node's side."""
    peer: NodeId
    """The other party."""
    round: Round
    """The current round."""
    deadline: Tick
    """The negotiation's last tick."""
    requirements: Requirements
    """The current round's requirements."""
    offer: RoutedFrame | None
    """The provider's current ``terms`` frame (null after a refusal)."""
    acceptance: RoutedFrame | None
    """The consumer's ``acceptance`` frame once it accepted."""
    reports: ReportCount
    """Usage reports so far (0 before the service runs)."""
    used: UsedUnits
    """Units reported used so far."""
    charged: Amount
    """The tariff applied to the reports so far: unit_price * used."""
    streaks: Annotated[tuple[ReportCount, ...], Field(max_length=MAX_GUARANTEES)]
    """Per guarantee of the terms, in their order: how many of the latest reports in a row
    were outside its bound (empty before the SLA exists)."""
    pair: NegotiationId | None
    """A barter agreement's other leg (from ``pending`` on), or null."""


Outcome = Literal["completed", "violated", "terminated"]
"""How an agreement ended: its service delivered, breached, or ended early by a party."""


class Record(WireModel):
    """The accounting record of a closed agreement (A&C), as this party keeps it."""

    neg: NegotiationId
    """The agreement."""
    role: Role
    """This node's side."""
    peer: NodeId
    """The other party."""
    outcome: Outcome
    """How it ended."""
    closed: Tick
    """The tick it ended."""
    reports: ReportCount
    """Its usage reports."""
    charged: Amount
    """The tariff applied to its usage."""
    penalty: Amount
    """The provider's penalty for a breach (0 unless violated)."""
    due: Amount
    """What the consumer owes and the provider is credited: charged - penalty."""
    pair: NegotiationId | None
    """A barter leg's other leg, or null."""
    settled: bool
    """Paid (or, for a barter pair, both legs settled together); true at once when nothing
    is owed."""


class Rule(WireModel):
    """An access rule of Security (interface C)."""

    peer: NodeId
    """The peer."""
    rule: Literal["allow", "deny"]
    """Admit it whatever its standing, or never."""


class IndexEntry(WireModel):
    """A description this node keeps as its type's index (root or replica)."""

    provider: NodeId
    """Its provider."""
    service: ServiceId
    """Its service."""
    kind: Kind
    """Its type."""
    version: Version
    """Its version."""
    valid_until: Tick
    """Its last tick."""
    description: RoutedFrame
    """The signed frame, byte for byte."""


class SearchState(WireModel):
    """One of this node's open searches."""

    ordinal: SearchNumber
    """Its number."""
    wanted: Wanted
    """What it asked for."""
    answered: bool
    """Whether the results came."""
    found: Annotated[tuple[RoutedFrame, ...], Field(max_length=MAX_RESULTS)]
    """The signed descriptions found, in the results' order."""


class SlaState(WireModel):
    """What an SLA node exposes for conformance checks."""

    services: Annotated[tuple[OfferService, ...], Field(max_length=MAX_SERVICES)]
    """The services offered, ascending by service id."""
    negotiations: Annotated[tuple[NegotiationState, ...], Field(max_length=2 * MAX_OPEN)]
    """Every negotiation and agreement held, ascending by id (reciprocal legs included: at
    most 2 * max_open)."""
    records: Annotated[tuple[Record, ...], Field(max_length=MAX_RECORDS)]
    """Closed agreements, oldest first (by closing tick, then id)."""
    rules: Annotated[tuple[Rule, ...], Field(max_length=MAX_RULES)]
    """Access rules, ascending by peer."""
    prices: Annotated[tuple[MarketPrice, ...], Field(max_length=MAX_SERVICES)]
    """The latest auction price of each service it was given for, ascending by service."""
    view: Annotated[tuple[NodeId, ...], Field(max_length=MAX_VIEW)]
    """The leaf-set members it knows of (``update`` upcalls), ascending."""
    index: Annotated[tuple[IndexEntry, ...], Field(max_length=MAX_INDEX)]
    """The descriptions it keeps, ascending by provider then service."""
    searches: Annotated[tuple[SearchState, ...], Field(max_length=MAX_SEARCHES)]
    """Its open searches, by number."""
    searched: Annotated[int, Field(ge=0, le=U63_MAX)]
    """How many searches it has made: the next is number searched + 1."""
