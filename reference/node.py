"""A protocol node: the envelope pipeline around one protocol's machine.

Every protocol node does the same thing with an input: authenticate a frame
(or decode a command's arguments), check replay, step the protocol's machine,
and seal what the machine emits into signed frames with its own sequence
numbers. Only the machine differs, so this module is shared and a protocol
supplies a :class:`ProtocolRole`.

Everything is immutable: :func:`handle` returns a new node, and a rejected
input returns the error with the old node untouched.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Generic, TypeVar

from reference import replay
from reference.codec import decode_message, encode_message
from reference.effects import CancelTimer, Emit, RouteDowncall, StartTimer
from reference.engine import Event, MachineState, Stepper
from reference.envelope import open_envelope, seal
from reference.identity import Identity
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import BucketFloor, Envelope, SenderSeq
from spec.v1.registry import MESSAGES
from spec.v1.trace import Command, Deliver, Emitted, FireTimer, Input, Output, RouteOutput, Upcall

D = TypeVar("D")

FIRST_SEQ = 1
"""The sequence number of a node's first envelope."""

INNER_SEQ = 0
"""The sequence number of every inner envelope: it consumes none of the node's numbers."""


@dataclass(frozen=True, slots=True)
class Stimulus:
    """What a guard or action sees besides the protocol data: time, self, and the input."""

    now: int
    self_id: bytes
    envelope: Envelope | None = None
    body: WireModel | None = None
    link: bytes | None = None
    frame: bytes | None = None
    """A delivered frame's exact bytes (a protocol may pass them on, as the auction does)."""
    args: WireModel | None = None
    """A command's or an upcall's decoded arguments."""


@dataclass(frozen=True)
class ProtocolRole(Generic[D]):
    """What a protocol supplies to run as a node."""

    protocol: str
    speaks: frozenset[str]
    """Protocols whose messages the node accepts (a protocol may reuse ``wire`` pings)."""
    machine: Stepper[D]
    params_model: type[WireModel]
    commands: Mapping[str, type[WireModel]]
    initial_data: Callable[[Identity, WireModel], D]
    observe: Callable[["Node[D]"], WireModel]
    """The normative observable state (the spec's state model for the protocol)."""
    upcalls: Mapping[str, type[WireModel]] = field(default_factory=lambda: MappingProxyType({}))
    """The upcalls the role takes as inputs (an application protocol run alone, ``stack.md``)."""


@dataclass(frozen=True)
class Node(Generic[D]):
    """One node: identity, common envelope state and its protocol machine's state."""

    role: ProtocolRole[D]
    identity: Identity
    state: MachineState[D]
    now: int = 0
    next_seq: int = FIRST_SEQ
    window: replay.Window = replay.EMPTY
    """The replay window; :func:`create` sizes it from the parameters' ``replay_senders``."""
    timers: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Running timers: name -> tick at which it is due."""

    @property
    def node_id(self) -> bytes:
        return self.identity.node_id

    def window_entries(self) -> tuple[SenderSeq, ...]:
        """The replay window's entries in canonical (sender) order, for observable state."""
        return tuple(
            SenderSeq(sender=sender, seq=seq, at=at) for sender, seq, at in self.window.entries()
        )

    def window_floors(self) -> tuple[BucketFloor, ...]:
        """The replay window's non-zero floors in bucket order, for observable state."""
        return tuple(
            BucketFloor(bucket=bucket, floor=floor)
            for bucket, floor in self.window.nonzero_floors()
        )


def create(role: ProtocolRole[D], identity: Identity, params: bytes) -> Node[D]:
    """A fresh node; ``params`` is the deterministic CBOR of the role's parameter model."""
    decoded = decode_message(role.params_model, params, "params")
    initial = role.machine.initial(role.initial_data(identity, decoded))
    return Node(role, identity, initial, window=replay.empty(replay_senders(decoded)))


def replay_senders(params: WireModel) -> int:
    """The ``replay_senders`` of a role's parameters: every role's parameter model has one."""
    bound = getattr(params, "replay_senders", None)
    if not isinstance(bound, int):
        raise TypeError(f"{type(params).__name__} has no replay_senders field")
    return bound


