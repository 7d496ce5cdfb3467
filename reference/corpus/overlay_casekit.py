"""The case builder of the hand-written ``overlay`` cases, and the helpers they share.

Like :mod:`reference.corpus.casekit` (whose :class:`~reference.corpus.casekit.CaseRecorder`
it extends), but for an overlay node ``a`` (seed ``seed_from_label("overlay/a")``,
at (500, 500)) with parameters of the case's choosing. Remote peers are
identities from ``seed_from_label("overlay/<name>")`` at fixed coordinates;
:class:`Peer` seals their messages (link envelopes with consecutive sequence
numbers, inner frames with sequence number 0), so every frame comes from the
reference's own sealing code.

:class:`OverlayCase` applies every input to the reference while recording it;
a negative step must be rejected with exactly the intended code (and field),
and its *control* input, when given, must be accepted in the same state.

Node ``a`` starts every case ``idle``; most cases first make it the first node
of a ring (:func:`ring`) and let peers announce themselves, so that its leaf
set (fewer than 8 per side: it covers the whole ring) routes every key to the
numerically closest of ``a`` and those peers. On the ring (hex prefixes) the
peers sit in the order d 0c, j 32, f 38, b 3b, c 83, g 98, a 9a, e f4.
"""

from collections.abc import Iterable
from typing import Final

from reference.codec import encode_message
from reference.corpus.casekit import ATTACK, EDGE, CaseError, CaseRecorder, SealingPeer
from reference.envelope import open_envelope
from reference.identity import Identity, seed_from_label
from reference.node import Node
from reference.overlay.data import OverlayData
from reference.overlay.ring import digit, distance, shl, to_int
from reference.overlay.role import ROLE
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_REPLAY_SENDERS
from spec.v1.overlay import NodeRef, OverlayParams
from spec.v1.overlay.commands import CreateRingCommand
from spec.v1.overlay.messages import Announce, JoinRequest, JoinState, Lookup, Route
from spec.v1.registry import MESSAGES
from spec.v1.trace import FireTimer, Generator, Output, Tag

NODE: Final = "a"
NODE_SEED: Final = seed_from_label("overlay/a")
NODE_X: Final = 500
NODE_Y: Final = 500

JOIN_NONCE: Final = b"join-a01"
LOOKUP_NONCE: Final = b"lookup01"

__all__ = [
    "ATTACK",
    "A_ID",
    "EDGE",
    "JOIN_NONCE",
    "LOOKUP_NONCE",
    "CaseError",
    "OverlayCase",
    "Peer",
    "body_of",
    "closest",
    "identity",
    "join_inner",
    "join_state",
    "joiner_near",
    "kinds",
    "lookup_inner",
    "lookup_route",
    "messages_sent",
    "nonce_of",
    "params",
    "ref",
    "refuse",
    "ring",
    "route",
    "slot_of",
]


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


def params(bootstrap: str | None = None, x: int = NODE_X, y: int = NODE_Y) -> OverlayParams:
    return OverlayParams(
        x=x,
        y=y,
        bootstrap=None if bootstrap is None else ref(bootstrap),
        replay_senders=MAX_REPLAY_SENDERS,
    )


class Peer(SealingPeer):
    """A remote identity that seals its own messages, with its node reference."""

    def __init__(self, name: str) -> None:
        super().__init__(name, identity(name))
        self.ref = ref(name)


class OverlayCase(CaseRecorder[OverlayData]):
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
        at: tuple[int, int] = (NODE_X, NODE_Y),
    ) -> None:
        """``at``: a's coordinates (its parameters), (500, 500) unless a case needs others."""
        super().__init__(
            generator,
            case_id,
            description,
            tags,
            flags,
            role=ROLE,
            seed=NODE_SEED,
            params=encode_message(params(bootstrap, *at)),
        )
        self._coordinates = at
        self._remotes: dict[str, Peer] = {}
        if bootstrap is not None:
            self.peer(bootstrap)

    @property
    def node(self) -> Node[OverlayData]:
        return self._node

    @property
    def self_ref(self) -> NodeRef:
        x, y = self._coordinates
        return NodeRef(id=identity(NODE).node_id, x=x, y=y)

    def peer(self, name: str) -> Peer:
        """The peer ``name`` (one object per case, so its sequence numbers run on)."""
        found = self._remotes.get(name)
        if found is None:
            found = self._remotes[name] = Peer(name)
            self._peers[name] = found.node_id
        return found

    def send(self, sender: str, body: WireModel, note: str, **kwargs: object) -> tuple[Output, ...]:
        """``sender`` seals ``body`` (its next sequence number) and delivers it to ``a``."""
        return self.deliver(self.peer(sender).frame(body), sender, note, **kwargs)  # type: ignore[arg-type]

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


