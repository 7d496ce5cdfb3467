"""The SLA node's view of its leaf set, kept from ``update`` upcalls: where a key's root
finds the replicas it copies descriptions to (``sla.md``, "Descriptions and search")."""

from dataclasses import replace

from reference.effects import Effect
from reference.overlay.ring import distance, to_int
from reference.sla.context import on
from reference.sla.data import SlaData
from spec.v1.sla.constants import MAX_VIEW
from spec.v1.stack import UpdateUpcall

Result = tuple[SlaData, tuple[Effect, ...]]


def _update(payload: object) -> UpdateUpcall:
    args = on(payload).args
    assert isinstance(args, UpdateUpcall)
    return args


def joins_view(data: SlaData, payload: object) -> bool:
    """A newcomer other than the node itself, while the view has room."""
    update = _update(payload)
    return (
        update.joined
        and update.node != data.self_id
        and update.node not in data.view
        and len(data.view) < MAX_VIEW
    )


def leaves_view(data: SlaData, payload: object) -> bool:
    update = _update(payload)
    return not update.joined and update.node in data.view


def add_member(data: SlaData, payload: object) -> Result:
    return replace(data, view=tuple(sorted((*data.view, _update(payload).node)))), ()


def drop_member(data: SlaData, payload: object) -> Result:
    node = _update(payload).node
    return replace(data, view=tuple(m for m in data.view if m != node)), ()


def replicas(data: SlaData, key: bytes) -> tuple[bytes, ...]:
    """The ``replicas`` view members nearest ``key`` on the ring, nearest first (ties to the
    smaller id)."""
    target = to_int(key)
    ranked = sorted(data.view, key=lambda member: (distance(to_int(member), target), member))
    return tuple(ranked[: data.params.replicas])
