"""The machine engine, shown on a tiny door: it executes a table and refuses everything else."""

import contextlib
import dataclasses
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from pydantic import ValidationError

from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.engine import Event, Machine, MachineState
from spec.v1 import errors as E
from spec.v1.machine import MachineTable, Transition, Trigger

MASTER = 0
AUTO_CLOSE_AFTER = 10


@dataclass(frozen=True)
class Door:
    """The door's data: its lock code, and counters the tests can observe."""

    code: int
    opens: int = 0
    greeted: int = 0


def row(
    id_: str,
    source: str,
    trigger: str,
    target: str,
    guard: str | None = None,
    action: str | None = None,
    emits: tuple[str, ...] = (),
) -> Transition:
    kind, name = trigger.split(":")
    return Transition(
        id=id_,
        source=source,
        trigger=Trigger(kind=kind, name=name),  # type: ignore[arg-type]
        guard=guard,
        action=action,
        target=target,
        emits=emits,
    )


DOOR = MachineTable(
    name="door",
    states=("closed", "open", "locked"),
    initial="closed",
    transitions=(
        row("open", "closed", "command:open", "open", action="count_open"),
        row("close", "open", "command:close", "closed", action="cancel_auto_close"),
        row(
            "auto_close",
            "open",
            "timer:auto_close",
            "closed",
            action="notice",
            emits=("closed_notice",),
        ),
        row("lock", "closed", "command:lock", "locked", action="set_code"),
        # Two rows for one (state, trigger): table order decides when both guards hold.
        row("unlock", "locked", "message:unlock", "closed", "code_matches", "greet", ("welcome",)),
        row("master", "locked", "message:unlock", "open", "master_key", "greet", ("welcome",)),
        row("knock", "closed", "message:knock", "closed", action="answer", emits=("who",)),
    ),
)


def count_open(d: Door, tick: object) -> tuple[Door, tuple[Effect, ...]]:
    assert isinstance(tick, int)
    return replace(d, opens=d.opens + 1), (StartTimer("auto_close", tick + AUTO_CLOSE_AFTER),)


def cancel_auto_close(d: Door, _: object) -> tuple[Door, tuple[Effect, ...]]:
    return d, (CancelTimer("auto_close"),)


def notice(d: Door, _: object) -> tuple[Door, tuple[Effect, ...]]:
    return d, (Emit("closed_notice", None, None),)


def set_code(d: Door, code: object) -> tuple[Door, tuple[Effect, ...]]:
    assert isinstance(code, int)
    return replace(d, code=code), ()


def greet(d: Door, code: object) -> tuple[Door, tuple[Effect, ...]]:
    return replace(d, greeted=d.greeted + 1), (Emit("welcome", None, code),)


def answer(d: Door, who: object) -> tuple[Door, tuple[Effect, ...]]:
    assert isinstance(who, bytes)
    return d, (Emit("who", who, None),)


GUARDS: dict[str, Any] = {
    "code_matches": lambda d, code: code == d.code,
    "master_key": lambda d, code: code == MASTER,
}
ACTIONS: dict[str, Any] = {
    "count_open": count_open,
    "cancel_auto_close": cancel_auto_close,
    "notice": notice,
    "set_code": set_code,
    "greet": greet,
    "answer": answer,
}
MACHINE: Machine[Door] = Machine(DOOR, GUARDS, ACTIONS)


def refused(state: MachineState[Door], event: Event, machine: Machine[Door] = MACHINE) -> Any:
    before = dataclasses.replace(state)
    with pytest.raises(E.PeerMarketError) as info:
        machine.step(state, event)
    assert state == before  # unchanged
    return info.value


def locked_with(code: int) -> MachineState[Door]:
    return MachineState("locked", Door(code=code))


# --------------------------------------------------------------------------------------------


def test_initial_state() -> None:
    assert MACHINE.initial(Door(code=7)) == MachineState("closed", Door(code=7))


def test_a_listed_transition_fires_and_returns_its_effects() -> None:
    state, effects = MACHINE.step(MACHINE.initial(Door(7)), Event("command:open", 100))
    assert state == MachineState("open", Door(7, opens=1))
    assert effects == (StartTimer("auto_close", 110),)
    state, effects = MACHINE.step(state, Event("timer:auto_close"))
    assert state.control == "closed"
    assert effects == (Emit("closed_notice", None, None),)