# -- helpers of the cases ---------------------------------------------------------------------


def nonce_of(label: str) -> bytes:
    """An 8-byte nonce derived from ``label``."""
    return seed_from_label(f"overlay/nonce/{label}")[:8]


def ring(case: OverlayCase, *names: str, at: int | None = None) -> None:
    """``create_ring``, then an ``announce`` (with an empty leaf list) from each peer."""
    case.command("create_ring", CreateRingCommand(), "create a ring", at=at)
    for name in names:
        peer = case.peer(name)
        case.send(name, Announce(node=peer.ref, leaf=()), f"{name} announces itself")


def closest(key: bytes, names: Iterable[str]) -> str:
    """Which of ``names`` is numerically closest to ``key`` (ties to the smaller id)."""
    k = to_int(key)
    return min(
        names,
        key=lambda n: (distance(to_int(identity(n).node_id), k), identity(n).node_id),
    )


def joiner_near(target: str, among: tuple[str, ...]) -> str:
    """A joiner name ``j<i>`` whose id is closest to ``target`` among ``among``."""
    for i in range(1000):
        name = f"j{i}"
        if closest(identity(name).node_id, among) == target:
            return name
    raise CaseError(f"no joiner lands on {target}")


def route(key: bytes, hops: int, token: int, inner: bytes) -> Route:
    return Route(key=key, hops=hops, token=token, frame=inner)


def lookup_inner(origin: Peer, key: bytes, nonce: bytes = LOOKUP_NONCE) -> bytes:
    return origin.inner(Lookup(key=key, nonce=nonce))


def join_inner(joiner: Peer, nonce: bytes = JOIN_NONCE) -> bytes:
    return joiner.inner(JoinRequest(nonce=nonce, node=joiner.ref))


def join_state(
    sender: str, hop: int, root: bool, entries: tuple[str, ...] = (), leaf: tuple[str, ...] = ()
) -> JoinState:
    """``sender``'s join_state for a's join (nonce :data:`JOIN_NONCE`), no neighbours."""
    return JoinState(
        nonce=JOIN_NONCE,
        hop=hop,
        root=root,
        node=ref(sender),
        entries=tuple(ref(n) for n in entries),
        leaf=tuple(ref(n) for n in leaf),
        neighbours=(),
    )


# -- reading what a node sent -------------------------------------------------------------


def messages_sent(outputs: tuple[Output, ...]) -> tuple[tuple[str, bytes], ...]:
    """(message type, recipient) of each output, in order."""
    return tuple((open_envelope(o.frame, MESSAGES).envelope.type, o.to) for o in outputs)


def body_of(output: Output) -> WireModel:
    return open_envelope(output.frame, MESSAGES).body


def kinds(outputs: tuple[Output, ...]) -> list[str]:
    """The message type of each output, in order."""
    return [kind for kind, _ in messages_sent(outputs)]


def slot_of(name: str) -> tuple[int, int]:
    """The routing-table slot (row, column) of ``name`` in a's table."""
    n = to_int(identity(name).node_id)
    row = shl(A_ID, n)
    return row, digit(n, row)


def refuse(case: OverlayCase, sender: str, body: WireModel, note: str, field: str) -> None:
    """``sender``'s ``body`` is refused by a's guard (``machine.guard_rejected``)."""
    case.send(sender, body, note, error=E.MACHINE_GUARD_REJECTED, field=field)


def lookup_route(case: OverlayCase, key: bytes, token: int, label: str) -> Route:
    """c's route (hops 1) of d's lookup of ``key`` with nonce ``label``."""
    d = case.peer("d")
    return route(key, 1, token, lookup_inner(d, key, label.encode()[:8].ljust(8, b".")))


A_ID: Final = to_int(identity(NODE).node_id)
"""a's id as an integer."""
