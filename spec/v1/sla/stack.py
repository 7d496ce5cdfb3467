"""The SLA protocol's whole stack (node protocol ``sla_stack``): its parameters and its
observable state. See ``prose/stack.md``, "Whole stack", and ``sla.md``, "Descriptions and
search".

One peer runs the overlay and the SLA middleware with one identity and one envelope
pipeline: the overlay carries the routed descriptions and queries to their index keys,
and every other SLA message goes directly.
"""

from typing import Final

from pydantic import model_validator

from spec.v1.base import WireModel
from spec.v1.overlay.commands import OverlayParams
from spec.v1.overlay.state import OverlayState
from spec.v1.sla.commands import SlaParams
from spec.v1.sla.constants import PROTOCOL as SLA
from spec.v1.sla.state import SlaState
from spec.v1.stack import STACK_SUFFIX

PROTOCOL: Final = SLA + STACK_SUFFIX
"""``sla_stack``: the overlay and the SLA middleware on one peer."""

ROUTED_TYPES: Final = ("description", "query")
"""The SLA messages its overlay carries in ``route`` (as inner frames)."""


class SlaStackParams(WireModel):
    """A whole-stack node's parameters: its overlay's and its SLA node's."""

    overlay: OverlayParams
    """Where the node is and whom it joins through."""
    sla: SlaParams
    """The market's parameters."""

    @property
    def replay_senders(self) -> int:
        """The one replay window's size: the overlay's (the SLA node's is the same number)."""
        return self.overlay.replay_senders

    @model_validator(mode="after")
    def _one_window(self) -> "SlaStackParams":
        # One pipeline, one replay window: its size cannot be two numbers.
        if self.sla.replay_senders != self.overlay.replay_senders:
            raise ValueError(
                f"sla.replay_senders {self.sla.replay_senders} differs from "
                f"overlay.replay_senders {self.overlay.replay_senders}: a stack has one window"
            )
        return self


class SlaStackState(WireModel):
    """What a conformance trace may check of a whole-stack node: both protocols' states."""

    overlay: OverlayState
    """The overlay's observable state."""
    sla: SlaState
    """The SLA node's observable state (its view is the overlay's leaf set, from upcalls)."""
