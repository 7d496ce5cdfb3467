"""The auction node's data: its view of the leaf set and, per service, a trader or a broker."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import NamedTuple

from reference.identity import Identity
from spec.v1.auction.commands import AuctionParams


class Held(NamedTuple):
    """An offer a broker holds: the decoded offer, its frame, and who heard it when."""

    digest: bytes
    trader: bytes
    side: str
    price: int
    seq: int
    valid_until: int
    frame: bytes
    heard: tuple[tuple[bytes, int], ...]
    """(broker, tick) reports, sorted by broker, one per broker."""


class Spent(NamedTuple):
    """A trader's newest offer as the agreed book last saw it (shared by honest brokers)."""

    seq: int
    digest: bytes | None
    """The offer with that number, or ``None`` when two differed (the trader equivocated)."""
    until: int
    """The latest ``valid_until`` of any offer seen from the trader: kept until then."""
    done: bool = False
    """The offer left the book (matched or evicted): a copy that comes back is a replay."""


@dataclass(frozen=True)
class BrokerData:
    """What a broker keeps of one service."""

    origin: int
    slot: int
    bids: tuple[Held, ...] = ()
    asks: tuple[Held, ...] = ()
    pending: MappingProxyType[bytes, Held] = field(default_factory=lambda: MappingProxyType({}))
    """Offers received from traders since the last even slot ended, by trader (one each).
    A proxy, not any mapping: every offer copies it, and a proxy's ``|`` copies fast."""
    round: Mapping[bytes, Held] = field(default_factory=lambda: MappingProxyType({}))
    """The current round's candidates, by digest."""
    spent: Mapping[bytes, Spent] = field(default_factory=lambda: MappingProxyType({}))


class Notice(NamedTuple):
    broker: bytes
    slot: int
    price: int


class OwnOffer(NamedTuple):
    digest: bytes
    seq: int
    side: str
    price: int
    valid_until: int
    brokers: tuple[bytes, ...]
    notices: tuple[Notice, ...] = ()
    settled: tuple[int, int] | None = None
    """(slot, price) once a majority of its brokers reported the same match."""


@dataclass(frozen=True)
class TraderData:
    """What a trader keeps of one service."""

    nonce: bytes
    origin: int | None = None
    brokers: tuple[bytes, ...] = ()
    quote_nonce: bytes | None = None
    quotes: tuple[tuple[bytes, int | None, int | None], ...] = ()
    next_offer: int = 1
    offers: tuple[OwnOffer, ...] = ()
    hops: tuple[tuple[bytes, bytes], ...] = ()
    """(hop, next hop) reports of the fallback locate's path, sorted by hop id."""
    asked: bytes | None = None
    """The hop asked to take over the root's part (``taking_over``)."""


@dataclass(frozen=True)
class AuctionData:
    """The whole node: identity and parameters, the view, and each service's part."""

    identity: Identity = field(repr=False, compare=False)
    params: AuctionParams
    view: tuple[bytes, ...] = ()
    """Leaf-set members from ``update`` upcalls, ascending."""
    controls: Mapping[bytes, str] = field(default_factory=lambda: MappingProxyType({}))
    """Each known service's state in ``auction.service``."""
    traders: Mapping[bytes, TraderData] = field(default_factory=lambda: MappingProxyType({}))
    brokers: Mapping[bytes, BrokerData] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def self_id(self) -> bytes:
        return self.identity.node_id


def put(
    mapping: Mapping[bytes, object], key: bytes, value: object | None
) -> Mapping[bytes, object]:
    """A copy of ``mapping`` with ``key`` set (or removed for ``None``), keys in order."""
    items = dict(mapping)
    if value is None:
        items.pop(key, None)
    else:
        items[key] = value
    return MappingProxyType(dict(sorted(items.items())))


def with_trader(data: AuctionData, service: bytes, trader: TraderData | None) -> AuctionData:
    return replace(data, traders=put(data.traders, service, trader))  # type: ignore[arg-type]


def with_pending(broker: BrokerData, pending: MappingProxyType[bytes, Held]) -> BrokerData:
    """``replace(broker, pending=pending)``, built field by field: ``replace`` looks every
    field up by name, and a broker takes every offer through here and :func:`with_broker`
    (tests/test_auction_fast_paths.py checks that both pass every other field on)."""
    return BrokerData(
        origin=broker.origin,
        slot=broker.slot,
        bids=broker.bids,
        asks=broker.asks,
        pending=pending,
        round=broker.round,
        spent=broker.spent,
    )


def with_broker(data: AuctionData, service: bytes, broker: BrokerData | None) -> AuctionData:
    """Built field by field, as :func:`with_pending` is, for the same reason."""
    return AuctionData(
        identity=data.identity,
        params=data.params,
        view=data.view,
        controls=data.controls,
        traders=data.traders,
        brokers=put(data.brokers, service, broker),  # type: ignore[arg-type]
    )


def with_control(data: AuctionData, service: bytes, control: str) -> AuctionData:
    """Set a service's control state; back in ``unknown`` it is forgotten with its data.
    A row that stays in its state (every offer a broker takes) leaves the data as it is."""
    if data.controls.get(service) == control:
        return data
    if control == "unknown":
        return replace(
            data,
            controls=put(data.controls, service, None),  # type: ignore[arg-type]
            traders=put(data.traders, service, None),  # type: ignore[arg-type]
            brokers=put(data.brokers, service, None),  # type: ignore[arg-type]
        )
    return replace(data, controls=put(data.controls, service, control))  # type: ignore[arg-type]
