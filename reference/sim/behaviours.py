"""Misbehaving peers: small classes that tamper with what one node sends or receives.

A behaviour sits between a node and the network. It sees the node's outputs
after each step (and may drop, rewrite, delay or add to them) and each
message before delivery (and may drop it). The node itself stays an honest
reference node: the attack is in what reaches the wire, which is what other
nodes must withstand.

Each class says which attack flags (``spec/v1/flags.py``) the rejections it
provokes at honest nodes fall under. Lying and forging rewrite frames, so
they need a frame runtime; silent, dropping and replaying work on any
message type.
"""

import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from reference.codec import encode_message
from reference.envelope import open_envelope, seal, signing_input
from reference.identity import Identity, node_id_of
from reference.sim.streams import PPM, chance
from spec.v1.base import WireModel
from spec.v1.envelope import Envelope

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Send(Generic[M]):
    """One message leaving a node, ``delay`` ticks from now (0: with the step's outputs)."""

    to: bytes
    message: M
    delay: int = 0


@dataclass(frozen=True, slots=True)
class PeerContext:
    """What a behaviour may use: the time, the node's own identity, its seeded random stream."""

    now: int
    identity: Identity
    rng: random.Random


class Behaviour(Generic[M]):
    """An honest peer: everything passes. Subclasses override what they tamper with."""

    flags: tuple[str, ...] = ()
    """Attack flags of the rejections this behaviour provokes at honest receivers."""

    def outgoing(self, ctx: PeerContext, sends: tuple[Send[M], ...]) -> tuple[Send[M], ...]:
        """What actually leaves the node after a step."""
        return sends

    def incoming(self, ctx: PeerContext, link: bytes, message: M) -> bool:
        """Whether the node gets to see a message delivered to it."""
        return True


def _chosen(ctx: PeerContext, share_ppm: int) -> bool:
    """A seeded draw that holds with probability ``share_ppm`` / 10^6 (no draw at 0 or 10^6)."""
    return chance(ctx.rng, share_ppm)


class Silent(Behaviour[M]):
    """Never sends anything; still receives (a node that has silently stopped answering)."""

    def outgoing(self, ctx: PeerContext, sends: tuple[Send[M], ...]) -> tuple[Send[M], ...]:
        return ()


class Dropping(Behaviour[M]):
    """Drops each output with probability ``share_ppm`` / 10^6 (a lossy or selfish peer)."""

    def __init__(self, share_ppm: int) -> None:
        self.share_ppm = share_ppm

    def outgoing(self, ctx: PeerContext, sends: tuple[Send[M], ...]) -> tuple[Send[M], ...]:
        return tuple(send for send in sends if not _chosen(ctx, self.share_ppm))


class Replaying(Behaviour[M]):
    """Sends each chosen output again, unchanged, ``delay`` ticks later.

    The copy carries a sequence number the receiver has already accepted, so
    an honest receiver refuses it with ``replay.stale_sequence``.
    """

    flags = ("StaleSequence",)

    def __init__(self, delay: int, share_ppm: int = PPM) -> None:
        if delay < 1:
            raise ValueError("a replay comes at least one tick later")
        self.delay = delay
        self.share_ppm = share_ppm

    def outgoing(self, ctx: PeerContext, sends: tuple[Send[M], ...]) -> tuple[Send[M], ...]:
        replays = tuple(
            Send(send.to, send.message, send.delay + self.delay)
            for send in sends
            if _chosen(ctx, self.share_ppm)
        )
        return sends + replays


def flip_first_field(body: WireModel) -> WireModel | None:
    """The default lie: flip the low bit of the first bytes field, else add 1 to the first int.

    Fields are taken in the model's declaration order. ``None`` when the body
    has neither (nothing to lie about).
    """
    values = body.model_dump()
    for name in type(body).model_fields:
        value = values[name]
        if isinstance(value, bytes) and value:
            values[name] = value[:-1] + bytes([value[-1] ^ 1])
            return type(body).model_validate(values)
        if isinstance(value, int) and not isinstance(value, bool):
            values[name] = value + 1
            return type(body).model_validate(values)
    return None


class Lying(Behaviour[bytes]):
    """Replaces message bodies with different ones, validly signed with the node's own key.

    The envelope is authentic and fresh, so only the receiver's protocol
    logic can catch the lie; for a ``wire`` pong with a changed nonce that is
    ``machine.guard_rejected``.
    """

    flags = ("UnexpectedMessage",)

    def __init__(
        self,
        lie: Callable[[WireModel], WireModel | None] = flip_first_field,
        types: Collection[str] | None = None,
        share_ppm: int = PPM,
    ) -> None:
        self.lie = lie
        self.types = None if types is None else frozenset(types)
        """Message types (``protocol/type``) to lie about; None: all."""
        self.share_ppm = share_ppm

    def outgoing(self, ctx: PeerContext, sends: tuple[Send[bytes], ...]) -> tuple[Send[bytes], ...]:
        return tuple(self._tamper(ctx, send) for send in sends)

    def _tamper(self, ctx: PeerContext, send: Send[bytes]) -> Send[bytes]:
        opened = open_envelope(send.message)
        envelope = opened.envelope
        if self.types is not None and f"{envelope.protocol}/{envelope.type}" not in self.types:
            return send
        if not _chosen(ctx, self.share_ppm):
            return send
        lie = self.lie(opened.body)
        if lie is None or lie == opened.body:
            return send
        return Send(send.to, seal(ctx.identity, lie, envelope.seq), send.delay)


ForgeryMode = Literal["bad_signature", "wrong_key"]


class Forging(Behaviour[bytes]):
    """Sends its frames as if it were ``victim``.

    ``bad_signature``: the envelope names the victim's id and public key but
    is signed with the forger's key (``auth.bad_signature``). ``wrong_key``:
    the envelope names the victim's id with the forger's own key and a valid
    signature by it, so the key does not hash to the id (``auth.wrong_key``).
    """

    def __init__(self, victim_key: bytes, mode: ForgeryMode = "bad_signature") -> None:
        self.victim_key = victim_key
        self.victim_id = node_id_of(victim_key)
        self.mode = mode
        self.flags = ("BadSignature",) if mode == "bad_signature" else ("WrongKey",)

    def outgoing(self, ctx: PeerContext, sends: tuple[Send[bytes], ...]) -> tuple[Send[bytes], ...]:
        return tuple(
            Send(send.to, self._forge(ctx.identity, send.message), send.delay) for send in sends
        )

    def _forge(self, identity: Identity, frame: bytes) -> bytes:
        genuine = open_envelope(frame).envelope
        key = self.victim_key if self.mode == "bad_signature" else identity.public_key
        claimed = genuine.model_copy(update={"sender": self.victim_id, "sender_key": key})
        forged = claimed.model_copy(update={"signature": identity.sign(signing_input(claimed))})
        return encode_message(Envelope.model_validate(forged.model_dump()))