def test_step_is_pure() -> None:
    start = MACHINE.initial(Door(7))
    data = start.data
    new, _ = MACHINE.step(start, Event("command:open", 1))
    assert start == MachineState("closed", Door(7)) and start.data is data
    assert new is not start and new.data is not data
    again, _ = MACHINE.step(start, Event("command:open", 1))
    assert again == new  # same input, same output
    with pytest.raises(dataclasses.FrozenInstanceError):
        start.control = "open"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Event("command:open").trigger = "x"  # type: ignore[misc]


def test_row_without_action_keeps_the_same_data_object() -> None:
    table = DOOR.model_copy(update={"transitions": (row("t", "closed", "command:x", "open"),)})
    machine: Machine[Door] = Machine(table, {}, {})
    data = Door(1)
    state, effects = machine.step(MachineState("closed", data), Event("command:x"))
    assert state == MachineState("open", data) and state.data is data and effects == ()


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        ("locked", "command:open"),  # a trigger the state has no row for
        ("open", "command:open"),
        ("closed", "message:unlock"),
        ("closed", "timer:auto_close"),
        ("closed", "message:bogus"),  # a trigger the table never mentions
        ("closed", "open"),  # kind missing: not the trigger "command:open"
        ("closed", "message:open"),  # right name, wrong kind
    ],
)
def test_no_row_is_no_transition(state: str, trigger: str) -> None:
    exc = refused(MachineState(state, Door(7)), Event(trigger, 1))
    assert (exc.code, exc.field) == (E.MACHINE_NO_TRANSITION, trigger)
    assert not isinstance(exc, E.EngineError)


def test_guards_are_tried_in_table_order_and_the_first_that_holds_wins() -> None:
    # Right code: the first row fires (closed).
    state, effects = MACHINE.step(locked_with(5), Event("message:unlock", 5))
    assert state == MachineState("closed", Door(5, greeted=1))
    assert effects == (Emit("welcome", None, 5),)
    # Master key: only the second row's guard holds (open).
    state, _ = MACHINE.step(locked_with(5), Event("message:unlock", MASTER))
    assert state.control == "open"
    # Both guards hold (the code is the master key): the first row still wins.
    state, _ = MACHINE.step(locked_with(MASTER), Event("message:unlock", MASTER))
    assert state.control == "closed"
    assert MACHINE.select(locked_with(MASTER), Event("message:unlock", MASTER)).id == "unlock"


def test_no_guard_holds_is_guard_rejected() -> None:
    exc = refused(locked_with(5), Event("message:unlock", 6))
    assert (exc.code, exc.field) == (E.MACHINE_GUARD_REJECTED, "message:unlock")
    assert "code_matches" in exc.reason and "master_key" in exc.reason


def test_emitting_a_type_the_row_does_not_list_is_an_engine_error() -> None:
    def rude(d: Door, _: object) -> tuple[Door, tuple[Effect, ...]]:
        return d, (Emit("who", b"x", None), Emit("welcome", None, None))

    buggy: Machine[Door] = Machine(DOOR, GUARDS, {**ACTIONS, "answer": rude})
    exc = refused(MachineState("closed", Door(1)), Event("message:knock", b"x"), buggy)
    assert isinstance(exc, E.EngineError)
    assert (exc.code, exc.field) == (E.ENGINE_ILLEGAL_EMIT, "knock")
    # A row with no emits may not emit anything; timers are not messages and are always allowed.
    loud: Machine[Door] = Machine(DOOR, GUARDS, {**ACTIONS, "set_code": greet})
    exc = refused(MachineState("closed", Door(1)), Event("command:lock", 3), loud)
    assert exc.code == E.ENGINE_ILLEGAL_EMIT
    _, effects = MACHINE.step(MachineState("open", Door(1)), Event("command:close"))
    assert effects == (CancelTimer("auto_close"),)


@pytest.mark.parametrize(
    ("guards", "actions"),
    [
        ({"code_matches": GUARDS["code_matches"]}, ACTIONS),  # a guard missing
        ({**GUARDS, "spare": lambda d, p: True}, ACTIONS),  # a guard not in the table
        (GUARDS, {k: v for k, v in ACTIONS.items() if k != "greet"}),  # an action missing
        (GUARDS, {**ACTIONS, "spare": notice}),  # an action not in the table
        ({}, {}),
    ],
)
def test_incomplete_machine(guards: dict[str, Any], actions: dict[str, Any]) -> None:
    with pytest.raises(E.EngineError) as info:
        Machine(DOOR, guards, actions)
    assert (info.value.code, info.value.field) == (E.ENGINE_INCOMPLETE_MACHINE, "door")


