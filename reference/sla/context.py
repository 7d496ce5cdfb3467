"""What an SLA guard or action is given: the node's stimulus and the negotiation it is for."""

from typing import NamedTuple

from reference.node import Stimulus
from reference.sla.data import Negotiation, SlaData
from spec.v1.base import WireModel


class On(NamedTuple):
    """An event for one negotiation (``neg`` is empty for node-wide events)."""

    stim: Stimulus
    neg: bytes

    @property
    def now(self) -> int:
        return self.stim.now

    @property
    def body(self) -> WireModel:
        assert self.stim.body is not None
        return self.stim.body

    @property
    def args(self) -> WireModel:
        assert self.stim.args is not None
        return self.stim.args

    @property
    def sender(self) -> bytes:
        """The signer of the envelope that carried a message."""
        assert self.stim.envelope is not None
        return self.stim.envelope.sender


def on(payload: object) -> On:
    assert isinstance(payload, On)
    return payload


def held(data: SlaData, event: On) -> Negotiation:
    """The negotiation an event of an open one is for."""
    return data.negotiations[event.neg]


def timer_name(neg: bytes) -> str:
    """``deadline.<negotiation id hex>``."""
    return f"deadline.{neg.hex()}"
