"""The case builder of the hand-written ``wire`` cases: record steps, check every verdict.

Every case drives one wire node ``a`` (seed ``seed_from_label("wire/a")``,
:class:`~spec.v1.wire.WireParams` with the largest replay window unless the case
tests eviction). Remote peers are identities from
``seed_from_label("wire/<name>")``; in the conversations they are reference
nodes themselves (:class:`RemoteNode`), so every frame comes out of the
executable spec.

:class:`CaseRecorder` (the base of :class:`Case` and of the other protocols'
case builders, such as :class:`reference.corpus.overlay_casekit.OverlayCase`)
applies each input to the reference as it records it. For a negative step it
checks that the valid input the case started from (the *control*) would be
accepted in the same state, and that the reference rejects the defective one
with exactly the intended code at the intended field. A generator bug
therefore fails loudly (:class:`CaseError`) instead of recording a case that
tests something else.

Check order matters when a frame could be read as having two defects; the
normative order (``spec/v1/prose/envelope.md``, :func:`reference.envelope.open_envelope`)
is: size, CBOR profile (left to right, then trailing bytes), envelope schema,
version, protocol, type, key binding, signature, body (CBOR then schema),
replay, machine. Cases whose defect is only reachable with a second,
later-checked oddity (an indefinite *array* where the schema wants an integer)
say so in their description.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Generic, Protocol, TypeVar

from reference.codec import encode_message
from reference.corpus import seal_trace
from reference.envelope import seal
from reference.identity import Identity, seed_from_label
from reference.node import Node, ProtocolRole, create, handle, observe
from reference.wire import ROLE, WireData
from spec.v1 import SPEC_VERSION
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.flags import BY_NAME
from spec.v1.trace import (
    TRACE_FORMAT,
    Command,
    Deliver,
    Emitted,
    Expect,
    Generator,
    Input,
    NodeSetup,
    Output,
    Peer,
    Step,
    Tag,
    Trace,
    TraceHeader,
)
from spec.v1.wire import PingCommand, WireParams

NODE: Final = "a"
"""The trace-local name of the node under test."""
NODE_SEED: Final = seed_from_label("wire/a")


def wire_params(replay_senders: int = MAX_REPLAY_SENDERS) -> bytes:
    """The deterministic CBOR of a wire node's parameters."""
    return encode_message(WireParams(replay_senders=replay_senders))


PARAMS: Final = wire_params()
"""The parameters of every wire node of the corpus but those of the eviction cases."""

D = TypeVar("D")
"""The protocol data of the node a case drives."""

ATTACK: Final[tuple[Tag, ...]] = ("negative", "adversarial")
EDGE: Final[tuple[Tag, ...]] = ("negative", "edge")


class CaseError(Exception):
    """A case does not do what it claims: the generator, not the spec, is wrong."""


def identity(name: str) -> Identity:
    """The identity of the trace-local name ``name`` (``a`` is the node under test)."""
    return Identity.from_label(f"wire/{name}")


class RemoteNode:
    """A peer run by the reference itself, so its frames come from the executable spec."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.identity = identity(name)
        self._node: Node[WireData] = create(ROLE, self.identity, PARAMS)

    def _only(self, at: int, item: Input) -> bytes:
        self._node, outputs = handle(self._node, at, item)
        if len(outputs) != 1:
            raise CaseError(f"peer {self.name} emitted {len(outputs)} frames, expected one")
        return outputs[0].frame

    def ping(self, to: bytes, nonce: bytes, at: int) -> bytes:
        """The frame ``ping`` sends when its application pings ``to``."""
        args = encode_message(PingCommand(to=to, nonce=nonce))
        return self._only(at, Command(kind="command", name="ping", args=args))

    def receive(self, frame: bytes, from_: bytes, at: int) -> bytes:
        """Deliver ``frame`` (which must draw exactly one reply) and return the reply."""
        return self._only(at, Deliver(kind="deliver", link=from_, frame=frame))

    def accept(self, frame: bytes, from_: bytes, at: int) -> None:
        """Deliver ``frame``, which must be accepted without a reply (a pong)."""
        self._node, outputs = handle(
            self._node, at, Deliver(kind="deliver", link=from_, frame=frame)
        )
        if outputs:
            raise CaseError(f"peer {self.name} answered a frame that needs no answer")


class SealingPeer:
    """A remote identity of a case that seals its own messages: link envelopes with
    consecutive sequence numbers (from 1), inner frames with sequence number 0."""

    def __init__(self, name: str, who: Identity) -> None:
        self.name = name
        self.identity = who
        self.node_id = who.node_id
        self.seq = 0

    def frame(self, body: WireModel, seq: int | None = None) -> bytes:
        """A link envelope of ``body``: the next sequence number unless ``seq`` is given."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        return seal(self.identity, body, seq)

    def inner(self, body: WireModel) -> bytes:
        """An inner (routed) frame of ``body``: sequence number 0."""
        return seal(self.identity, body, 0)


