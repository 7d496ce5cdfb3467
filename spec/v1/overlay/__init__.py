"""The ``overlay`` protocol: Pastry's structured routing (Rowstron & Druschel, 2001).

128-bit ids read as 32 digits of base 16, a leaf set of 8 + 8, a
neighbourhood set of 32, a routing table of 32 x 16, routing to the node
numerically closest to a key, joins along the route to the joiner's id, and
failure detection and repair by timers. One concept per module:

- :mod:`~spec.v1.overlay.constants`: ids, sizes, bounds and timers;
- :mod:`~spec.v1.overlay.refs`: :class:`NodeRef`, a node on the wire;
- :mod:`~spec.v1.overlay.messages`: the message bodies;
- :mod:`~spec.v1.overlay.commands`: commands and :class:`OverlayParams`;
- :mod:`~spec.v1.overlay.state`: the observable state :class:`OverlayState`;
- :mod:`~spec.v1.overlay.table`: the machine :data:`TABLE`.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from spec.v1.base import WireModel
from spec.v1.overlay.commands import (
    CreateRingCommand,
    JoinCommand,
    LeaveCommand,
    LookupCommand,
    OverlayParams,
)
from spec.v1.overlay.constants import PROTOCOL
from spec.v1.overlay.messages import (
    Announce,
    Departure,
    JoinRequest,
    JoinState,
    LeafRequest,
    LeafUpdate,
    Lookup,
    LookupReply,
    Route,
    RouteAck,
    RowReply,
    RowRequest,
    RowState,
    RowSync,
)
from spec.v1.overlay.refs import NodeRef
from spec.v1.overlay.state import OverlayState
from spec.v1.overlay.table import TABLE

MESSAGE_TYPES: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {
        "route": Route,
        "route_ack": RouteAck,
        "join_request": JoinRequest,
        "join_state": JoinState,
        "announce": Announce,
        "leaf_update": LeafUpdate,
        "leaf_request": LeafRequest,
        "row_request": RowRequest,
        "row_reply": RowReply,
        "row_sync": RowSync,
        "row_state": RowState,
        "lookup": Lookup,
        "lookup_reply": LookupReply,
        "departure": Departure,
    }
)
"""Every overlay message type and its body model (``spec.v1.registry`` lists them)."""

ROUTED_TYPES: Final = ("join_request", "lookup")
"""The types a ``route`` may carry; a node never accepts them as a message of their own."""

COMMAND_TYPES: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {
        "create_ring": CreateRingCommand,
        "join": JoinCommand,
        "lookup": LookupCommand,
        "leave": LeaveCommand,
    }
)
"""Every overlay command and its argument model."""

__all__ = [
    "COMMAND_TYPES",
    "MESSAGE_TYPES",
    "PROTOCOL",
    "ROUTED_TYPES",
    "TABLE",
    "NodeRef",
    "OverlayParams",
    "OverlayState",
]
