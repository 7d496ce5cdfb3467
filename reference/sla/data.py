"""The SLA node's data: the services it offers and, per negotiation, what it holds."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple

from reference.identity import Identity
from spec.v1.sla.commands import OfferService, SlaParams
from spec.v1.sla.messages import Requirements, Terms
from spec.v1.sla.search import Description, Wanted


class Negotiation(NamedTuple):
    """One negotiation or agreement, at either party."""

    role: str
    """``consumer`` (this node opened it) or ``provider``."""
    peer: bytes
    """The other party."""
    round: int
    deadline: int
    requirements: Requirements
    """The current round's."""
    offer: bytes | None = None
    """The provider's current ``terms`` frame."""
    offer_digest: bytes | None = None
    """SHA-256 of that frame's body bytes: what an acceptance names."""
    acceptance: bytes | None = None
    """The consumer's ``acceptance`` frame."""
    terms: Terms | None = None
    """The decoded current offer (the SLA's terms once agreed)."""
    reports: int = 0
    used: int = 0
    charged: int = 0
    streaks: tuple[int, ...] = ()
    """Per guarantee: the latest reports in a row outside its bound (empty: all zero)."""
    pair: bytes | None = None
    """A barter agreement's other leg."""


class Closed(NamedTuple):
    """The accounting record of a closed agreement."""

    closed: int
    neg: bytes
    role: str
    peer: bytes
    outcome: str
    reports: int
    charged: int
    penalty: int
    pair: bytes | None
    settled: bool

    @property
    def due(self) -> int:
        return self.charged - self.penalty


class Indexed(NamedTuple):
    """A kept description: the signed frame and what ordering and matching need of it."""

    description: Description
    frame: bytes


class Searching(NamedTuple):
    """An open search."""

    wanted: Wanted
    answered: bool = False
    found: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class SlaData:
    """The whole node: identity and parameters, offered services, negotiations."""

    identity: Identity = field(repr=False, compare=False)
    params: SlaParams
    services: Mapping[bytes, OfferService] = field(default_factory=lambda: MappingProxyType({}))
    controls: Mapping[bytes, str] = field(default_factory=lambda: MappingProxyType({}))
    """Each held negotiation's state in ``sla.agreement``."""
    negotiations: Mapping[bytes, Negotiation] = field(default_factory=lambda: MappingProxyType({}))
    records: tuple[Closed, ...] = ()
    """Closed agreements by (closing tick, id), at most ``MAX_RECORDS``."""
    rules: Mapping[bytes, str] = field(default_factory=lambda: MappingProxyType({}))
    """Security's access rules: ``allow`` or ``deny`` per peer."""
    prices: Mapping[bytes, int] = field(default_factory=lambda: MappingProxyType({}))
    """The latest auction price per service (interface L)."""
    view: tuple[bytes, ...] = ()
    """The leaf-set members known from ``update`` upcalls, ascending."""
    index: Mapping[bytes, "Indexed"] = field(default_factory=lambda: MappingProxyType({}))
    """Kept descriptions by provider id || service id."""
    searches: Mapping[int, "Searching"] = field(default_factory=lambda: MappingProxyType({}))
    """Open searches by number."""
    searched: int = 0
    """Searches made so far."""

    @property
    def self_id(self) -> bytes:
        return self.identity.node_id


def put(
    mapping: Mapping[bytes, object], key: bytes, value: object | None
) -> Mapping[bytes, object]:
    """A copy of ``mapping`` with ``key`` set (or removed for ``None``), keys ascending."""
    items = dict(mapping)
    if value is None:
        items.pop(key, None)
    else:
        items[key] = value
    return MappingProxyType(dict(sorted(items.items())))


def with_negotiation(data: SlaData, neg: bytes, held: Negotiation | None) -> SlaData:
    return replace(data, negotiations=put(data.negotiations, neg, held))  # type: ignore[arg-type]


def with_control(data: SlaData, neg: bytes, control: str) -> SlaData:
    """Set a negotiation's control state; back in ``idle`` it is forgotten with its data."""
    if data.controls.get(neg) == control:
        return data
    if control == "idle":
        return replace(
            data,
            controls=put(data.controls, neg, None),  # type: ignore[arg-type]
            negotiations=put(data.negotiations, neg, None),  # type: ignore[arg-type]
        )
    return replace(data, controls=put(data.controls, neg, control))  # type: ignore[arg-type]
