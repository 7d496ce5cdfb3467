"""Timers in the simulator: due ticks, restarts and cancels, through a small beacon role."""

from dataclasses import dataclass, replace
from typing import Annotated, Any

from pydantic import Field
from sim_kit import log_of, replay, trace_of  # tests/ is on sys.path under pytest

from reference import node
from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.engine import Machine
from reference.identity import seed_from_label
from reference.roles import ROLES
from reference.sim import FrameRuntime, NetworkConfig, Simulator, command
from spec.v1 import wire
from spec.v1.base import WireModel
from spec.v1.envelope import SenderSeq
from spec.v1.machine import MachineTable, Transition, Trigger, TriggerKind
from spec.v1.types import NodeId

# -- timers: a small test role whose machine starts, restarts and cancels a timer --


class BeaconStart(WireModel):
    period: Annotated[int, Field(ge=1, le=1000)]
    to: NodeId


class BeaconStop(WireModel):
    pass


class BeaconParams(WireModel):
    replay_senders: int


class BeaconState(WireModel):
    next_seq: int
    last_seq: tuple[SenderSeq, ...]
    beats: int


@dataclass(frozen=True)
class BeaconData:
    period: int = 0
    to: bytes = b""
    beats: int = 0


def _row(id_: str, kind: TriggerKind, name: str, action: str | None, emits: tuple[str, ...] = ()):
    return Transition(
        id=id_,
        source="active",
        trigger=Trigger(kind=kind, name=name),
        guard=None,
        action=action,
        target="active",
        emits=emits,
    )


BEACON_TABLE = MachineTable(
    name="beacon.node",
    states=("active",),
    initial="active",
    transitions=(
        _row("start", "command", "start", "start"),
        _row("stop", "command", "stop", "stop"),
        _row("beat", "timer", "beat", "beat", ("ping",)),
        _row("answer_ping", "message", "ping", "answer_ping", ("pong",)),
        _row("accept_pong", "message", "pong", None),
    ),
)


def _start(data: BeaconData, stim: Any) -> tuple[BeaconData, tuple[Effect, ...]]:
    args = stim.args
    return replace(data, period=args.period, to=args.to), (
        StartTimer("beat", stim.now + args.period),
    )


def _stop(data: BeaconData, stim: Any) -> tuple[BeaconData, tuple[Effect, ...]]:
    return data, (CancelTimer("beat"),)


def _beat(data: BeaconData, stim: Any) -> tuple[BeaconData, tuple[Effect, ...]]:
    body = wire.Ping(nonce=data.beats.to_bytes(8, "big"), sent_at=stim.now)
    return replace(data, beats=data.beats + 1), (
        Emit("ping", data.to, body),
        StartTimer("beat", stim.now + data.period),
    )


def _answer(data: BeaconData, stim: Any) -> tuple[BeaconData, tuple[Effect, ...]]:
    pong = wire.Pong(nonce=stim.body.nonce, ping_sent_at=stim.body.sent_at)
    return data, (Emit("pong", stim.envelope.sender, pong),)


BEACON = node.ProtocolRole(
    protocol="beacon",
    speaks=frozenset({"wire"}),
    machine=Machine(
        BEACON_TABLE,
        guards={},
        actions={"start": _start, "stop": _stop, "beat": _beat, "answer_ping": _answer},
    ),
    params_model=BeaconParams,
    commands={"start": BeaconStart, "stop": BeaconStop},
    initial_data=lambda identity, params: BeaconData(),
    observe=lambda n: BeaconState(
        next_seq=n.next_seq, last_seq=n.window_entries(), beats=n.state.data.beats
    ),
)
ROLES_WITH_BEACON = {**ROLES, "beacon": BEACON}


def test_timers_fire_at_due_tick_restart_and_cancel() -> None:
    sim: Simulator[Any, bytes] = Simulator(
        FrameRuntime(ROLES_WITH_BEACON), seed="beacon", config=NetworkConfig(log=True)
    )
    sim.add_node("bea", protocol="beacon", seed=seed_from_label("beacon/bea"), coords=(0, 0))
    sim.add_node("w", protocol="wire", seed=seed_from_label("beacon/w"), coords=(0, 20))
    recorder = sim.record("bea")
    start = BeaconStart(period=7, to=sim.node_id("w"))
    sim.command(3, "bea", command("start", start))  # due 10, 17, 24, 31...
    sim.command(30, "bea", command("start", start.model_copy(update={"period": 5})))  # 35, 40
    sim.command(42, "bea", command("stop", BeaconStop()))
    sim.run(until=100)
    timer_events = [(e[0], e[5]) for e in log_of(sim) if e[1] == "timer"]
    assert timer_events == [
        (10, "ok"),
        (17, "ok"),
        (24, "ok"),
        (31, "stale"),
        (35, "ok"),
        (40, "ok"),
        (45, "stale"),
    ]
    assert sim.stats.timers_fired == 5 and sim.stats.timers_stale == 2
    assert sim.timers("bea") == {}
    assert sim.stats.delivered == {"wire/ping": 5, "wire/pong": 5}
    trace = trace_of(recorder)
    assert [s.at for s in trace.content.steps if s.input.kind == "timer"] == [10, 17, 24, 35, 40]
    replay(trace, ROLES_WITH_BEACON)


def test_restart_with_zero_delay_fires_again() -> None:
    """A timer restarted for the tick it just fired at is scheduled again, not lost."""
    sim: Simulator[Any, bytes] = Simulator(FrameRuntime(ROLES_WITH_BEACON), seed="zero")
    sim.add_node("bea", protocol="beacon", seed=seed_from_label("zero/bea"))
    sim.add_node("w", protocol="wire", seed=seed_from_label("zero/w"))
    sim.command(0, "bea", command("start", BeaconStart(period=1, to=sim.node_id("w"))))
    sim.run(until=10)
    assert sim.stats.timers_fired == 10
