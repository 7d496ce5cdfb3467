"""Machines with one control state per instance: a node-wide table and a per-key table.

An auction node trades and brokers many services at once, each with a life of
its own. Rather than one table whose states multiply, the node runs a
node-wide table and a second table once per *instance* (a service): the
input names its instance, the instance's control state picks the row, and
the node keeps one control state per instance (absent = the table's
initial state, so an instance back in its initial state is forgotten). Both
tables are executed by the ordinary :class:`~reference.engine.Machine`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from reference.effects import Effect
from reference.engine import Event, Machine, MachineState
from spec.v1.machine import MachineTable

D = TypeVar("D")

Dispatch = Callable[[D, Event], tuple[bytes | None, Event]]
"""Which instance an event is for (``None``: the node-wide table) and the event to step it
with (a timer ``slot.<hex>`` becomes trigger ``timer:slot``)."""


@dataclass(frozen=True)
class Instanced(Generic[D]):
    """A node-wide machine and a per-instance machine over the same protocol data."""

    node: Machine[D]
    each: Machine[D]
    dispatch: Dispatch[D]
    controls: Callable[[D], Mapping[bytes, str]]
    """The control state of every instance not in the initial state."""
    with_control: Callable[[D, bytes, str], D]
    """The data with one instance's control state set (the initial state forgets it)."""

    @property
    def tables(self) -> tuple[MachineTable, ...]:
        return (self.node.table, self.each.table)

    def initial(self, data: D) -> MachineState[D]:
        return self.node.initial(data)

    def step(
        self, state: MachineState[D], event: Event
    ) -> tuple[MachineState[D], tuple[Effect, ...]]:
        """Step the node-wide table, or the table of the event's instance. Pure."""
        key, routed = self.dispatch(state.data, event)
        if key is None:
            return self.node.step(state, routed)
        control = self.controls(state.data).get(key, self.each.table.initial)
        after, effects = self.each.step(MachineState(control, state.data), routed)
        return MachineState(
            state.control, self.with_control(after.data, key, after.control)
        ), effects
