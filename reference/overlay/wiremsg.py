"""Building the overlay's wire messages from a node's tables.

Lists are put in the canonical orders the message schemas state, so that one
state gives one message (and one encoding).
"""

from reference.overlay import routing_table
from reference.overlay.leafset import LeafSet
from reference.overlay.ring import Ref, shl
from reference.overlay.tables import Tables
from spec.v1.overlay.constants import RING
from spec.v1.overlay.messages import Announce, JoinState, LeafUpdate
from spec.v1.overlay.refs import NodeRef

_MASK = RING - 1


def leaf_list(leaf: LeafSet, origin: int) -> tuple[NodeRef, ...]:
    """The distinct members in clockwise order from ``origin``."""
    seen: dict[int, Ref] = {}
    for side in (leaf.larger, leaf.smaller):
        for r in side:
            seen.setdefault(r[0], r)
    ordered = sorted(seen.values(), key=lambda r: (r[0] - origin) & _MASK)
    return tuple(r[3] for r in ordered)


def by_id(refs: tuple[Ref, ...]) -> tuple[NodeRef, ...]:
    return tuple(r[3] for r in sorted(refs, key=lambda r: r[0]))


def announce(tables: Tables) -> Announce:
    me = tables.me
    return Announce(node=me[3], leaf=leaf_list(tables.leaf, me[0]))


def leaf_update(tables: Tables) -> LeafUpdate:
    me = tables.me
    return LeafUpdate(node=me[3], leaf=leaf_list(tables.leaf, me[0]))


def join_state(tables: Tables, nonce: bytes, hop: int, root: bool, joiner: int) -> JoinState:
    """What a node at position ``hop`` of a join route sends the joiner: its rows ``hop``
    to shl(node, joiner), the neighbourhood set from the bootstrap node (hop 0) and the
    leaf set from the root."""
    me = tables.me
    depth = shl(me[0], joiner)
    entries = tuple(
        ref[3] for row, _, ref in routing_table.entries(tables.table) if hop <= row <= depth
    )
    return JoinState(
        nonce=nonce,
        hop=hop,
        root=root,
        node=me[3],
        entries=entries,
        leaf=leaf_list(tables.leaf, me[0]) if root else (),
        neighbours=by_id(tables.neighbours.refs) if hop == 0 else (),
    )
