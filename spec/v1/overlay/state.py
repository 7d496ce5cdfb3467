"""The overlay node's normative observable state: what a conformance trace may check."""

from typing import Annotated, Literal

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.envelope import MAX_REPLAY_SENDERS, REPLAY_BUCKETS, BucketFloor, SenderSeq
from spec.v1.overlay.constants import (
    LEAF_HALF,
    LEAF_SIZE,
    MAX_ANSWERS,
    MAX_FAILED,
    MAX_HOPS,
    MAX_MENDING,
    MAX_PENDING_HOPS,
    MAX_PENDING_LOOKUPS,
    NEIGHBOURHOOD_SIZE,
    ROUTING_ENTRIES,
)
from spec.v1.overlay.messages import ColumnIndex, Hops, RowIndex, Token
from spec.v1.overlay.refs import NodeRef
from spec.v1.types import NodeId, Nonce, SequenceNumber, Tick

Status = Literal["idle", "joining", "active", "departed"]
"""The node's state in the ``overlay.node`` table."""


class RoutingEntry(WireModel):
    """One filled routing-table slot."""

    row: RowIndex
    """Shared-prefix length with the node."""
    column: ColumnIndex
    """The entry's digit at position ``row``."""
    node: NodeRef
    """The entry."""


class JoinProgress(WireModel):
    """A join under way (state ``joining``)."""

    nonce: Nonce
    """The join request's nonce."""
    answered: Annotated[tuple[int, ...], Field(max_length=MAX_HOPS + 1)]
    """Hop positions whose ``join_state`` has arrived, ascending, each once."""
    root_hop: Hops | None
    """The root's hop position once its ``join_state`` arrived, else null."""


class PendingProbe(WireModel):
    """A leaf-set member pinged and not yet answered."""

    node: NodeId
    """The member."""
    nonce: Nonce
    """The ping's nonce."""
    due: Tick
    """When it is declared failed unless it answers."""


class PendingHop(WireModel):
    """A forwarded message its next hop has not acknowledged yet."""

    token: Token
    """The ``route``'s token."""
    to: NodeId
    """The next hop."""
    key: NodeId
    """The message's key."""
    hops: Hops
    """The ``route``'s hop count."""
    due: Tick
    """When the next hop is declared failed and the message re-routed."""


class PendingLookup(WireModel):
    """A lookup of this node's application not yet answered."""

    key: NodeId
    """The key looked up."""
    nonce: Nonce
    """Its nonce."""
    due: Tick
    """When it is reported failed unless answered."""


class LookupAnswer(WireModel):
    """What became of one of the application's lookups."""

    key: NodeId
    """The key looked up."""
    nonce: Nonce
    """Its nonce."""
    root: NodeId | None
    """The node that delivered it (the reply's signer, or this node itself); null when
    it timed out."""
    hops: Hops
    """The reply's hop count (0 when unanswered or answered locally)."""


class FailedNode(WireModel):
    """A node declared failed (or departed), kept out of every table for a while."""

    node: NodeId
    """The node."""
    until: Tick
    """The tick from which it may be learned of again."""


class MendingSlot(WireModel):
    """An empty routing-table slot asked about on use (lazy repair)."""

    row: RowIndex
    """The slot's row."""
    column: ColumnIndex
    """The slot's column."""
    until: Tick
    """The tick from which the node may ask about it again."""


class OverlayState(WireModel):
    """What a conformance trace may check of an overlay node, canonically ordered."""

    status: Status
    """The node's state in the table."""
    next_seq: SequenceNumber
    """Sequence number of the next envelope this node sends."""
    last_seq: Annotated[tuple[SenderSeq, ...], Field(max_length=MAX_REPLAY_SENDERS)]
    """The replay window: per sender kept, the highest accepted sequence number and the tick
    it was accepted at, sorted by sender id."""
    replay_floors: Annotated[tuple[BucketFloor, ...], Field(max_length=REPLAY_BUCKETS)]
    """The non-zero replay floors, sorted by bucket."""
    smaller: Annotated[tuple[NodeRef, ...], Field(max_length=LEAF_HALF)]
    """The leaf set's predecessors in ring order: the farthest first, the nearest last."""
    larger: Annotated[tuple[NodeRef, ...], Field(max_length=LEAF_HALF)]
    """The leaf set's successors in ring order: the nearest first."""
    routing: Annotated[tuple[RoutingEntry, ...], Field(max_length=ROUTING_ENTRIES)]
    """The filled routing-table slots, sorted by row, then column."""
    neighbours: Annotated[tuple[NodeRef, ...], Field(max_length=NEIGHBOURHOOD_SIZE)]
    """The neighbourhood set, sorted by id."""
    join: JoinProgress | None
    """The join under way, or null."""
    probes: Annotated[tuple[PendingProbe, ...], Field(max_length=LEAF_SIZE)]
    """Unanswered probes, sorted by node id."""
    hops: Annotated[tuple[PendingHop, ...], Field(max_length=MAX_PENDING_HOPS)]
    """Unacknowledged forwards, sorted by token."""
    lookups: Annotated[tuple[PendingLookup, ...], Field(max_length=MAX_PENDING_LOOKUPS)]
    """Unanswered lookups, sorted by nonce."""
    answers: Annotated[tuple[LookupAnswer, ...], Field(max_length=MAX_ANSWERS)]
    """The most recent lookup outcomes, oldest first."""
    failed: Annotated[tuple[FailedNode, ...], Field(max_length=MAX_FAILED)]
    """Nodes kept out of the tables, sorted by node id."""
    mending: Annotated[tuple[MendingSlot, ...], Field(max_length=MAX_MENDING)]
    """Routing-table slots asked about on use, sorted by row, then column."""
    next_token: Token
    """The token of the next tracked forward."""
