"""The auction's whole stack (node protocol ``auction_stack``): its parameters and its
observable state. See ``prose/stack.md``, "Whole stack".

One peer runs the overlay and the auction with one identity and one envelope
pipeline, so the two protocols' parameters and observable states are simply
paired; the pipeline fields that both states carry (``next_seq``,
``last_seq``, ``replay_floors``) are the one pipeline's, equal in both.
"""

from typing import Final

from pydantic import model_validator

from spec.v1.auction.commands import AuctionParams
from spec.v1.auction.constants import PROTOCOL as AUCTION
from spec.v1.auction.state import AuctionState
from spec.v1.base import WireModel
from spec.v1.overlay.commands import OverlayParams
from spec.v1.overlay.state import OverlayState
from spec.v1.stack import STACK_SUFFIX

PROTOCOL: Final = AUCTION + STACK_SUFFIX
"""``auction_stack``: the overlay and the auction on one peer."""

ROUTED_TYPES: Final = ("locate",)
"""The auction messages its overlay carries in ``route`` (as inner frames); every other
auction message goes directly."""


class AuctionStackParams(WireModel):
    """A whole-stack node's parameters: its overlay's and its auction's."""

    overlay: OverlayParams
    """Where the node is and whom it joins through."""
    auction: AuctionParams
    """The market's design parameters."""

    @property
    def replay_senders(self) -> int:
        """The one replay window's size: the overlay's (the auction's is the same number)."""
        return self.overlay.replay_senders

    @model_validator(mode="after")
    def _one_window(self) -> "AuctionStackParams":
        # One pipeline, one replay window: its size cannot be two numbers.
        if self.auction.replay_senders != self.overlay.replay_senders:
            raise ValueError(
                f"auction.replay_senders {self.auction.replay_senders} differs from "
                f"overlay.replay_senders {self.overlay.replay_senders}: a stack has one window"
            )
        return self


class AuctionStackState(WireModel):
    """What a conformance trace may check of a whole-stack node: both protocols' states."""

    overlay: OverlayState
    """The overlay's observable state."""
    auction: AuctionState
    """The auction's observable state (its view is the overlay's leaf set, from upcalls)."""