def handle(node: Node[D], at: int, item: Input) -> tuple[Node[D], tuple[Emitted, ...]]:
    """Apply one input at logical time ``at``; raise a typed error and change nothing on refusal."""
    if at < node.now:
        raise ValueError(f"time runs forward: input at {at} after {node.now}")
    window = node.window
    if isinstance(item, Deliver):
        envelope, body = _authenticate(node, item.frame)
        window = replay.admit(window, envelope.sender, envelope.seq, at)
        event = Event(
            f"message:{envelope.type}",
            Stimulus(
                at, node.node_id, envelope=envelope, body=body, link=item.link, frame=item.frame
            ),
        )
    elif isinstance(item, FireTimer):
        due = node.timers.get(item.name)
        if due is None or due > at:
            raise E.PeerMarketError(
                E.MACHINE_NO_TRANSITION,
                f"timer:{item.name}",
                f"timer {item.name!r} is not running" if due is None else f"not due before {due}",
            )
        event = Event(f"timer:{item.name}", Stimulus(at, node.node_id))
    elif isinstance(item, Upcall):
        event = Event(f"upcall:{item.name}", Stimulus(at, node.node_id, args=_upcall(node, item)))
    else:
        event = Event(f"command:{item.name}", Stimulus(at, node.node_id, args=_args(node, item)))
    state, effects = node.role.machine.step(node.state, event)
    timers: dict[str, int] | None = None
    """A copy of the running timers, made only when the step changes them."""
    if isinstance(item, FireTimer):
        timers = dict(node.timers)
        del timers[item.name]
    outputs: list[Emitted] = []
    seq = node.next_seq
    for effect in effects:
        if isinstance(effect, Emit):
            if effect.to is None or not isinstance(effect.body, WireModel):
                raise E.EngineError(E.ENGINE_ILLEGAL_EMIT, effect.message_type, "bad emit")
            outputs.append(Output(to=effect.to, frame=seal(node.identity, effect.body, seq)))
            seq += 1
        elif isinstance(effect, RouteDowncall):
            if not isinstance(effect.body, WireModel):
                raise E.EngineError(E.ENGINE_ILLEGAL_EMIT, effect.message_type, "bad route")
            frame = seal(node.identity, effect.body, INNER_SEQ)
            outputs.append(RouteOutput(kind="route", key=effect.key, frame=frame))
        elif isinstance(effect, StartTimer):
            timers = dict(node.timers) if timers is None else timers
            timers[effect.name] = effect.at
        elif isinstance(effect, CancelTimer):
            timers = dict(node.timers) if timers is None else timers
            timers.pop(effect.name, None)
        else:
            # an upcall only a whole stack's overlay makes, inside the stack's own step
            raise E.EngineError(E.ENGINE_ILLEGAL_EMIT, type(effect).__name__, "not an output")
    running = node.timers if timers is None else MappingProxyType(dict(sorted(timers.items())))
    # built field by field: dataclasses.replace costs about as much as the rest of this
    # function, and every input of every node comes through here
    updated = Node(node.role, node.identity, state, at, seq, window, running)
    return updated, tuple(outputs)


def observe(node: Node[D]) -> bytes:
    """Deterministic CBOR of the node's normative observable state."""
    return encode_message(node.role.observe(node))


def _authenticate(node: Node[D], frame: bytes) -> tuple[Envelope, WireModel]:
    opened = open_envelope(frame, _spoken(node.role.speaks))
    return opened.envelope, opened.body


@lru_cache(maxsize=64)
def _spoken(speaks: frozenset[str]) -> Mapping[tuple[str, str], type[WireModel]]:
    """The message types of the protocols a role speaks (built once per role)."""
    return MappingProxyType({key: model for key, model in MESSAGES.items() if key[0] in speaks})


def _upcall(node: Node[D], upcall: Upcall) -> WireModel:
    model = node.role.upcalls.get(upcall.name)
    if model is None:
        raise E.PeerMarketError(
            E.MACHINE_NO_TRANSITION,
            f"upcall:{upcall.name}",
            f"{node.role.protocol} takes no upcall {upcall.name!r}",
        )
    return decode_message(model, upcall.args, "args")


def _args(node: Node[D], command: Command) -> WireModel:
    model = node.role.commands.get(command.name)
    if model is None:
        raise E.PeerMarketError(
            E.MACHINE_NO_TRANSITION,
            f"command:{command.name}",
            f"{node.role.protocol} has no command {command.name!r}",
        )
    return decode_message(model, command.args, "args")
