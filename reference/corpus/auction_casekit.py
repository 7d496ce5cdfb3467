"""The case builder of the hand-written ``auction`` cases: one auction node run alone.

Node ``a`` (seed ``seed_from_label("auction/a")``) runs the auction protocol
*alone* (``stack.md``): its overlay's upcalls are inputs of the case and its
``route`` downcalls are outputs. Peers are identities from
``seed_from_label("auction/<name>")``; :class:`Peer` seals their messages
(link envelopes with consecutive sequence numbers, among them their
``offer`` messages; inner ``locate`` frames with sequence number 0), so every
frame comes from the reference's own sealing code.

The market of the corpus (:data:`PARAMS`): n = 4 brokers, f = 2, m = 4 (two
bids and two asks per broker), t = 100 ticks, slots of 10 ticks, a locate
timeout of 30. The service :data:`SERVICE` is chosen so that ``a`` and the
brokers ``b``, ``c``, ``d`` are its broker set once ``a`` knows them.
"""

from typing import Final, TypeVar

from reference import cbor
from reference.auction.data import AuctionData
from reference.auction.role import ROLE
from reference.auction.trader import timer_name
from reference.codec import encode_message, from_value
from reference.corpus.casekit import (
    ATTACK,
    EDGE,
    CaseError,
    CaseRecorder,
    SealingPeer,
    command_input,
)
from reference.envelope import open_envelope, seal_envelope
from reference.identity import Identity, seed_from_label
from reference.node import Node, ProtocolRole
from spec.v1 import errors as E
from spec.v1.auction.commands import AuctionParams
from spec.v1.auction.constants import TIMER_LOCATE, TIMER_SLOT
from spec.v1.auction.messages import Offer, Side
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_REPLAY_SENDERS, Envelope
from spec.v1.registry import MESSAGES
from spec.v1.stack import DeliverUpcall, ForwardUpcall, UpdateUpcall
from spec.v1.trace import Emitted, FireTimer, Generator, Output, Tag, Upcall

D = TypeVar("D")
"""The protocol data of the node a case drives."""

NODE: Final = "a"
NODE_SEED: Final = seed_from_label("auction/a")

PARAMS: Final = AuctionParams(
    brokers=4,
    fanout=2,
    table=4,
    max_validity=100,
    slot_ticks=10,
    locate_timeout=30,
    replay_senders=MAX_REPLAY_SENDERS,
)
"""The market of every case unless it says otherwise."""

SERVICE: Final = bytes.fromhex("fd" * 16)
"""The service traded in the cases."""
OTHER_SERVICE: Final = bytes.fromhex("5e" * 16)
"""A second service, for offers carried under the wrong one."""

BROKERS: Final = ("b", "c", "d")
"""The other brokers of :data:`SERVICE` when ``a`` brokers it."""

__all__ = [
    "ATTACK",
    "BROKERS",
    "EDGE",
    "NODE",
    "OTHER_SERVICE",
    "PARAMS",
    "SERVICE",
    "AuctionCase",
    "CaseError",
    "Peer",
    "PeerCase",
    "identity",
    "locate_timer",
    "slot_timer",
]


def identity(name: str) -> Identity:
    return Identity.from_label(f"auction/{name}")


def slot_timer(service: bytes = SERVICE) -> str:
    return timer_name(TIMER_SLOT, service)


def locate_timer(service: bytes = SERVICE) -> str:
    return timer_name(TIMER_LOCATE, service)


class Peer(SealingPeer):
    """A remote identity that seals its own messages, and its offers."""

    def __init__(self, name: str, label: str = "auction") -> None:
        super().__init__(name, Identity.from_label(f"{label}/{name}"))

    def offer(
        self,
        side: Side,
        price: int,
        seq: int,
        valid_until: int,
        *,
        service: bytes = SERVICE,
        trader: bytes | None = None,
    ) -> bytes:
        """This peer's signed ``offer`` in its next link envelope (``trader`` another id only to
        impersonate)."""
        body = Offer(
            service=service,
            trader=self.node_id if trader is None else trader,
            side=side,
            price=price,
            seq=seq,
            valid_until=valid_until,
        )
        return self.frame(body)

    def next_envelope(self, body: WireModel) -> Envelope:
        """``body`` in this peer's next link envelope, not yet encoded (to tamper with)."""
        self.seq += 1
        return seal_envelope(self.identity, body, self.seq)


