"""The auction node's normative observable state (``AuctionState``)."""

from typing import TYPE_CHECKING, Any

from reference.auction.brokers import broker_set
from reference.auction.data import AuctionData, BrokerData, Held, TraderData
from spec.v1.auction import state as S

if TYPE_CHECKING:
    from reference.node import Node


def _held(offer: Held) -> S.HeldOffer:
    return S.HeldOffer(
        digest=offer.digest,
        trader=offer.trader,
        side=offer.side,  # type: ignore[arg-type]
        price=offer.price,
        seq=offer.seq,
        valid_until=offer.valid_until,
        heard=tuple(S.Report(broker=b, at=t) for b, t in offer.heard),
    )


def _broker(data: AuctionData, service: bytes, broker: BrokerData) -> S.BrokerState:
    return S.BrokerState(
        origin=broker.origin,
        slot=broker.slot,
        brokers=broker_set((*data.view, data.self_id), service, data.params.brokers),
        bids=tuple(_held(o) for o in broker.bids),
        asks=tuple(_held(o) for o in broker.asks),
        pending=tuple(_held(o) for o in sorted(broker.pending.values(), key=lambda o: o.digest)),
        round=tuple(_held(o) for o in broker.round.values()),
        newest=tuple(
            S.TraderSeq(trader=trader, seq=e.seq, digest=e.digest, until=e.until, done=e.done)
            for trader, e in broker.spent.items()
        ),
    )


def _trader(trader: TraderData) -> S.TraderState:
    return S.TraderState(
        nonce=trader.nonce,
        hops=tuple(S.Hop(hop=hop, next_hop=next_hop) for hop, next_hop in trader.hops),
        asked=trader.asked,
        origin=trader.origin,
        brokers=trader.brokers,
        quote_nonce=trader.quote_nonce,
        quotes=tuple(S.Quote(broker=b, bid=bid, ask=ask) for b, bid, ask in trader.quotes),
        next_offer=trader.next_offer,
        offers=tuple(
            S.OwnOffer(
                digest=o.digest,
                seq=o.seq,
                side=o.side,  # type: ignore[arg-type]
                price=o.price,
                valid_until=o.valid_until,
                brokers=o.brokers,
                notices=tuple(
                    S.Notice(broker=n.broker, slot=n.slot, price=n.price) for n in o.notices
                ),
                settled=None
                if o.settled is None
                else S.Settlement(slot=o.settled[0], price=o.settled[1]),
            )
            for o in trader.offers
        ),
    )


def observe(node: "Node[Any]") -> S.AuctionState:
    data = node.state.data
    assert isinstance(data, AuctionData)
    services = []
    for service, control in data.controls.items():
        trader = data.traders.get(service)
        broker = data.brokers.get(service)
        services.append(
            S.ServiceState(
                service=service,
                status=control,  # type: ignore[arg-type]
                trader=None if trader is None else _trader(trader),
                broker=None if broker is None else _broker(data, service, broker),
            )
        )
    return S.AuctionState(
        next_seq=node.next_seq,
        last_seq=node.window_entries(),
        replay_floors=node.window_floors(),
        view=data.view,
        services=tuple(services),
    )
