"""The case builder of the hand-written ``overlay`` cases.

Like :mod:`reference.corpus.casekit` (whose checks it shares), but for an
overlay node ``a`` (seed ``seed_from_label("overlay/a")``) with parameters of
the case's choosing. Remote peers are identities from
``seed_from_label("overlay/<name>")`` at fixed coordinates; :class:`Peer`
seals their messages (link envelopes with consecutive sequence numbers, inner
frames with sequence number 0), so every frame comes from the reference's
own sealing code.

:class:`OverlayCase` applies every input to the reference while recording it;
a negative step must be rejected with exactly the intended code (and field),
and its *control* input, when given, must be accepted in the same state.
"""

from typing import Final

from reference.codec import encode_message
from reference.corpus import seal_trace
from reference.corpus.casekit import ATTACK, EDGE, CaseError
from reference.envelope import seal
from reference.identity import Identity, seed_from_label
from reference.node import Node, create, handle, observe
from reference.overlay.data import OverlayData
from reference.overlay.role import ROLE
from spec.v1 import SPEC_VERSION
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.flags import BY_NAME
from spec.v1.overlay import PROTOCOL, NodeRef, OverlayParams
from spec.v1.trace import (
    TRACE_FORMAT,
    Command,
    Deliver,
    Expect,
    FireTimer,
    Generator,
    Input,
    NodeSetup,
    Output,
    Step,
    Tag,
    Trace,
    TraceHeader,
)
from spec.v1.trace import (
    Peer as TracePeer,
)

NODE: Final = "a"
NODE_SEED: Final = seed_from_label("overlay/a")
NODE_X: Final = 500
NODE_Y: Final = 500

__all__ = ["ATTACK", "EDGE", "CaseError", "OverlayCase", "Peer", "identity", "params"]


def identity(name: str) -> Identity:
    return Identity.from_label(f"overlay/{name}")


def coordinates(name: str) -> tuple[int, int]:
    """Fixed, readable coordinates per peer name: a at (500, 500), the others around it."""
    if name == NODE:
        return NODE_X, NODE_Y
    digest = seed_from_label(f"overlay/coords/{name}")
    return digest[0] * 4, digest[1] * 4


def ref(name: str) -> NodeRef:
    x, y = coordinates(name)
    return NodeRef(id=identity(name).node_id, x=x, y=y)


def params(bootstrap: str | None = None) -> OverlayParams:
    return OverlayParams(
        x=NODE_X, y=NODE_Y, bootstrap=None if bootstrap is None else ref(bootstrap)
    )


class Peer:
    """A remote identity that seals its own messages."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.identity = identity(name)
        self.node_id = self.identity.node_id
        self.ref = ref(name)
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


class OverlayCase:
    """Records the steps of one case against a fresh overlay node ``a``."""

    def __init__(
        self,
        generator: Generator,
        case_id: str,
        description: str,
        tags: tuple[Tag, ...],
        flags: tuple[str, ...] = (),
        *,
        bootstrap: str | None = None,
    ) -> None:
        unknown = [flag for flag in flags if flag not in BY_NAME]
        if unknown:
            raise CaseError(f"{case_id}: unknown flags {unknown}")
        self.case_id = case_id
        self._generator = generator
        self._description = description
        self._tags = tags
        self._flags = flags
        self._params = encode_message(params(bootstrap))
        self._node: Node[OverlayData] = create(ROLE, Identity.from_seed(NODE_SEED), self._params)
        self._steps: list[Step] = []
        self._peers: dict[str, bytes] = {}
        self._remotes: dict[str, Peer] = {}
        self._at = 0
        if bootstrap is not None:
            self.peer(bootstrap)

    @property
    def node(self) -> Node[OverlayData]:
        return self._node

    @property
    def node_id(self) -> bytes:
        return self._node.node_id

    @property
    def now(self) -> int:
        return self._at

    @property
    def self_ref(self) -> NodeRef:
        return ref(NODE)

    def peer(self, name: str) -> Peer:
        """The peer ``name`` (one object per case, so its sequence numbers run on)."""
        found = self._remotes.get(name)
        if found is None:
            found = self._remotes[name] = Peer(name)
            self._peers[name] = found.node_id
        return found

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
        link_id = self.peer(link).node_id
        item = Deliver(kind="deliver", link=link_id, frame=frame)
        probe = None if control is None else Deliver(kind="deliver", link=link_id, frame=control)
        return self.step(
            item, note, error=error, field=field, control=probe, at=at, record_state=record_state
        )

    def send(self, sender: str, body: WireModel, note: str, **kwargs: object) -> tuple[Output, ...]:
        """``sender`` seals ``body`` (its next sequence number) and delivers it to ``a``."""
        return self.deliver(self.peer(sender).frame(body), sender, note, **kwargs)  # type: ignore[arg-type]

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
    ) -> tuple[Output, ...]:
        raw = args if isinstance(args, bytes) else encode_message(args)
        item = Command(kind="command", name=name, args=raw)
        probe = None if control is None else Command(kind="command", name=name, args=control)
        return self.step(item, note, error=error, field=field, control=probe, at=at)

    def timer(
        self,
        name: str,
        note: str,
        *,
        at: int | None = None,
        error: E.ErrorCode | None = None,
        field: str | None = None,
    ) -> tuple[Output, ...]:
        """Fire timer ``name`` (at its due tick unless ``at`` is given)."""
        when = self._node.timers.get(name) if at is None else at
        if when is None:
            when = self._at + 1
        return self.step(
            FireTimer(kind="timer", name=name),
            note,
            at=max(when, self._at),
            error=error,
            field=field,
        )

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
        outputs: tuple[Output, ...] = ()
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
            expect = Expect(
                outputs=outputs, error=None, state=observe(updated) if record_state else None
            )
        self._at = when
        self._steps.append(Step(node=NODE, at=when, input=item, expect=expect, note=note))
        return outputs

    def trace(self) -> Trace:
        rejects = any(step.expect.error is not None for step in self._steps)
        if rejects != ("negative" in self._tags) or (rejects and "positive" in self._tags):
            raise CaseError(f"{self.case_id}: tags {self._tags} do not match the expectations")
        if rejects and not self._flags:
            raise CaseError(f"{self.case_id}: a negative case must name what it attacks")
        header = TraceHeader(
            trace_format=TRACE_FORMAT,
            spec_version=SPEC_VERSION,
            protocol=PROTOCOL,
            case_id=self.case_id,
            generator=self._generator,
            description=self._description,
            tags=self._tags,
            flags=self._flags,
            nodes=(NodeSetup(name=NODE, protocol=PROTOCOL, seed=NODE_SEED, params=self._params),),
            peers=tuple(TracePeer(name=n, node_id=i) for n, i in sorted(self._peers.items())),
        )
        return seal_trace(header, self._steps)
