"""The SLA node's normative observable state: the services it offers, and every
negotiation and agreement it holds, each with its control state."""

from typing import Annotated, Literal

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.sla.commands import OfferService
from spec.v1.sla.constants import MAX_OPEN, MAX_SERVICES
from spec.v1.sla.messages import NegotiationId, Requirements, Round
from spec.v1.stack import RoutedFrame
from spec.v1.types import NodeId, Tick

Role = Literal["consumer", "provider"]
"""Which side of a negotiation this node is: the consumer opened it."""

Control = Literal["calling", "proposed", "refused", "accepting", "answered", "pending"]
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


class SlaState(WireModel):
    """What an SLA node exposes for conformance checks."""

    services: Annotated[tuple[OfferService, ...], Field(max_length=MAX_SERVICES)]
    """The services offered, ascending by service id."""
    negotiations: Annotated[tuple[NegotiationState, ...], Field(max_length=MAX_OPEN)]
    """Every negotiation and agreement held, ascending by id."""
