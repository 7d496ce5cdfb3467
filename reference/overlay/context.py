"""What the overlay's guards and actions read off a :class:`~reference.node.Stimulus`."""

from reference.node import Stimulus
from spec.v1.base import WireModel


def stimulus(payload: object) -> Stimulus:
    assert isinstance(payload, Stimulus)
    return payload


def signer(stim: Stimulus) -> bytes:
    """Who sent the message: the envelope's authenticated sender. The body runtime has no
    envelopes; there the simulator's sender (the link) stands for it."""
    if stim.envelope is not None:
        return stim.envelope.sender
    assert stim.link is not None
    return stim.link


def body(stim: Stimulus) -> WireModel:
    assert stim.body is not None
    return stim.body


def args(stim: Stimulus) -> WireModel:
    assert stim.args is not None
    return stim.args
