"""The overlay's local commands and its node parameters."""

from spec.v1.base import WireModel
from spec.v1.envelope import ReplaySenders
from spec.v1.overlay.refs import Coordinate, NodeRef
from spec.v1.types import NodeId, Nonce


class OverlayParams(WireModel):
    """What differs from node to node: where it is, whom it knows to join through, and the
    size of its replay window."""

    x: Coordinate
    """The node's first proximity coordinate in the scenario's plane."""
    y: Coordinate
    """The node's second proximity coordinate."""
    bootstrap: NodeRef | None
    """A node of the ring this node joins through (Pastry's nearby node A); null for a
    node that only creates a ring."""
    replay_senders: ReplaySenders
    """The most senders whose last sequence number the node keeps (1 to 4096); beyond it the
    least recently heard sender's entry is evicted into its bucket's floor."""


class CreateRingCommand(WireModel):
    """Command ``create_ring``: become the first node of a new ring."""


class JoinCommand(WireModel):
    """Command ``join``: join the ring of the parameters' bootstrap node."""

    nonce: Nonce
    """Chosen by the application; the join request carries it."""


class LookupCommand(WireModel):
    """Command ``lookup``: find the node responsible for ``key``."""

    key: NodeId
    """The key to look up."""
    nonce: Nonce
    """Chosen by the application; the answer echoes it."""


class LeaveCommand(WireModel):
    """Command ``leave``: tell the node's L, R and M, then stop."""
