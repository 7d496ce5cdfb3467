"""Which message model each (protocol, type) names. One table for all protocols."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from spec.v1 import wire
from spec.v1.base import WireModel
from spec.v1.envelope import Envelope
from spec.v1.machine import MachineTable

MESSAGES: Final[Mapping[tuple[str, str], type[WireModel]]] = MappingProxyType(
    {
        (wire.PROTOCOL, "ping"): wire.Ping,
        (wire.PROTOCOL, "pong"): wire.Pong,
    }
)
"""Every message type of v1, keyed by (protocol, type)."""

PROTOCOLS: Final[tuple[str, ...]] = tuple(sorted({p for p, _ in MESSAGES}))

ALL_MODELS: Final[tuple[type[WireModel], ...]] = (Envelope, *MESSAGES.values())
"""Every model with a schema of its own: the envelope and every message body."""


def type_name(model: type[WireModel]) -> tuple[str, str]:
    """The (protocol, type) a body model is registered under."""
    for key, value in MESSAGES.items():
        if value is model:
            return key
    raise KeyError(model.__name__)


COMMANDS: Final[Mapping[tuple[str, str], type[WireModel]]] = MappingProxyType(
    {(wire.PROTOCOL, "ping"): wire.PingCommand}
)
"""Every local command of v1 (inputs from a node's own application), keyed by (protocol, name)."""

PARAMS: Final[Mapping[str, type[WireModel]]] = MappingProxyType({wire.PROTOCOL: wire.WireParams})
"""Each protocol's node-parameter model (``create_node`` carries its CBOR)."""

OBSERVABLE: Final[Mapping[str, type[WireModel]]] = MappingProxyType({wire.PROTOCOL: wire.WireState})
"""Each protocol's normative observable state model (what traces may check)."""

TABLES: Final[Mapping[str, MachineTable]] = MappingProxyType({wire.PROTOCOL: wire.TABLE})
"""Each protocol's node machine. Conformance coverage counts the rows of these tables."""
