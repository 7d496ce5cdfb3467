"""The overlay's message bodies.

``route`` carries an origin-signed frame (a ``join_request`` or a ``lookup``)
hop by hop towards a key; the other messages go directly between two nodes.
Every list is bounded by the table it copies. List orders are canonical (see
each field) so that a message has one encoding; receivers do not depend on them.
"""

from typing import Annotated

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.overlay.constants import (
    COLUMNS,
    LEAF_SIZE,
    MAX_HOPS,
    MAX_ROUTED_FRAME,
    NEIGHBOURHOOD_SIZE,
    ROUTING_ENTRIES,
    ROWS,
)
from spec.v1.overlay.refs import NodeRef
from spec.v1.types import U63_MAX, NodeId, Nonce

Hops = Annotated[int, Field(ge=0, le=MAX_HOPS)]
"""A hop count: how many times a routed message has been forwarded."""
Token = Annotated[int, Field(ge=0, le=U63_MAX)]
"""Names one forwarded message between a hop and its next hop (for the acknowledgement)."""
RowIndex = Annotated[int, Field(ge=0, le=ROWS - 1)]
"""A routing-table row: a shared-prefix length, 0..31."""
ColumnIndex = Annotated[int, Field(ge=0, le=COLUMNS - 1)]
"""A routing-table column: a digit value, 0..15."""
LeafList = Annotated[tuple[NodeRef, ...], Field(max_length=LEAF_SIZE)]
"""A leaf set's distinct members in clockwise order from its owner: the successors
nearest first, then the predecessors farthest first (in a ring of at most LEAF_SIZE + 1
nodes a member is on both sides and is listed once)."""


class Route(WireModel):
    """Carries an origin-signed frame one hop towards ``key``."""

    key: NodeId
    """Where the message is going: it is delivered by the live node numerically closest
    to this key. MUST equal the key of the carried request."""
    hops: Hops
    """Forwards so far, this one included (a joiner's hand-over to its bootstrap is 0)."""
    token: Token
    """Chosen by the sender, echoed by the receiver's ``route_ack``."""
    frame: Annotated[bytes, Field(min_length=1, max_length=MAX_ROUTED_FRAME)]
    """The origin's signed envelope of a ``join_request`` or a ``lookup`` (sequence
    number 0; never admitted to a replay window)."""


class RouteAck(WireModel):
    """Tells the previous hop that a ``route`` arrived and was taken over."""

    token: Token
    """The ``route``'s token."""


class JoinRequest(WireModel):
    """A node's request to join, routed (inside ``route``) to its own id."""

    nonce: Nonce
    """Chosen by the joiner; every ``join_state`` for this join echoes it."""
    node: NodeRef
    """The joiner: its id MUST be the signer's, and the route's key."""


class JoinState(WireModel):
    """What a node on a join route sends the joiner: its own reference and table parts."""

    nonce: Nonce
    """The join request's nonce."""
    hop: Hops
    """The sender's place on the route: 0 for the bootstrap node, then 1, 2, ..."""
    root: bool
    """True from the route's last node, the one numerically closest to the joiner."""
    node: NodeRef
    """The sender (its id MUST be the signer's)."""
    entries: Annotated[tuple[NodeRef, ...], Field(max_length=ROUTING_ENTRIES)]
    """The sender's routing-table rows ``hop`` to shl(sender, joiner), by row then column."""
    leaf: LeafList
    """The root's leaf set (empty from other nodes)."""
    neighbours: Annotated[tuple[NodeRef, ...], Field(max_length=NEIGHBOURHOOD_SIZE)]
    """The bootstrap node's neighbourhood set, sorted by id (empty from other nodes)."""


class Announce(WireModel):
    """A node that finished joining tells every node of its L, R and M that it exists."""

    node: NodeRef
    """The new node (its id MUST be the signer's)."""
    leaf: LeafList
    """Its leaf set, so that receivers can tell it about nodes it missed."""


class LeafUpdate(WireModel):
    """A node's leaf set, sent as a repair reply or to tell a node about nodes it misses."""

    node: NodeRef
    """The sender (its id MUST be the signer's)."""
    leaf: LeafList
    """The sender's leaf set."""


class LeafRequest(WireModel):
    """Asks a leaf-set member for its leaf set (leaf-set repair)."""

    node: NodeRef
    """The requester (its id MUST be the signer's)."""


class RowRequest(WireModel):
    """Asks for the entry of one routing-table slot (lazy routing-table repair)."""

    node: NodeRef
    """The requester (its id MUST be the signer's)."""
    row: RowIndex
    """The slot's row in the requester's table."""
    column: ColumnIndex
    """The slot's column in the requester's table."""


class RowReply(WireModel):
    """The answer to ``row_request``: the replier's entry for the same slot, if any."""

    row: RowIndex
    """The requested row."""
    column: ColumnIndex
    """The requested column."""
    entry: NodeRef | None
    """The replier's entry R[row][column], null when it has none. A node that shares
    ``row`` digits with the requester has in that slot a node that fits the requester's."""


class RowSync(WireModel):
    """Asks a routing-table entry for its whole row (routing-table maintenance)."""

    node: NodeRef
    """The requester (its id MUST be the signer's)."""
    row: RowIndex
    """The row asked for: the requester's row in which the asked node is an entry."""


class RowState(WireModel):
    """The answer to ``row_sync``: the replier's entries of the requested row."""

    node: NodeRef
    """The replier (its id MUST be the signer's)."""
    row: RowIndex
    """The requested row."""
    entries: Annotated[tuple[NodeRef, ...], Field(max_length=COLUMNS - 1)]
    """The replier's entries of row ``row`` that share at least ``row`` digits with the
    requester and are not the requester, by column."""


class Lookup(WireModel):
    """An application's request to find the node responsible for ``key``, routed there."""

    key: NodeId
    """The key; the route's key MUST equal it."""
    nonce: Nonce
    """Chosen by the application; the reply echoes it."""


class LookupReply(WireModel):
    """The root's direct answer to a lookup's origin. The root is the reply's signer."""

    key: NodeId
    """The lookup's key."""
    nonce: Nonce
    """The lookup's nonce."""
    hops: Hops
    """How many times the lookup was forwarded to reach the root (0: the origin was it)."""


class Departure(WireModel):
    """The sender is leaving the overlay; receivers drop it and repair as for a failure."""

    node: NodeRef
    """The leaving node (its id MUST be the signer's)."""