class PeerCase(CaseRecorder[D]):
    """A case whose peers are :class:`Peer` objects, one per name (so a peer's sequence
    numbers run on across the case): the auction alone's, the whole stack's and the SLA's."""

    def __init__(
        self,
        generator: Generator,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...],
        *,
        role: ProtocolRole[D],
        seed: bytes,
        params: bytes,
        label: str = "auction",
    ) -> None:
        super().__init__(
            generator, case_id, description, tags, flags, role=role, seed=seed, params=params
        )
        self._remotes: dict[str, Peer] = {}
        self._label = label
        """Peers are the identities ``seed_from_label("<label>/<name>")``."""

    def peer(self, name: str) -> Peer:
        """The peer ``name`` (one object per case, so its sequence numbers run on)."""
        found = self._remotes.get(name)
        if found is None:
            found = self._remotes[name] = Peer(name, self._label)
            self._peers[name] = found.node_id
        return found

    def send(
        self, sender: str, body: WireModel, note: str, **kwargs: object
    ) -> tuple[Emitted, ...]:
        """``sender`` seals ``body`` (its next sequence number) and delivers it to ``a``."""
        return self.deliver(self.peer(sender).frame(body), sender, note, **kwargs)  # type: ignore[arg-type]

    def timer(
        self,
        name: str,
        note: str,
        *,
        at: int | None = None,
        error: E.ErrorCode | None = None,
    ) -> tuple[Emitted, ...]:
        """Fire timer ``name`` (at its due tick unless ``at`` is given)."""
        due = self._node.timers.get(name)
        when = at if at is not None else due
        if when is None:
            raise CaseError(f"{self.case_id}: timer {name!r} is not running")
        return self.record(FireTimer(kind="timer", name=name), note, at=when, error=error)

    def app(
        self,
        name: str,
        args: WireModel | bytes,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: bytes | None = None,
        at: int | None = None,
        record_state: bool = True,
    ) -> tuple[Emitted, ...]:
        """The application's command ``name`` (:meth:`command` for a node that may make
        route downcalls: a ``locate`` does)."""
        item, probe = command_input(name, args, control)
        return self.record(
            item, note, error=error, field=field, control=probe, at=at, record_state=record_state
        )

    def upcall(
        self,
        name: str,
        args: WireModel | bytes,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: WireModel | None = None,
        at: int | None = None,
        record_state: bool = True,
    ) -> tuple[Emitted, ...]:
        """The overlay below ``a`` makes the upcall ``name``."""
        raw = args if isinstance(args, bytes) else encode_message(args)
        item = Upcall(kind="upcall", name=name, args=raw)
        probe = (
            None
            if control is None
            else Upcall(kind="upcall", name=name, args=encode_message(control))
        )
        return self.record(
            item, note, error=error, field=field, control=probe, at=at, record_state=record_state
        )

    def joined(self, *names: str, at: int | None = None) -> None:
        """``update`` upcalls: each of ``names`` joins a's leaf set."""
        for name in names:
            node = self.peer(name).node_id
            self.upcall(
                "update", UpdateUpcall(node=node, joined=True), f"{name} joins the leaf set", at=at
            )

    def deliver_routed(
        self, key: bytes, frame: bytes, note: str, **kwargs: object
    ) -> tuple[Emitted, ...]:
        return self.upcall("deliver", DeliverUpcall(key=key, frame=frame), note, **kwargs)  # type: ignore[arg-type]

    def forward_routed(
        self, key: bytes, frame: bytes, next_hop: str, note: str
    ) -> tuple[Emitted, ...]:
        args = ForwardUpcall(key=key, frame=frame, next_hop=self.peer(next_hop).node_id)
        return self.upcall("forward", args, note)


class AuctionCase(PeerCase[AuctionData]):
    """Records the steps of one case against a fresh auction node ``a``."""

    def __init__(
        self,
        generator: Generator,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...] = (),
        *,
        params: AuctionParams = PARAMS,
    ) -> None:
        super().__init__(
            generator,
            case_id,
            description,
            tags,
            flags,
            role=ROLE,
            seed=NODE_SEED,
            params=encode_message(params),
        )

    @property
    def node(self) -> Node[AuctionData]:
        return self._node


def flip_signature(frame: bytes) -> bytes:
    """``frame`` with the first bit of its signature flipped (still well-formed)."""
    envelope = from_value(Envelope, cbor.decode(frame))
    signature = bytes([envelope.signature[0] ^ 1]) + envelope.signature[1:]
    return encode_message(envelope.model_copy(update={"signature": signature}))


def frames_to(outputs: tuple[Emitted, ...], peer: Peer) -> list[bytes]:
    """The frames of ``outputs`` sent to ``peer``."""
    return [o.frame for o in outputs if isinstance(o, Output) and o.to == peer.node_id]


def body_of(frame: bytes) -> WireModel:
    """The body of a frame ``a`` sent."""
    return open_envelope(frame, MESSAGES).body


def kinds(outputs: tuple[Emitted, ...]) -> list[str]:
    """The message types of ``outputs`` (``route`` for a route downcall), in order."""
    return [
        "route" if not isinstance(o, Output) else open_envelope(o.frame, MESSAGES).envelope.type
        for o in outputs
    ]


def expect_kinds(case: AuctionCase, outputs: tuple[Emitted, ...], wanted: list[str]) -> None:
    if kinds(outputs) != wanted:
        raise CaseError(f"{case.case_id}: sent {kinds(outputs)}, meant {wanted}")


__all__ += ["body_of", "expect_kinds", "flip_signature", "frames_to", "kinds"]
