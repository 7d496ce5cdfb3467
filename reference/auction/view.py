"""The node-wide ``auction.node`` table: the view of the leaf set from ``update`` upcalls.

Brokers derive a service's broker set from the view and themselves whenever
they need it, so the set follows every change of the leaf set at once.
"""

from dataclasses import replace

from reference.auction.context import at
from reference.auction.data import AuctionData
from reference.effects import Effect
from spec.v1.auction.constants import MAX_VIEW
from spec.v1.stack import UpdateUpcall

Result = tuple[AuctionData, tuple[Effect, ...]]


def _update(payload: object) -> UpdateUpcall:
    args = at(payload).args
    assert isinstance(args, UpdateUpcall)
    return args


def joins_view(data: AuctionData, payload: object) -> bool:
    """A newcomer other than the node itself, while the view has room."""
    update = _update(payload)
    return (
        update.joined
        and update.node != data.self_id
        and update.node not in data.view
        and len(data.view) < MAX_VIEW
    )


def leaves_view(data: AuctionData, payload: object) -> bool:
    update = _update(payload)
    return not update.joined and update.node in data.view


def add_member(data: AuctionData, payload: object) -> Result:
    return replace(data, view=tuple(sorted((*data.view, _update(payload).node)))), ()


def drop_member(data: AuctionData, payload: object) -> Result:
    node = _update(payload).node
    return replace(data, view=tuple(m for m in data.view if m != node)), ()
