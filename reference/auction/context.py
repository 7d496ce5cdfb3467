"""What an auction guard or action is given: the node's stimulus and the service it concerns."""

from typing import NamedTuple

from reference.node import Stimulus
from spec.v1.base import WireModel


class At(NamedTuple):
    """An event for one service (``service`` is empty for node-wide events)."""

    stim: Stimulus
    service: bytes

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


def at(payload: object) -> At:
    assert isinstance(payload, At)
    return payload
