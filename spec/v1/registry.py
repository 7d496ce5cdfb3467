"""Which message model each (protocol, type) names. One table for all protocols."""

import typing
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from spec.v1 import auction, driver, overlay, sla, stack, wire
from spec.v1.auction import stack as auction_stack
from spec.v1.base import WireModel
from spec.v1.envelope import Envelope
from spec.v1.machine import MachineTable
from spec.v1.sla import stack as sla_stack
from spec.v1.trace import Trace

MESSAGES: Final[Mapping[tuple[str, str], type[WireModel]]] = MappingProxyType(
    {
        (wire.PROTOCOL, "ping"): wire.Ping,
        (wire.PROTOCOL, "pong"): wire.Pong,
        **{(overlay.PROTOCOL, name): model for name, model in overlay.MESSAGE_TYPES.items()},
        **{(auction.PROTOCOL, name): model for name, model in auction.MESSAGE_TYPES.items()},
        **{(sla.PROTOCOL, name): model for name, model in sla.MESSAGE_TYPES.items()},
    }
)
"""Every message type of v1, keyed by (protocol, type)."""

PROTOCOLS: Final[tuple[str, ...]] = tuple(sorted({p for p, _ in MESSAGES}))
"""Every protocol whose messages an envelope may name."""

STACKS: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        auction_stack.PROTOCOL: (overlay.PROTOCOL, auction.PROTOCOL),
        sla_stack.PROTOCOL: (overlay.PROTOCOL, sla.PROTOCOL),
    }
)
"""Every whole-stack node protocol: its overlay and its application (``stack.md``)."""

NODE_PROTOCOLS: Final[tuple[str, ...]] = tuple(sorted({*PROTOCOLS, *STACKS}))
"""Every protocol a node may run: each protocol alone, and each whole stack."""


def type_name(model: type[WireModel]) -> tuple[str, str]:
    """The (protocol, type) a body model is registered under."""
    for key, value in MESSAGES.items():
        if value is model:
            return key
    raise KeyError(model.__name__)


COMMANDS: Final[Mapping[tuple[str, str], type[WireModel]]] = MappingProxyType(
    {
        (wire.PROTOCOL, "ping"): wire.PingCommand,
        **{(overlay.PROTOCOL, name): model for name, model in overlay.COMMAND_TYPES.items()},
        **{(auction.PROTOCOL, name): model for name, model in auction.COMMAND_TYPES.items()},
        **{(sla.PROTOCOL, name): model for name, model in sla.COMMAND_TYPES.items()},
    }
)
"""Every local command of v1 (inputs from a node's own application), keyed by (protocol, name)."""

PARAMS: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {
        wire.PROTOCOL: wire.WireParams,
        overlay.PROTOCOL: overlay.OverlayParams,
        auction.PROTOCOL: auction.AuctionParams,
        auction_stack.PROTOCOL: auction_stack.AuctionStackParams,
        sla.PROTOCOL: sla.SlaParams,
        sla_stack.PROTOCOL: sla_stack.SlaStackParams,
    }
)
"""Each protocol's node-parameter model (``create_node`` carries its CBOR)."""

OBSERVABLE: Final[Mapping[str, type[WireModel]]] = MappingProxyType(
    {
        wire.PROTOCOL: wire.WireState,
        overlay.PROTOCOL: overlay.OverlayState,
        auction.PROTOCOL: auction.AuctionState,
        auction_stack.PROTOCOL: auction_stack.AuctionStackState,
        sla.PROTOCOL: sla.SlaState,
        sla_stack.PROTOCOL: sla_stack.SlaStackState,
    }
)
"""Each protocol's normative observable state model (what traces may check)."""

TABLES: Final[Mapping[str, tuple[MachineTable, ...]]] = MappingProxyType(
    {
        wire.PROTOCOL: (wire.TABLE,),
        overlay.PROTOCOL: (overlay.TABLE,),
        auction.PROTOCOL: auction.TABLES,
        sla.PROTOCOL: sla.TABLES,
    }
)
"""Each protocol's machines (most have one). Conformance coverage counts their rows; a
whole stack runs its overlay's and its application's (:data:`STACKS`)."""

UPCALLS: Final[Mapping[str, type[WireModel]]] = stack.UPCALLS
"""Every upcall of the stack interface and its argument model (``stack.md``)."""


ALL_MODELS: Final[tuple[type[WireModel], ...]] = (
    Envelope,
    *MESSAGES.values(),
    *COMMANDS.values(),
    *PARAMS.values(),
    *OBSERVABLE.values(),
    *UPCALLS.values(),
    Trace,
    *typing.get_args(typing.get_args(driver.Request)[0]),
    *typing.get_args(typing.get_args(driver.Reply)[0]),
)
"""Every model with a schema file of its own: the envelope, message bodies, commands,
parameters and observable states of every protocol, the trace format and the driver
protocol's requests and replies. Other-language implementers get all of them."""
