"""The generic machine engine: executes a spec table, refuses anything it does not list.

A protocol supplies only the guards and actions its table names; the engine
picks the row, checks what the action emits against the row, and returns the
new state. ``step`` is pure: a refused event raises and leaves nothing changed.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Generic, Protocol, TypeVar

from reference.effects import CancelTimer, Effect, Emit, RouteDowncall, StartTimer, UpcallEffect
from spec.v1 import errors as E
from spec.v1.machine import MachineTable, Transition

D = TypeVar("D")


@dataclass(frozen=True, slots=True)
class Event:
    """An input to a machine: ``trigger`` is ``kind:name`` (e.g. ``message:ping``)."""

    trigger: str
    payload: object = None


@dataclass(frozen=True, slots=True)
class MachineState(Generic[D]):
    """The control state (a state of the table) and the protocol's own data."""

    control: str
    data: D


Guard = Callable[[D, object], bool]
"""Decides whether a row fires, from the data and the event payload. Must be pure."""

Action = Callable[[D, object], tuple[D, tuple[Effect, ...]]]
"""Computes the new data and the effects of a row. Must be pure."""


@dataclass(frozen=True)
class Machine(Generic[D]):
    """A table bound to the guards and actions it names."""

    table: MachineTable
    guards: Mapping[str, Guard[D]]
    actions: Mapping[str, Action[D]]
    _rows: Mapping[tuple[str, str], tuple[Transition, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for kind, named, supplied in (
            ("guard", self.table.guards, frozenset(self.guards)),
            ("action", self.table.actions, frozenset(self.actions)),
        ):
            if named != supplied:
                missing = sorted(named - supplied)
                extra = sorted(supplied - named)
                raise E.EngineError(
                    E.ENGINE_INCOMPLETE_MACHINE,
                    self.table.name,
                    f"{kind}s missing {missing}, not in the table {extra}",
                )
        # Own copies: a caller mutating its dicts later cannot bypass the check above.
        object.__setattr__(self, "guards", MappingProxyType(dict(self.guards)))
        object.__setattr__(self, "actions", MappingProxyType(dict(self.actions)))
        # The candidate rows of every (state, trigger), in table order, found once (speed).
        index: dict[tuple[str, str], list[Transition]] = {}
        for row in self.table.transitions:
            index.setdefault((row.source, row.trigger.key), []).append(row)
        object.__setattr__(self, "_rows", {key: tuple(rows) for key, rows in index.items()})

    def initial(self, data: D) -> MachineState[D]:
        return MachineState(self.table.initial, data)

    def select(self, state: MachineState[D], event: Event) -> Transition:
        """The row that fires for ``event``: the first candidate whose guard holds."""
        rows: tuple[Transition, ...] = self._rows.get((state.control, event.trigger), ())
        if not rows:
            raise E.PeerMarketError(
                E.MACHINE_NO_TRANSITION,
                event.trigger,
                f"{self.table.name} has no transition on {event.trigger} in state {state.control}",
            )
        for row in rows:
            if row.guard is None or self.guards[row.guard](state.data, event.payload):
                return row
        tried = ", ".join(str(row.guard) for row in rows)
        raise E.PeerMarketError(
            E.MACHINE_GUARD_REJECTED,
            event.trigger,
            f"{self.table.name} in state {state.control}: no guard holds ({tried})",
        )

    def step(
        self, state: MachineState[D], event: Event
    ) -> tuple[MachineState[D], tuple[Effect, ...]]:
        """Apply one event. Pure: the input state is never modified."""
        row = self.select(state, event)
        if row.refuses is not None:
            code = E.BY_CODE.get(row.refuses)
            if code is None:
                raise E.EngineError(E.ENGINE_INCOMPLETE_MACHINE, row.id, f"{row.refuses}?")
            raise E.PeerMarketError(code, event.trigger, f"{self.table.name}.{row.id}: {row.note}")
        data: D = state.data
        effects: tuple[Effect, ...] = ()
        if row.action is not None:
            data, effects = self.actions[row.action](state.data, event.payload)
        for effect in effects:
            if type(effect) is Emit or type(effect) is RouteDowncall:  # (the common case first)
                if effect.message_type in row.emits:
                    continue
            elif type(effect) is StartTimer or type(effect) is CancelTimer:
                continue
            elif type(effect) is UpcallEffect:
                if f"upcall:{effect.name}" in row.emits:
                    continue
                raise E.EngineError(
                    E.ENGINE_ILLEGAL_EMIT,
                    row.id,
                    f"{self.table.name}.{row.id} may not make upcall {effect.name!r}",
                )
            if not isinstance(effect, Emit | RouteDowncall | StartTimer | CancelTimer):
                raise E.EngineError(
                    E.ENGINE_ILLEGAL_EMIT, row.id, f"{type(effect).__name__} is not an effect"
                )
            if isinstance(effect, Emit | RouteDowncall) and effect.message_type not in row.emits:
                raise E.EngineError(
                    E.ENGINE_ILLEGAL_EMIT,
                    row.id,
                    f"{self.table.name}.{row.id} may emit {list(row.emits)}, "
                    f"not {effect.message_type!r}",
                )
        return MachineState(row.target, data), effects

    @property
    def tables(self) -> tuple[MachineTable, ...]:
        """The tables this machine runs (one)."""
        return (self.table,)


class Stepper(Protocol[D]):
    """What a node runs: one :class:`Machine`, or several composed (``reference.instances``)."""

    @property
    def tables(self) -> tuple[MachineTable, ...]: ...

    def initial(self, data: D) -> MachineState[D]: ...

    def step(
        self, state: MachineState[D], event: Event
    ) -> tuple[MachineState[D], tuple[Effect, ...]]: ...
