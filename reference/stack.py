"""A whole stack: the overlay and an application on one peer (``stack.md``, "Whole stack").

The node pipeline (:mod:`reference.node`) stays as it is: one identity, one
sequence counter, one replay window. What it steps is a :class:`StackMachine`,
which holds both protocols' machine states and runs one input as a queue of
events (first in, first out):

- the input itself goes to the protocol that owns it (a message by its
  envelope's protocol, a command or a timer by its name);
- an upcall the overlay makes (``deliver``, ``forward``) is queued for the
  application; after every overlay step the leaf set's changes are queued as
  ``update`` upcalls (members that left first, then those that joined, each by
  ascending id);
- a ``route`` downcall the application makes is sealed as an inner frame
  (sequence number 0) and queued for the overlay as trigger ``downcall:route``.

Frames and timers come out in the order the steps emit them. The input's own
event may be refused (the whole input is then refused, nothing changes); a
queued event that its machine refuses is dropped and changes nothing, and the
step goes on, because the input that caused it was accepted.
"""

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Generic, NamedTuple, TypeVar

from reference.effects import Effect, RouteDowncall, UpcallEffect
from reference.engine import Event, MachineState, Stepper
from reference.envelope import seal
from reference.identity import Identity
from reference.node import INNER_SEQ, Node, ProtocolRole, Stimulus
from reference.overlay import role as overlay_role
from reference.overlay.carrier import ROUTABLE, FrameCarrier
from reference.overlay.data import OverlayData
from reference.overlay.leafset import LeafSet, members
from spec.v1 import errors as E
from spec.v1.base import WireModel
from spec.v1.machine import MachineTable
from spec.v1.overlay import constants as OC
from spec.v1.registry import MESSAGES
from spec.v1.stack import RouteArgs, UpdateUpcall
from spec.v1.wire import PROTOCOL as WIRE

A = TypeVar("A")

OVERLAY_TIMERS: Final = frozenset(
    {
        OC.TIMER_PROBE,
        OC.TIMER_PROBE_TIMEOUT,
        OC.TIMER_HOP_TIMEOUT,
        OC.TIMER_LOOKUP_TIMEOUT,
        OC.TIMER_JOIN,
        OC.TIMER_MAINTAIN,
    }
)
"""The overlay's timer names; every other timer of a stack is its application's."""


class StackData(NamedTuple, Generic[A]):
    """Both protocols' machine states, and the identity that seals inner frames."""

    identity: Identity
    overlay: MachineState[OverlayData]
    application: MachineState[A]


@dataclass(frozen=True)
class StackMachine(Generic[A]):
    """Steps a whole stack: the overlay's machine and one application's (module docstring).

    The stack's own control state is the overlay's (``idle``, ``joining``, ...), so that a
    network of stacks is watched as a network of overlay nodes is.
    """

    overlay: Stepper[OverlayData]
    application: Stepper[A]
    application_protocol: str
    application_commands: frozenset[str]

    @property
    def tables(self) -> tuple[MachineTable, ...]:
        return (*self.overlay.tables, *self.application.tables)

    def initial(self, data: StackData[A]) -> MachineState[StackData[A]]:
        return MachineState(data.overlay.control, data)

    def step(
        self, state: MachineState[StackData[A]], event: Event
    ) -> tuple[MachineState[StackData[A]], tuple[Effect, ...]]:
        """Run the input's event and every event it causes, in queue order. Pure."""
        data = state.data
        stim = event.payload
        assert isinstance(stim, Stimulus)
        queue: deque[tuple[bool, Event]] = deque([(self._for_application(event), event)])
        out: list[Effect] = []
        while queue:
            to_application, current = queue.popleft()
            try:
                if to_application:
                    after, effects = self.application.step(data.application, current)
                    data = data._replace(application=after)
                else:
                    before = data.overlay.data.tables.leaf
                    moved, effects = self.overlay.step(data.overlay, current)
                    data = data._replace(overlay=moved)
            except E.EngineError:
                raise
            except E.PeerMarketError:
                if current is event:  # the input itself: refused, nothing changes
                    raise
                continue  # a caused event its machine refuses changes nothing
            for effect in effects:
                if isinstance(effect, UpcallEffect):
                    assert isinstance(effect.args, WireModel)
                    upcall = Stimulus(stim.now, stim.self_id, args=effect.args)
                    queue.append((True, Event(f"upcall:{effect.name}", upcall)))
                elif isinstance(effect, RouteDowncall):
                    queue.append((False, self._downcall(data.identity, stim, effect)))
                else:
                    out.append(effect)
            if not to_application:  # the step's own upcalls first, then the leaf set's changes
                queue.extend((True, e) for e in _updates(before, moved.data.tables.leaf, stim))
        return MachineState(data.overlay.control, data), tuple(out)

    def _for_application(self, event: Event) -> bool:
        kind, name = event.trigger.split(":", 1)
        if kind == "message":
            stim = event.payload
            assert isinstance(stim, Stimulus) and stim.envelope is not None
            return stim.envelope.protocol == self.application_protocol
        if kind == "timer":
            return name not in OVERLAY_TIMERS
        if kind == "command":
            return name in self.application_commands
        raise E.EngineError(E.ENGINE_INCOMPLETE_MACHINE, event.trigger, "no stack input")

    @staticmethod
    def _downcall(identity: Identity, stim: Stimulus, effect: RouteDowncall) -> Event:
        assert isinstance(effect.body, WireModel)
        frame = seal(identity, effect.body, INNER_SEQ)
        call = RouteArgs(key=effect.key, frame=frame)
        return Event(
            "downcall:route", Stimulus(stim.now, stim.self_id, body=effect.body, args=call)
        )


