"""State-machine tables: the whole behaviour of a protocol node as data.

A table lists states and transitions. A transition fires on a trigger (a
message type, a timer, a local command, an upcall from the overlay below or,
in the overlay of a whole stack, a downcall from the application above) in a
source state when its named guard holds; it runs its named action, moves to
its target state and may emit only the message types it lists (and the
upcalls, written ``upcall:<name>``, when the overlay of a whole stack makes
them). A
row that *refuses* names an error code instead: when it is selected the
input is rejected with that code and nothing changes. The reference engine executes these
tables; the docs draw their diagrams from them; conformance coverage counts
their rows.
"""

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

TriggerKind = Literal["message", "timer", "command", "upcall", "downcall"]


class Trigger(BaseModel):
    """What makes a transition fire."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    kind: TriggerKind
    name: str = Field(min_length=1, max_length=64)

    @property
    def key(self) -> str:
        """``kind:name``, the form events and docs use."""
        return f"{self.kind}:{self.name}"


class Transition(BaseModel):
    """One row of a machine table."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    """Stable name of the row (conformance coverage counts rows by id)."""
    source: str
    trigger: Trigger
    guard: str | None
    """Name of the predicate that must hold; ``None`` means always."""
    action: str | None
    """Name of the state update to run; ``None`` means none."""
    target: str
    emits: tuple[str, ...] = ()
    """Message types the action may emit."""
    note: str = ""
    refuses: str | None = None
    """An error code: the row rejects the input with it (no action, target = source)."""

    @model_validator(mode="after")
    def _refusal_changes_nothing(self) -> "Transition":
        if self.refuses is not None and (
            self.action is not None or self.emits or self.target != self.source
        ):
            raise ValueError(f"{self.id}: a refusing row has no action, emits nothing, stays")
        return self


class MachineTable(BaseModel):
    """A protocol node's states and transitions.

    Rows with the same source and trigger are tried in table order; the first
    whose guard holds fires. That order is normative.
    """

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    name: str
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]

    @model_validator(mode="after")
    def _closed(self) -> "MachineTable":
        known = set(self.states)
        if len(known) != len(self.states):
            raise ValueError(f"{self.name}: duplicate state names")
        if self.initial not in known:
            raise ValueError(f"{self.name}: initial state {self.initial!r} is not a state")
        ids = [t.id for t in self.transitions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.name}: duplicate transition ids")
        for t in self.transitions:
            for end in (t.source, t.target):
                if end not in known:
                    raise ValueError(f"{self.name}.{t.id}: unknown state {end!r}")
        return self

    def rows(self, state: str, trigger_key: str) -> tuple[Transition, ...]:
        """The candidate rows for an event, in table order."""
        return tuple(
            t for t in self.transitions if t.source == state and t.trigger.key == trigger_key
        )

    @property
    def guards(self) -> frozenset[str]:
        return frozenset(t.guard for t in self.transitions if t.guard is not None)

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(t.action for t in self.transitions if t.action is not None)


def row(
    id_: str,
    source: str,
    trigger: str,
    guard: str | None,
    action: str | None,
    target: str,
    emits: tuple[str, ...] = (),
    note: str = "",
    refuses: str | None = None,
) -> Transition:
    """A :class:`Transition` from the compact form the spec's tables are written in:
    ``trigger`` is ``kind:name`` (``message:ping``, ``upcall:deliver``)."""
    kind, name = trigger.split(":", 1)
    if kind not in get_args(TriggerKind):
        raise ValueError(f"{id_}: unknown trigger kind {kind!r}")
    return Transition(
        id=id_,
        source=source,
        trigger=Trigger(kind=kind, name=name),  # type: ignore[arg-type]
        guard=guard,
        action=action,
        target=target,
        emits=emits,
        note=note,
        refuses=refuses,
    )
