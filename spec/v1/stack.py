"""The node stack: the narrow interface between the overlay and the protocols above it.

It follows the common API of structured overlays (Dabek, Zhao, Druschel,
Kubiatowicz and Stoica, IPTPS 2003; FreePastry's ``rice.p2p.commonapi``).
Downcalls are an application's effects: ``send(node, payload)`` is an
ordinary output frame and ``route(key, payload)`` is a
:class:`~spec.v1.trace.RouteOutput`. Upcalls are triggers of its table
(``upcall:deliver``, ``upcall:forward``, ``upcall:update``) whose arguments
are the models below. See ``prose/stack.md``.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Final

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.overlay.constants import MAX_ROUTED_FRAME
from spec.v1.types import NodeId

RoutedFrame = Annotated[bytes, Field(min_length=1, max_length=MAX_ROUTED_FRAME)]
"""An application's signed inner envelope, carried by the overlay byte for byte."""


class DeliverUpcall(WireModel):
    """Upcall ``deliver``: a payload routed to ``key`` has arrived, and this node is the live
    node numerically closest to the key (its root)."""

    key: NodeId
    """The key the payload was routed to."""
    frame: RoutedFrame
    """The origin's inner envelope (sequence number 0), exactly as it was routed."""


class ForwardUpcall(WireModel):
    """Upcall ``forward``: a payload routed to ``key`` passes through this node on its way
    to ``next_hop``."""

    key: NodeId
    """The key the payload is routed to."""
    frame: RoutedFrame
    """The origin's inner envelope."""
    next_hop: NodeId
    """The node the overlay hands the payload to next."""


class UpdateUpcall(WireModel):
    """Upcall ``update``: ``node`` has joined this node's leaf set (``joined`` true) or left it."""

    node: NodeId
    """The leaf-set member that came or went."""
    joined: bool
    """True when it joined the leaf set, false when it left it."""


UPCALLS: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {"deliver": DeliverUpcall, "forward": ForwardUpcall, "update": UpdateUpcall}
)
"""Every upcall of the stack interface and its argument model."""

STACK_SUFFIX: Final = "_stack"
"""A whole-stack node runs protocol ``<application>_stack`` (e.g. ``auction_stack``): the
overlay and that application with one identity. An IUT declares each level it implements
in ``hello``: ``auction`` for the application alone, ``auction_stack`` for the whole stack."""


class RouteArgs(WireModel):
    """Downcall ``route`` inside a whole stack: what the application hands its overlay, and
    the payload of the overlay's trigger ``downcall:route``. Alone, the same call is a
    :class:`~spec.v1.trace.RouteOutput`."""

    key: NodeId
    """Where the payload goes: the live node numerically closest to it."""
    frame: RoutedFrame
    """The application's inner envelope (sequence number 0), sealed by this node."""


DOWNCALLS: Final[Mapping[str, type[WireModel]]] = MappingProxyType({"route": RouteArgs})
"""Every downcall a whole stack's overlay takes as a trigger, and its argument model."""
