"""The ``wire`` protocol: a signed ping answered by a signed pong.

It exercises the envelope rules before any market protocol exists, and the
overlay reuses it as its liveness probe.
"""

from typing import Final

from spec.v1.base import WireModel
from spec.v1.types import Nonce, Tick

PROTOCOL: Final = "wire"


class Ping(WireModel):
    """Asks a peer to prove it is alive."""

    nonce: Nonce
    """Chosen by the sender; echoed in the pong."""
    sent_at: Tick
    """The sender's logical time when it sent the ping."""


class Pong(WireModel):
    """Answers a ping."""

    nonce: Nonce
    """The ping's nonce."""
    ping_sent_at: Tick
    """The ping's ``sent_at``, echoed so the requester needs no table of pending pings."""