def command_input(
    name: str, args: WireModel | bytes, control: bytes | None
) -> tuple[Command, Command | None]:
    """The command input of ``name`` (``args`` a model or its encoding), and its control."""
    raw = args if isinstance(args, bytes) else encode_message(args)
    item = Command(kind="command", name=name, args=raw)
    probe = None if control is None else Command(kind="command", name=name, args=control)
    return item, probe


class Named(Protocol):
    """Anything with a node id: an identity, or a peer that seals its own frames."""

    @property
    def node_id(self) -> bytes: ...


class CaseRecorder(Generic[D]):
    """Records the steps of one case against a fresh node ``a``, checking every verdict.

    Shared by the case builders of every protocol: a subclass names the role, the
    node's seed and parameters, and how a peer name becomes a peer (:meth:`peer`).
    """

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
    ) -> None:
        unknown = [flag for flag in flags if flag not in BY_NAME]
        if unknown:
            raise CaseError(f"{case_id}: unknown flags {unknown}")
        self.case_id = case_id
        self._generator = generator
        self._description = description
        self._tags = tags
        self._flags = flags
        self._protocol = role.protocol
        self._seed = seed
        self._params = params
        self._node: Node[D] = create(role, Identity.from_seed(seed), params)
        self._steps: list[Step] = []
        self._peers: dict[str, bytes] = {}
        self._at = 0

    @property
    def node_id(self) -> bytes:
        return self._node.node_id

    @property
    def now(self) -> int:
        return self._at

    def peer(self, name: str) -> Named:
        """The peer ``name``, listed among the trace's peers."""
        raise NotImplementedError

    def deliver(
        self,
        frame: bytes,
        link: str,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: bytes | None = None,
        at: int | None = None,
        record_state: bool = True,
    ) -> tuple[Output, ...]:
        """Deliver ``frame`` over the link from peer ``link``; see :meth:`step`."""
        link_id = self.peer(link).node_id
        item = Deliver(kind="deliver", link=link_id, frame=frame)
        probe = None if control is None else Deliver(kind="deliver", link=link_id, frame=control)
        return self.step(
            item, note, error=error, field=field, control=probe, at=at, record_state=record_state
        )

    def command(
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
    ) -> tuple[Output, ...]:
        """Give the node the local command ``name`` (``args`` a model or its encoding)."""
        item, probe = command_input(name, args, control)
        return self.step(
            item, note, error=error, field=field, control=probe, at=at, record_state=record_state
        )

    def record(
        self,
        item: Input,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: Input | None = None,
        at: int | None = None,
        record_state: bool = True,
    ) -> tuple[Emitted, ...]:
        """Apply ``item`` at the next tick (or ``at``) and record the verdict it must get.

        ``error`` is the code the reference must reject with (at ``field``, when
        given); ``control`` is the same input without the defect, which the
        node in its current state must accept. ``record_state`` False leaves the
        step's expected state out (long runs of similar steps).
        """
        when = self._at + 1 if at is None else at
        if when < self._at:
            raise CaseError(f"{self.case_id}: time runs backwards ({when} < {self._at})")
        where = f"{self.case_id} step {len(self._steps) + 1}"
        if control is not None:
            try:
                handle(self._node, when, control)
            except E.PeerMarketError as exc:
                raise CaseError(f"{where}: the control input is itself rejected: {exc}") from exc
        before = observe(self._node)
        outputs: tuple[Emitted, ...] = ()
        try:
            updated, outputs = handle(self._node, when, item)
        except E.EngineError:
            raise
        except E.PeerMarketError as exc:
            if error is None:
                raise CaseError(f"{where}: rejected ({exc}) but meant to be accepted") from exc
            if exc.code != error:
                raise CaseError(f"{where}: rejected with {exc}, intended {error.code}") from exc
            if field is not None and exc.field != field:
                raise CaseError(f"{where}: rejected at {exc.field!r}, intended {field!r}") from exc
            expect = Expect(outputs=(), error=error.code, state=before)
            note = f"{note} (rejected at {exc.field or '$'})"
        else:
            if error is not None:
                raise CaseError(f"{where}: accepted but meant to be rejected with {error.code}")
            self._node = updated
            state = observe(updated) if record_state else None
            expect = Expect(outputs=outputs, error=None, state=state)
        self._at = when
        self._steps.append(Step(node=NODE, at=when, input=item, expect=expect, note=note))
        return outputs

    def step(
        self,
        item: Input,
        note: str,
        *,
        error: E.ErrorCode | None = None,
        field: str | None = None,
        control: Input | None = None,
        at: int | None = None,
        record_state: bool = True,
    ) -> tuple[Output, ...]:
        """:meth:`record` for nodes that only send frames (no route downcalls)."""
        outputs = self.record(
            item, note, error=error, field=field, control=control, at=at, record_state=record_state
        )
        frames = tuple(o for o in outputs if isinstance(o, Output))
        if len(frames) != len(outputs):
            raise CaseError(f"{self.case_id}: a route downcall where frames were meant")
        return frames

    def trace(self) -> Trace:
        """The recorded case, sealed with its content hash."""
        rejects = any(step.expect.error is not None for step in self._steps)
        if rejects != ("negative" in self._tags) or (rejects and "positive" in self._tags):
            raise CaseError(f"{self.case_id}: tags {self._tags} do not match the expectations")
        if rejects and not self._flags:
            raise CaseError(f"{self.case_id}: a negative case must name what it attacks")
        setup = NodeSetup(name=NODE, protocol=self._protocol, seed=self._seed, params=self._params)
        header = TraceHeader(
            trace_format=TRACE_FORMAT,
            spec_version=SPEC_VERSION,
            protocol=self._protocol,
            case_id=self.case_id,
            generator=self._generator,
            description=self._description,
            tags=self._tags,
            flags=self._flags,
            nodes=(setup,),
            peers=tuple(Peer(name=n, node_id=i) for n, i in sorted(self._peers.items())),
        )
        return seal_trace(header, self._steps)


