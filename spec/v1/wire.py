"""The ``wire`` protocol: a signed ping answered by a signed pong.

It exercises the envelope rules before any market protocol exists, and the
overlay reuses it as its liveness probe.
"""

from typing import Annotated, Final

from pydantic import Field

from spec.v1.base import WireModel
from spec.v1.envelope import (
    MAX_REPLAY_SENDERS,
    REPLAY_BUCKETS,
    BucketFloor,
    ReplaySenders,
    SenderSeq,
)
from spec.v1.machine import MachineTable, Transition, Trigger, TriggerKind
from spec.v1.types import NodeId, Nonce, SequenceNumber, Tick

PROTOCOL: Final = "wire"

MAX_PENDING: Final = 64
"""Most unanswered pings a node keeps; the ``ping`` command is refused beyond it."""


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


# -- commands (local inputs from the node's application) --


class PingCommand(WireModel):
    """Command ``ping``: send a ping to ``to`` with ``nonce``."""

    to: NodeId
    """The node to ping."""
    nonce: Nonce
    """Chosen by the application; the pong must echo it."""


class WireParams(WireModel):
    """Node parameters of the wire protocol: the size of its replay window."""

    replay_senders: ReplaySenders
    """The most senders whose last sequence number the node keeps (1 to 4096); beyond it the
    least recently heard sender's entry is evicted into its bucket's floor."""


# -- normative observable state --


class PendingPing(WireModel):
    """A ping sent and not yet answered."""

    to: NodeId
    """The node pinged."""
    nonce: Nonce
    """The ping's nonce."""


class WireState(WireModel):
    """What a conformance trace may check of a wire node, canonically ordered."""

    next_seq: SequenceNumber
    """Sequence number of the next envelope this node sends."""
    last_seq: Annotated[tuple[SenderSeq, ...], Field(max_length=MAX_REPLAY_SENDERS)]
    """The replay window: per sender kept, the highest accepted sequence number and the tick
    it was accepted at, sorted by sender id."""
    replay_floors: Annotated[tuple[BucketFloor, ...], Field(max_length=REPLAY_BUCKETS)]
    """The non-zero replay floors, sorted by bucket."""
    pending: Annotated[tuple[PendingPing, ...], Field(max_length=MAX_PENDING)]
    """Unanswered pings, sorted by (to, nonce)."""


# -- the machine --


def _row(
    id_: str, kind: TriggerKind, name: str, guard: str | None, action: str, emits: tuple[str, ...]
) -> Transition:
    return Transition(
        id=id_,
        source="active",
        trigger=Trigger(kind=kind, name=name),
        guard=guard,
        action=action,
        target="active",
        emits=emits,
    )


TABLE: Final = MachineTable(
    name="wire.node",
    states=("active",),
    initial="active",
    transitions=(
        _row("answer_ping", "message", "ping", None, "answer_ping", ("pong",)),
        _row("send_ping", "command", "ping", "ping_slot_free", "send_ping", ("ping",)),
        _row("accept_pong", "message", "pong", "pong_expected", "accept_pong", ()),
    ),
)
"""A wire node is always active. It answers every ping; it sends a ping only while
fewer than MAX_PENDING are unanswered and never two to the same peer with the
same nonce; it accepts only a pong that answers one of its pings from the
peer it pinged (anything else is ``machine.guard_rejected``)."""
