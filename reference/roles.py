"""Every protocol role the reference implements, by protocol name."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from reference import wire
from reference.auction import role as auction
from reference.auction import stack as auction_stack
from reference.node import ProtocolRole
from reference.overlay import role as overlay
from reference.sla import role as sla
from reference.sla import stack as sla_stack

ROLES: Final[Mapping[str, ProtocolRole[Any]]] = MappingProxyType(
    {
        wire.ROLE.protocol: wire.ROLE,
        overlay.ROLE.protocol: overlay.ROLE,
        auction.ROLE.protocol: auction.ROLE,
        auction_stack.ROLE.protocol: auction_stack.ROLE,
        sla.ROLE.protocol: sla.ROLE,
        sla_stack.ROLE.protocol: sla_stack.ROLE,
    }
)