class Case(CaseRecorder[WireData]):
    """A ``wire`` case: node ``a`` keeping up to ``replay_senders`` senders (4096 unless
    the case tests eviction); peers are plain identities."""

    def __init__(
        self,
        generator: Generator,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...] = (),
        *,
        replay_senders: int = MAX_REPLAY_SENDERS,
    ) -> None:
        super().__init__(
            generator,
            case_id,
            description,
            tags,
            flags,
            role=ROLE,
            seed=NODE_SEED,
            params=wire_params(replay_senders),
        )

    def peer(self, name: str) -> Identity:
        """The identity ``name``, listed among the trace's peers."""
        who = identity(name)
        self._peers[name] = who.node_id
        return who

    def remote(self, name: str) -> RemoteNode:
        """A reference node for ``name``, listed among the trace's peers."""
        self.peer(name)
        return RemoteNode(name)

    def ping(self, to: str, nonce: bytes, note: str, *, record_state: bool = True) -> bytes:
        """Command ``ping`` to ``to``, which must succeed; returns the one ping frame sent."""
        args = encode_message(PingCommand(to=self.peer(to).node_id, nonce=nonce))
        item = Command(kind="command", name="ping", args=args)
        outputs = self.step(item, note, record_state=record_state)
        if len(outputs) != 1:
            raise CaseError(f"{self.case_id}: the ping command sent {len(outputs)} frames")
        return outputs[0].frame


def reject_frame(
    generator: Generator,
    case_id: str,
    description: str,
    flags: tuple[str, ...],
    frame: bytes,
    error: E.ErrorCode,
    field: str | None,
    *,
    control: bytes | None,
    note: str,
    tags: tuple[Tag, ...] = ATTACK,
) -> Trace:
    """A one-step case: ``b`` sends ``frame`` and ``a`` must reject it with ``error``."""
    case = Case(generator, case_id, description, tags, flags)
    case.deliver(frame, "b", note, error=error, field=field, control=control)
    return case.trace()


Defect = TypeVar("Defect")


def as_sent(frame: bytes) -> bytes:
    """The defect is the whole frame, sent as it is."""
    return frame


@dataclass(frozen=True)
class RejectionCases(Generic[Defect]):
    """:func:`reject_frame` bound to one generator, one control frame and one way to build frames.

    Each module of one-step negative cases attacks one part of the standard ping (the frame,
    the body, the signed fields), so its cases differ only in the defect and the verdict.
    """

    generator: Generator
    control: bytes
    frame_of: Callable[[Defect], bytes]
    """Builds the frame ``b`` sends from a case's defect (``as_sent`` when it is the frame)."""

    def __call__(
        self,
        case_id: str,
        description: str,
        flags: tuple[str, ...],
        defect: Defect,
        error: E.ErrorCode,
        field: str,
        note: str,
        tags: tuple[Tag, ...] = ATTACK,
    ) -> Trace:
        return reject_frame(
            self.generator,
            case_id,
            description,
            flags,
            self.frame_of(defect),
            error,
            field,
            control=self.control,
            note=note,
            tags=tags,
        )
