"""The body runtime: nodes step on message *bodies*, nothing is encoded, signed or verified.

Issue 4's documented simulator option for scale. :class:`BodyRuntime` runs the
same machines, guards and actions as :class:`~reference.sim.runtime.FrameRuntime`
(``Machine.step`` of each role), but a message is its body object and the
simulator's sender id (the ``link``) stands for the envelope's authenticated
sender. What differs, and only that:

- no envelope, no signature, no replay window: ``next_seq``, ``last_seq`` and
  ``replay_floors`` of the observable state never move (``replay_senders`` in the
  parameters is decoded and not used);
- a role may give an initial-data function of its own for this runtime
  (:data:`BODY_DATA`): the overlay's routes then carry the origin's request as
  an object (:class:`~reference.overlay.carrier.RouteBody`) instead of a
  signed inner frame;
- ``suppress`` names timers that are never started (nothing schedules them, so
  they never fire). Suppressing the overlay's ``probe`` timer is observationally
  equivalent in a run without failures or loss (every probe is answered and
  changes no table) and saves most events when building large rings.

Commands may be given as :class:`~spec.v1.trace.Command` (CBOR arguments, decoded
strictly) or as :class:`ModelCommand` (an already built argument model).
Recording traces needs frames, so it needs the frame runtime.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from reference import node as refnode
from reference.codec import decode_message
from reference.effects import CancelTimer, Emit, StartTimer
from reference.engine import Event, MachineState
from reference.identity import Identity
from reference.overlay.carrier import RouteBody
from reference.overlay.role import body_data as overlay_body_data
from reference.roles import ROLES
from reference.sim.runtime import INVALID_LABEL, Sends
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.overlay import PROTOCOL as OVERLAY
from spec.v1.registry import MESSAGES
from spec.v1.trace import Command

BodyData = Callable[[Identity, WireModel, dict[object, object]], Any]
"""Initial data of a node in the body runtime; the dict is shared by every node of the
runtime (a role may intern immutable values in it)."""

BODY_DATA: Final[Mapping[str, BodyData]] = MappingProxyType({OVERLAY: overlay_body_data})
"""Per protocol, the initial data of a node in the body runtime (default: the role's)."""

_LABELS: Final[dict[type, tuple[str, str]]] = {
    **{model: key for key, model in MESSAGES.items()},
    RouteBody: (OVERLAY, "route"),
}
_TRIGGERS: Final[dict[type, str]] = {kind: f"message:{key[1]}" for kind, key in _LABELS.items()}
_LABEL_TEXT: Final[dict[type, str]] = {kind: f"{key[0]}/{key[1]}" for kind, key in _LABELS.items()}
"""Each body type's machine trigger, built once (it is needed for every delivery)."""


class ModelCommand(NamedTuple):
    """A local command whose arguments are already a model (no CBOR round trip)."""

    name: str
    args: WireModel
    kind: str = "command"


class BodyNode(NamedTuple):
    """One node of the body runtime: immutable, stepping returns a new one."""

    role: refnode.ProtocolRole[Any]
    identity: Identity
    state: MachineState[Any]
    now: int
    timers: Mapping[str, int]


class BodyRuntime:
    """The simulator's fast path: :class:`~reference.sim.runtime.Runtime` over bodies."""

    def __init__(
        self,
        roles: Mapping[str, refnode.ProtocolRole[Any]] = ROLES,
        body_data: Mapping[str, BodyData] = BODY_DATA,
        suppress: frozenset[str] = frozenset(),
    ) -> None:
        self._roles = roles
        self._body_data = body_data
        self._suppress = suppress
        self._shared: dict[object, object] = {}

    def create(self, identity: Identity, protocol: str, params: bytes) -> BodyNode:
        role = self._roles.get(protocol)
        if role is None:
            raise ValueError(f"no role for protocol {protocol!r}")
        decoded = decode_message(role.params_model, params, "params")
        special = self._body_data.get(protocol)
        data = (
            role.initial_data(identity, decoded)
            if special is None
            else special(identity, decoded, self._shared)
        )
        state = role.machine.initial(data)
        return BodyNode(role, identity, state, 0, MappingProxyType({}))

    def deliver(
        self, node: BodyNode, at: int, link: bytes, message: object
    ) -> tuple[BodyNode, Sends[object]]:
        key = _LABELS.get(type(message))
        if key is None or key[0] not in node.role.speaks:
            raise E.PeerMarketError(
                E.ENVELOPE_UNKNOWN_PROTOCOL, "protocol", f"{type(message).__name__} not spoken"
            )
        stim = refnode.Stimulus(at, node.identity.node_id, None, message, link)  # type: ignore[arg-type]
        return self._step(node, at, Event(_TRIGGERS[type(message)], stim))

    def fire(self, node: BodyNode, at: int, timer: str) -> tuple[BodyNode, Sends[object]]:
        due = node.timers.get(timer)
        if due is None or due > at:
            raise E.PeerMarketError(
                E.MACHINE_NO_TRANSITION, f"timer:{timer}", f"timer {timer!r} is not running or due"
            )
        event = Event(f"timer:{timer}", refnode.Stimulus(at, node.identity.node_id))
        return self._step(node, at, event, fired=timer)

    def command(
        self, node: BodyNode, at: int, command: Command | ModelCommand
    ) -> tuple[BodyNode, Sends[object]]:
        if isinstance(command, ModelCommand):
            args = command.args
        else:
            model = node.role.commands.get(command.name)
            if model is None:
                raise E.PeerMarketError(
                    E.MACHINE_NO_TRANSITION,
                    f"command:{command.name}",
                    f"{node.role.protocol} has no command {command.name!r}",
                )
            args = decode_message(model, command.args, "args")
        stim = refnode.Stimulus(at, node.identity.node_id, args=args)
        return self._step(node, at, Event(f"command:{command.name}", stim))

    def timers(self, node: BodyNode) -> Mapping[str, int]:
        return node.timers

    def observe(self, node: BodyNode) -> bytes:
        wrapped = refnode.Node(node.role, node.identity, node.state, node.now, timers=node.timers)
        return refnode.observe(wrapped)

    def label(self, message: object) -> str:
        return _LABEL_TEXT.get(type(message), INVALID_LABEL)

    def _step(
        self, node: BodyNode, at: int, event: Event, fired: str | None = None
    ) -> tuple[BodyNode, Sends[object]]:
        if at < node.now:
            raise ValueError(f"time runs forward: input at {at} after {node.now}")
        state, effects = node.role.machine.step(node.state, event)
        timers: dict[str, int] | None = None
        if fired is not None:
            timers = dict(node.timers)
            del timers[fired]
        sends: list[tuple[bytes, object]] = []
        for effect in effects:
            if isinstance(effect, Emit):
                if effect.to is None:
                    raise E.EngineError(
                        E.ENGINE_ILLEGAL_EMIT, effect.message_type, "no destination"
                    )
                sends.append((effect.to, effect.body))
            elif isinstance(effect, StartTimer):
                if effect.name in self._suppress:
                    continue
                if timers is None:
                    timers = dict(node.timers)
                timers[effect.name] = effect.at
            elif isinstance(effect, CancelTimer) and (
                effect.name in node.timers if timers is None else effect.name in timers
            ):
                if timers is None:
                    timers = dict(node.timers)
                timers.pop(effect.name, None)
        running = node.timers if timers is None else MappingProxyType(timers)
        return BodyNode(node.role, node.identity, state, at, running), tuple(sends)
