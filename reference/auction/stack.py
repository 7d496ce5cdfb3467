"""The auction's whole stack, ``auction_stack``: the overlay below it on the same peer."""

from reference.auction.data import AuctionData
from reference.auction.role import ROLE as ALONE
from reference.node import ProtocolRole
from reference.stack import StackData, stack_role
from spec.v1.auction.stack import PROTOCOL, ROUTED_TYPES, AuctionStackParams, AuctionStackState

ROLE: ProtocolRole[StackData[AuctionData]] = stack_role(
    PROTOCOL, ALONE, AuctionStackParams, AuctionStackState, ROUTED_TYPES
)