def test_table_lists_its_guards_actions_and_rows() -> None:
    assert DOOR.guards == {"code_matches", "master_key"}
    assert DOOR.actions == set(ACTIONS)
    assert [t.id for t in DOOR.rows("locked", "message:unlock")] == ["unlock", "master"]
    assert DOOR.rows("locked", "command:open") == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"states": ("closed", "open")}, "unknown state 'locked'"),
        ({"initial": "ajar"}, "initial state 'ajar' is not a state"),
        ({"states": ("closed", "open", "locked", "open")}, "duplicate state names"),
        (
            {"transitions": (*DOOR.transitions, row("open", "open", "command:x", "open"))},
            "duplicate transition ids",
        ),
        ({"transitions": (row("x", "closed", "command:x", "ajar"),)}, "unknown state 'ajar'"),
        ({"transitions": (row("x", "ajar", "command:x", "closed"),)}, "unknown state 'ajar'"),
    ],
)
def test_table_validation(change: dict[str, Any], message: str) -> None:
    assert MachineTable.model_validate(DOOR.model_dump()) == DOOR
    with pytest.raises(ValidationError, match=message):
        MachineTable.model_validate({**DOOR.model_dump(), **change})


def test_table_is_frozen_and_strict() -> None:
    with pytest.raises(ValidationError):
        DOOR.initial = "open"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Trigger(kind="signal", name="x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Trigger(kind="command", name="")


# --------------------------------------------------------------------------------------------
# Random walks against a model written out by hand


class DoorWalk(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state: MachineState[Door] = MACHINE.initial(Door(code=7))
        self.control = "closed"
        self.code, self.opens, self.greeted = 7, 0, 0
        self.history: list[MachineState[Door]] = []

    def apply(self, event: Event, expect: str | E.ErrorCode, effects: tuple[Effect, ...]) -> None:
        before = self.state
        self.history.append(before)
        if isinstance(expect, E.ErrorCode):
            exc = refused(before, event)
            assert exc.code == expect
            return
        self.state, got = MACHINE.step(before, event)
        assert got == effects
        self.control = expect

    @rule(tick=st.integers(0, 1000))
    def open(self, tick: int) -> None:
        if self.control == "closed":
            self.opens += 1
            self.apply(Event("command:open", tick), "open", (StartTimer("auto_close", tick + 10),))
        else:
            self.apply(Event("command:open", tick), E.MACHINE_NO_TRANSITION, ())

    @rule()
    def close(self) -> None:
        ok = self.control == "open"
        self.apply(
            Event("command:close"),
            "closed" if ok else E.MACHINE_NO_TRANSITION,
            (CancelTimer("auto_close"),),
        )

    @rule()
    def timer(self) -> None:
        ok = self.control == "open"
        self.apply(
            Event("timer:auto_close"),
            "closed" if ok else E.MACHINE_NO_TRANSITION,
            (Emit("closed_notice", None, None),),
        )

    @rule(code=st.integers(0, 9))
    def lock(self, code: int) -> None:
        if self.control == "closed":
            self.code = code
            self.apply(Event("command:lock", code), "locked", ())
        else:
            self.apply(Event("command:lock", code), E.MACHINE_NO_TRANSITION, ())

    @rule(code=st.integers(0, 9))
    def unlock(self, code: int) -> None:
        event = Event("message:unlock", code)
        if self.control != "locked":
            self.apply(event, E.MACHINE_NO_TRANSITION, ())
        elif code == self.code or code == MASTER:
            self.greeted += 1
            target = "closed" if code == self.code else "open"
            self.apply(event, target, (Emit("welcome", None, code),))
        else:
            self.apply(event, E.MACHINE_GUARD_REJECTED, ())

    @rule(who=st.binary(min_size=1, max_size=4))
    def knock(self, who: bytes) -> None:
        ok = self.control == "closed"
        self.apply(
            Event("message:knock", who),
            "closed" if ok else E.MACHINE_NO_TRANSITION,
            (Emit("who", who, None),),
        )

    @precondition(lambda self: self.history)
    @rule()
    def replay_an_old_state(self) -> None:
        # Stepping an old state again gives what it gave then: nothing was mutated.
        old = self.history[-1]
        with contextlib.suppress(E.PeerMarketError):
            MACHINE.step(old, Event("command:open", 0))
        assert old == self.history[-1]

    @invariant()
    def matches_the_model(self) -> None:
        assert self.state.control == self.control
        assert self.state.control in DOOR.states
        assert self.state.data == Door(self.code, self.opens, self.greeted)


TestDoorWalk = DoorWalk.TestCase