def _updates(before: LeafSet, after: LeafSet, stim: Stimulus) -> list[Event]:
    """``update`` upcalls for a leaf-set change: leavers, then joiners, each by id."""
    if before is after:
        return []
    old = {ref[3].id for ref in members(before)}
    new = {ref[3].id for ref in members(after)}
    changes = [(node, False) for node in sorted(old - new)]
    changes += [(node, True) for node in sorted(new - old)]
    return [
        Event(
            "upcall:update",
            Stimulus(stim.now, stim.self_id, args=UpdateUpcall(node=node, joined=joined)),
        )
        for node, joined in changes
    ]


def stack_role(
    protocol: str,
    application: ProtocolRole[A],
    params_model: type[WireModel],
    observe_model: type[WireModel],
    routed: tuple[str, ...],
) -> ProtocolRole[StackData[A]]:
    """The whole-stack role of ``application``: its overlay below it on one identity.

    ``params_model`` pairs the overlay's and the application's parameters (fields
    ``overlay`` and ``application.protocol``); ``observe_model`` pairs their states the
    same way; ``routed`` are the application's message types its overlay carries.
    """
    overlay = overlay_role.ROLE
    name = application.protocol
    routable: Mapping[tuple[str, str], type[WireModel]] = MappingProxyType(
        {**ROUTABLE, **{(name, t): MESSAGES[(name, t)] for t in routed}}
    )

    def initial(identity: Identity, params: WireModel) -> StackData[A]:
        # the paired parameters' two parts, by field name: ``overlay`` and the application's
        parts = dict(params)
        below = overlay_role.initial_data(
            identity, parts["overlay"], FrameCarrier(identity, routable)
        )
        above = application.initial_data(identity, parts[name])
        return StackData(
            identity,
            overlay.machine.initial(below),
            application.machine.initial(above),
        )

    def observe(node: Node[StackData[A]]) -> WireModel:
        data = node.state.data
        # each protocol's observer sees the one pipeline with its own machine state
        below = Node(overlay, node.identity, data.overlay, node.now, node.next_seq, node.window)
        above = Node(
            application, node.identity, data.application, node.now, node.next_seq, node.window
        )
        return observe_model(
            **{"overlay": overlay.observe(below), name: application.observe(above)}
        )

    return ProtocolRole(
        protocol=protocol,
        speaks=frozenset({*overlay.speaks, *application.speaks, WIRE}),
        machine=StackMachine(
            overlay.machine, application.machine, name, frozenset(application.commands)
        ),
        params_model=params_model,
        commands=MappingProxyType({**overlay.commands, **application.commands}),
        initial_data=initial,
        observe=observe,
    )
