"""The deterministic network simulator (reference/sim) and the wire-scenarios corpus generator."""

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field

from reference import node
from reference.codec import decode_message, encode_message
from reference.corpus.wire_scenarios import SCENARIOS, WIRE_SCENARIOS
from reference.corpus.wire_scenarios import run as run_scenario
from reference.effects import CancelTimer, Effect, Emit, StartTimer
from reference.engine import Machine
from reference.identity import Identity, seed_from_label
from reference.roles import ROLES
from reference.sim import (
    Behaviour,
    Dropping,
    Forging,
    FrameRuntime,
    LatencyModel,
    Lying,
    NetworkConfig,
    Recorder,
    Replaying,
    Silent,
    Simulator,
    command,
)
from reference.sim.streams import below, stream
from reference.sim.topology import ceil_scaled_distance
from spec.v1 import errors as E
from spec.v1 import wire
from spec.v1.base import WireModel
from spec.v1.envelope import SenderSeq
from spec.v1.flags import BY_NAME as FLAGS
from spec.v1.machine import MachineTable, Transition, Trigger, TriggerKind
from spec.v1.trace import Command, Generator, Trace
from spec.v1.types import NodeId

GEN = Generator(name="test-sim", version="1")
ROOT = Path(__file__).resolve().parents[1]


# -- helpers --


def wire_sim(
    label: str,
    names: tuple[str, ...] = ("a", "b"),
    *,
    loss_ppm: int = 0,
    log: bool = True,
    behaviours: Mapping[str, Behaviour[bytes]] | None = None,
    coords: Mapping[str, tuple[int, int]] | None = None,
    seed: object = None,
) -> Simulator[Any, bytes]:
    sim: Simulator[Any, bytes] = Simulator(
        FrameRuntime(),
        seed=label if seed is None else seed,  # type: ignore[arg-type]
        config=NetworkConfig(loss_ppm=loss_ppm, log=log),
    )
    for name in names:
        sim.add_node(
            name,
            protocol=wire.PROTOCOL,
            seed=seed_from_label(f"{label}/{name}"),
            coords=None if coords is None else coords.get(name),
            behaviour=None if behaviours is None else behaviours.get(name),
        )
    return sim


def ping(sim: Simulator[Any, bytes], at: int, src: str, dst: str, tag: str = "") -> None:
    nonce = hashlib.sha256(f"{src}/{dst}/{at}/{tag}".encode()).digest()[:8]
    sim.command(at, src, command("ping", wire.PingCommand(to=sim.node_id(dst), nonce=nonce)))


def mesh(sim: Simulator[Any, bytes], rounds: int, spacing: int = 400) -> None:
    for r in range(rounds):
        for i, src in enumerate(sim.names):
            for dst in sim.names:
                if dst != src:
                    ping(sim, r * spacing + i, src, dst)


def trace_of(recorder: Recorder, **kw: Any) -> Trace:
    kw.setdefault("flags", ("StaleSequence",) if recorder.error_codes else ())
    return recorder.trace(case_id="test/sim/case-001", description="t", generator=GEN, **kw)


def replay(trace: Trace, roles: Mapping[str, node.ProtocolRole[Any]] = ROLES) -> None:
    """Replay every step on a fresh node: outputs, errors and states must match exactly."""
    (setup,) = trace.content.header.nodes
    current = node.create(roles[setup.protocol], Identity.from_seed(setup.seed), setup.params)
    for number, step in enumerate(trace.content.steps):
        try:
            updated, outputs = node.handle(current, step.at, step.input)
        except E.PeerMarketError as exc:
            assert step.expect.error == exc.code.code, f"step {number}"
            assert step.expect.outputs == (), f"step {number}"
            updated = current
        else:
            assert step.expect.error is None, f"step {number}"
            assert outputs == step.expect.outputs, f"step {number}"
        if step.expect.state is not None:
            assert node.observe(updated) == step.expect.state, f"step {number}"
        current = updated


def log_of(sim: Simulator[Any, bytes]) -> list[tuple[Any, ...]]:
    assert sim.log is not None
    return [tuple(entry) for entry in sim.log]


# -- determinism --


def _run_demo(seed: object) -> tuple[list[tuple[Any, ...]], bytes]:
    sim = wire_sim("demo", ("a", "b", "c", "d"), loss_ppm=150_000, seed=seed)
    recorder = sim.record("a")
    mesh(sim, 2)
    sim.run()
    return log_of(sim), encode_message(trace_of(recorder))


def test_same_seed_same_events_same_bytes() -> None:
    log1, bytes1 = _run_demo("seed-1")
    log2, bytes2 = _run_demo("seed-1")
    assert log1 == log2
    assert bytes1 == bytes2


def test_different_seeds_differ() -> None:
    log1, bytes1 = _run_demo("seed-1")
    log2, bytes2 = _run_demo("seed-2")
    assert log1 != log2
    assert bytes1 != bytes2


def test_seed_kinds_are_distinct() -> None:
    assert stream(1, "x").getrandbits(64) != stream("1", "x").getrandbits(64)
    assert stream(b"1", "x").getrandbits(64) != stream("1", "x").getrandbits(64)
    assert stream(1, "x").getrandbits(64) == stream(1, "x").getrandbits(64)


_HASHSEED_PROBE = """
import hashlib
from reference.corpus.wire_scenarios import WIRE_SCENARIOS
from reference.codec import encode_message
h = hashlib.sha256()
for trace in WIRE_SCENARIOS.generate():
    h.update(encode_message(trace))
print(h.hexdigest())
"""


def test_independent_of_hash_seed() -> None:
    """Same bytes whatever PYTHONHASHSEED: no set or dict order decides anything."""
    digests = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", _HASHSEED_PROBE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(out.stdout.strip())
    local = hashlib.sha256()
    for trace in WIRE_SCENARIOS.generate():
        local.update(encode_message(trace))
    assert digests == {local.hexdigest()}


# -- latency --


@given(
    st.tuples(st.integers(-2000, 2000), st.integers(-2000, 2000)),
    st.tuples(st.integers(-2000, 2000), st.integers(-2000, 2000)),
    st.integers(0, 50),
    st.integers(1, 50),
)
def test_scaled_distance_is_exact_ceiling(
    a: tuple[int, int], b: tuple[int, int], num: int, den: int
) -> None:
    k = ceil_scaled_distance(a, b, num, den)
    squared = ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) * num * num
    assert (k * den) ** 2 >= squared  # k * den >= num * distance
    assert k == 0 or ((k - 1) * den) ** 2 < squared  # and k is the least such


def test_latency_grows_with_distance() -> None:
    coords = {"a": (0, 0), "near": (30, 40), "mid": (300, 400), "far": (600, 800)}
    sim = wire_sim("lat", ("a", "near", "mid", "far"), coords=coords)
    assert [sim.latency("a", n) for n in ("a", "near", "mid", "far")] == [1, 6, 51, 101]
    assert sim.latency("far", "a") == sim.latency("a", "far")
    for dst in ("near", "mid", "far"):
        ping(sim, 10, "a", dst)
    sim.run()
    arrivals = {e[2]: e[0] for e in log_of(sim) if e[1] == "deliver" and e[4] == "wire/ping"}
    assert arrivals == {"near": 16, "mid": 61, "far": 111}
    pongs = [e[0] for e in log_of(sim) if e[1] == "deliver" and e[4] == "wire/pong"]
    assert pongs == [22, 112, 212]  # round trips of 2 x latency, nearest first


def test_latency_model_parameters() -> None:
    model = LatencyModel(base=3, num=1, den=1)
    assert model.ticks((0, 0), (3, 4)) == 8
    assert model.ticks((0, 0), (1, 1)) == 5  # ceil(sqrt 2) = 2
    with pytest.raises(ValueError):
        LatencyModel(base=0)


def test_coordinates_drawn_in_plane_and_seeded() -> None:
    sim1 = wire_sim("plane", tuple(f"n{i}" for i in range(50)))
    sim2 = wire_sim("plane", tuple(f"n{i}" for i in range(50)))
    points = [sim1.coords(n) for n in sim1.names]
    assert points == [sim2.coords(n) for n in sim2.names]
    assert all(0 <= x < 1000 and 0 <= y < 1000 for x, y in points)
    assert len(set(points)) > 45


# -- loss --


def test_loss_rate_matches_ppm() -> None:
    names = tuple(f"n{i}" for i in range(20))
    sim = wire_sim("loss", names, loss_ppm=250_000, log=False)
    mesh(sim, 1)
    sim.run()
    sent = sum(sim.stats.sent.values())
    lost = sim.stats.drop_reasons.get("loss", 0)
    assert sent > 500
    assert 0.20 < lost / sent < 0.30
    assert set(sim.stats.drop_reasons) == {"loss"}
    for label, count in sim.stats.sent.items():
        assert count == sim.stats.delivered.get(label, 0) + sim.stats.dropped.get(label, 0)


def test_uniform_draws() -> None:
    rng = stream("u", "t")
    counts = [0] * 10
    for _ in range(10_000):
        counts[below(rng, 10)] += 1
    assert all(850 < c < 1150 for c in counts)


def test_no_loss_and_total_loss() -> None:
    sim = wire_sim("none", ("a", "b", "c"))
    mesh(sim, 1)
    sim.run()
    assert sim.stats.drop_reasons == {}
    sim = wire_sim("all", ("a", "b", "c"), loss_ppm=1_000_000)
    mesh(sim, 1)
    sim.run()
    assert sim.stats.delivered == {}
    assert sim.stats.drop_reasons == {"loss": 6}


# -- partitions and churn --


def test_partition_blocks_delivery_until_healed() -> None:
    coords = {"a": (0, 0), "b": (0, 100), "c": (0, 50)}  # a-b: 11 ticks
    sim = wire_sim("part", ("a", "b", "c"), coords=coords)
    sim.partition(100, 200, [("a",), ("b",)])  # c is in the rest group, with nobody
    ping(sim, 10, "a", "b")  # before: answered
    ping(sim, 95, "a", "b", "in-flight")  # in flight when the cut starts: lost
    ping(sim, 120, "a", "b")  # during: lost
    ping(sim, 120, "a", "c")  # a and c are in different groups too: lost
    ping(sim, 195, "b", "a")  # arrives after the heal, but flew during the cut: lost
    ping(sim, 200, "a", "b")  # after: answered
    sim.run()
    delivered = [(e[0], e[2], e[4]) for e in log_of(sim) if e[1] == "deliver" and e[5] == "ok"]
    assert delivered == [
        (21, "b", "wire/ping"),
        (32, "a", "wire/pong"),
        (211, "b", "wire/ping"),
        (222, "a", "wire/pong"),
    ]
    assert sim.stats.drop_reasons == {"partition": 4}


def test_crash_stops_a_node() -> None:
    sim = wire_sim("crash", ("a", "b"), coords={"a": (0, 0), "b": (0, 100)})
    ping(sim, 0, "a", "b")
    sim.crash(50, "b")
    ping(sim, 100, "a", "b")
    ping(sim, 100, "b", "a")  # a crashed node takes no commands
    sim.run()
    assert sim.status("b") == "crashed"
    assert sim.stats.drop_reasons == {"crashed": 1}
    assert sim.stats.commands_dropped == 1
    assert sim.node_stats("b").received == 1
    pending = decode_message(wire.WireState, sim.observe("a")).pending
    assert [p.to for p in pending] == [sim.node_id("b")]


def test_in_flight_from_crashed_node_still_arrives() -> None:
    sim = wire_sim("crash2", ("a", "b"), coords={"a": (0, 0), "b": (0, 100)})
    ping(sim, 0, "a", "b")  # b answers at 11; the pong arrives at 22
    sim.crash(15, "b")
    sim.run()
    assert decode_message(wire.WireState, sim.observe("a")).pending == ()


def test_join_and_leave() -> None:
    sim = wire_sim("churn", ("a",), coords={"a": (0, 0)})
    sim.add_node("late", protocol="wire", seed=seed_from_label("churn/late"), at=100)
    ping(sim, 10, "a", "late")  # not joined yet: absent
    ping(sim, 200, "a", "late")  # joined: answered
    sim.leave(300, "late")
    ping(sim, 400, "a", "late")  # departed
    sim.run()
    assert sim.stats.drop_reasons == {"absent": 1, "departed": 1}
    assert sim.stats.delivered == {"wire/ping": 1, "wire/pong": 1}
    assert sim.status("late") == "departed"


def test_unknown_destination() -> None:
    sim = wire_sim("unknown", ("a",))
    sim.command(0, "a", command("ping", wire.PingCommand(to=b"\x01" * 16, nonce=b"\x00" * 8)))
    sim.run()
    assert sim.stats.drop_reasons == {"unknown": 1}


def test_run_until_and_past_ticks() -> None:
    sim = wire_sim("until", ("a", "b"), coords={"a": (0, 0), "b": (0, 100)})
    ping(sim, 0, "a", "b")
    sim.run(until=15)
    assert sim.now == 15
    assert sim.pending_events == 1  # the pong, due at 22
    with pytest.raises(ValueError):
        ping(sim, 14, "a", "b")
    sim.run()
    assert sim.now == 22
    assert sim.run(max_events=5) == 0


def test_bad_scenarios_refused() -> None:
    sim = wire_sim("bad", ("a",))
    with pytest.raises(ValueError):
        sim.add_node("a", protocol="wire", seed=seed_from_label("x"))
    with pytest.raises(ValueError):
        sim.add_node("Bad name", protocol="wire", seed=seed_from_label("y"))
    with pytest.raises(ValueError):  # same seed, same id
        sim.add_node("b", protocol="wire", seed=seed_from_label("bad/a"))
    with pytest.raises(KeyError):
        sim.crash(0, "nobody")
    with pytest.raises(ValueError):
        NetworkConfig(loss_ppm=1_000_001)


# -- timers: a small test role whose machine starts, restarts and cancels a timer --


class BeaconStart(WireModel):
    period: Annotated[int, Field(ge=1, le=1000)]
    to: NodeId


class BeaconStop(WireModel):
    pass


class BeaconParams(WireModel):
    pass


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


# -- misbehaving peers --


def _adversarial(
    label: str, behaviour: Behaviour[bytes] | Callable[[Simulator[Any, bytes]], Behaviour[bytes]]
) -> tuple[Simulator[Any, bytes], Recorder]:
    sim = wire_sim(label, ("a", "b"))
    made = behaviour(sim) if callable(behaviour) else behaviour
    sim.add_node("m", protocol="wire", seed=seed_from_label(f"{label}/m"), behaviour=made)
    recorder = sim.record("a")
    mesh(sim, 2)
    sim.run()
    return sim, recorder


@pytest.mark.parametrize(
    ("make", "code", "flag", "count"),
    [
        # m's ping and pong of each round, replayed
        (lambda sim: Replaying(30), "replay.stale_sequence", "StaleSequence", 4),
        # m's ping and pong of each round, forged
        (
            lambda sim: Forging(sim.identity("b").public_key, "bad_signature"),
            "auth.bad_signature",
            "BadSignature",
            4,
        ),
        (
            lambda sim: Forging(sim.identity("b").public_key, "wrong_key"),
            "auth.wrong_key",
            "WrongKey",
            4,
        ),
        # m's pong of each round, with a nonce a never sent
        (
            lambda sim: Lying(types=("wire/pong",)),
            "machine.guard_rejected",
            "UnexpectedMessage",
            2,
        ),
    ],
    ids=["replaying", "forging-bad-signature", "forging-wrong-key", "lying"],
)
def test_misbehaving_frames_rejected(make: Any, code: str, flag: str, count: int) -> None:
    sim, recorder = _adversarial(f"adv-{code}", make)
    behaviour = make(sim)
    assert flag in behaviour.flags and flag in FLAGS
    assert recorder.error_codes == (code,)
    trace = recorder.trace(
        case_id="test/sim/adv-001", description="t", generator=GEN, flags=behaviour.flags
    )
    assert "negative" in trace.content.header.tags
    steps = trace.content.steps
    negative = [i for i, s in enumerate(steps) if s.expect.error is not None]
    assert len(negative) == count
    for i in negative:
        assert steps[i].expect.outputs == ()
        assert steps[i].input.kind == "deliver"
        assert steps[i].expect.state == steps[i - 1].expect.state  # rejection changes nothing
    # b, honest, rejects the same frames from m
    assert sim.stats.rejected.get(code, 0) >= 4
    replay(trace)


def test_lying_all_types() -> None:
    """Lying about pings too: the honest node answers the lie, the liar's own node refuses."""
    sim, recorder = _adversarial("lie-all", Lying())
    assert recorder.error_codes == ("machine.guard_rejected",)
    assert sim.node_stats("m").rejected == 4  # pongs echoing its lied nonces


def test_silent_peer_never_sends() -> None:
    sim, recorder = _adversarial("silent", Silent())
    assert sim.node_stats("m").sent == 0
    assert sim.node_stats("m").withheld == 8  # 2 rounds x (2 pings + 2 pongs)
    assert sim.node_stats("m").received == 4  # it still hears pings
    pending = decode_message(wire.WireState, sim.observe("a")).pending
    assert {p.to for p in pending} == {sim.node_id("m")}
    assert recorder.error_codes == ()


def test_dropping_peer() -> None:
    sim, _ = _adversarial("dropall", Dropping(1_000_000))
    assert sim.node_stats("m").sent == 0
    sim, _ = _adversarial("dropnone", Dropping(0))
    assert sim.node_stats("m").withheld == 0
    names = tuple(f"n{i}" for i in range(12))
    sim = wire_sim("drophalf", names, behaviours={"n0": Dropping(500_000)}, log=False)
    mesh(sim, 3)
    sim.run()
    counts = sim.node_stats("n0")
    share = counts.withheld / (counts.withheld + counts.sent)
    assert 0.35 < share < 0.65


def test_behaviours_are_seeded() -> None:
    def run() -> list[tuple[Any, ...]]:
        sim = wire_sim("dropseed", ("a", "b", "c"), behaviours={"a": Dropping(500_000)})
        mesh(sim, 3)
        sim.run()
        return log_of(sim)

    assert run() == run()


class Deaf(Behaviour[bytes]):
    """Hears nothing from one peer."""

    def __init__(self, ignored: bytes) -> None:
        self.ignored = ignored

    def incoming(self, ctx: Any, link: bytes, message: bytes) -> bool:
        return link != self.ignored


def test_incoming_hook_refuses_delivery() -> None:
    sim = wire_sim("deaf", ("a", "b", "c"))
    sim.add_node(
        "d", protocol="wire", seed=seed_from_label("deaf/d"), behaviour=Deaf(sim.node_id("a"))
    )
    mesh(sim, 1)
    sim.run()
    assert sim.stats.drop_reasons == {"refused": 2}  # a's ping and a's pong to d
    assert sim.node_stats("d").received == 4


def test_event_queue_ties_pop_in_insertion_order() -> None:
    from reference.sim.events import EventQueue, Kind

    queue = EventQueue()
    for tick, node_index in ((5, 0), (3, 1), (5, 2), (3, 3), (5, 4)):
        queue.push(tick, Kind.COMMAND, node_index, -1, {"unorderable": node_index})
    assert [queue.pop().node for _ in range(5)] == [1, 3, 0, 2, 4]


# -- recorder --


def test_trace_round_trips_and_hash_matches() -> None:
    sim = wire_sim("rt", ("a", "b", "c"), loss_ppm=100_000)
    recorder = sim.record("a")
    mesh(sim, 2)
    sim.run()
    trace = trace_of(recorder)
    data = encode_message(trace)
    assert decode_message(Trace, data) == trace
    assert trace.content_hash == hashlib.sha256(encode_message(trace.content)).digest()
    header = trace.content.header
    assert header.nodes[0].seed == seed_from_label("rt/a")
    assert [p.name for p in header.peers] == ["b", "c"]
    assert {p.node_id for p in header.peers} == {sim.node_id("b"), sim.node_id("c")}
    assert header.tags == ("scenario",)
    replay(trace)


@pytest.mark.parametrize("every", [0, 1, 3])
def test_state_every(every: int) -> None:
    sim = wire_sim(f"every{every}", ("a", "b", "c"))
    recorder = sim.record("a", state_every=every)
    mesh(sim, 2)
    sim.run()
    steps = trace_of(recorder).content.steps
    with_state = [i + 1 for i, s in enumerate(steps) if s.expect.state is not None]
    wanted = {n for n in range(1, len(steps) + 1) if every and n % every == 0} | {len(steps)}
    assert with_state == sorted(wanted)
    assert steps[-1].expect.state == sim.observe("a")
    replay(trace_of(recorder))


def test_limit_records_a_replayable_prefix() -> None:
    sim = wire_sim("limit", ("a", "b", "c"))
    recorder = sim.record("a", state_every=0, limit=5)
    mesh(sim, 2)
    sim.run()
    trace = trace_of(recorder)
    assert len(trace.content.steps) == 5
    assert trace.content.steps[-1].expect.state is not None
    assert trace.content.steps[-1].expect.state != sim.observe("a")  # a moved on
    replay(trace)


def test_recorder_checks() -> None:
    sim = wire_sim("checks", ("a", "b"))
    recorder = sim.record("a")
    with pytest.raises(ValueError, match="nothing was recorded"):
        trace_of(recorder)
    ping(sim, 0, "a", "b")
    sim.run()
    with pytest.raises(ValueError, match="before it joins"):
        sim.record("b")
    _, rec2 = _adversarial("noflags", Replaying(30))
    with pytest.raises(ValueError, match="attack flags"):
        rec2.trace(case_id="test/sim/x-001", description="t", generator=GEN)


behaviour_choice = st.sampled_from(["none", "silent", "drop", "replay", "forge", "wrongkey", "lie"])


def _make(kind: str, sim: Simulator[Any, bytes]) -> Behaviour[bytes] | None:
    victim = sim.identity("a").public_key
    return {
        "none": None,
        "silent": Silent(),
        "drop": Dropping(300_000),
        "replay": Replaying(17),
        "forge": Forging(victim, "bad_signature"),
        "wrongkey": Forging(victim, "wrong_key"),
        "lie": Lying(),
    }[kind]


@settings(max_examples=25)
@given(
    seed=st.integers(0, 2**32),
    peers=st.integers(1, 3),
    rounds=st.integers(1, 3),
    loss=st.sampled_from([0, 100_000, 400_000]),
    kind=behaviour_choice,
    every=st.integers(0, 4),
    spacing=st.sampled_from([5, 50, 400]),
)
def test_recorded_trace_replays_exactly(
    seed: int, peers: int, rounds: int, loss: int, kind: str, every: int, spacing: int
) -> None:
    names = ("a", *(f"p{i}" for i in range(peers)))
    sim = wire_sim("prop", names, loss_ppm=loss, seed=seed, log=False)
    sim.add_node("x", protocol="wire", seed=seed_from_label("prop/x"), behaviour=_make(kind, sim))
    recorder = sim.record("a", state_every=every)
    mesh(sim, rounds, spacing)
    sim.run()
    trace = trace_of(recorder)
    replay(trace)
    assert decode_message(Trace, encode_message(trace)) == trace


# -- statistics --


def test_stats_are_plain_integers() -> None:
    sim, _ = _adversarial("stats", Replaying(30))
    data = sim.stats.as_dict()
    assert json.loads(json.dumps(data)) == data

    def ints(value: object) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and ints(v) for k, v in value.items())
        return type(value) is int

    assert ints(data)
    nodes = data["nodes"]
    assert isinstance(nodes, dict) and sorted(nodes) == ["a", "b", "m"]
    assert sum(n["sent"] for n in nodes.values()) == sum(sim.stats.sent.values())
    assert sum(n["received"] for n in nodes.values()) == sum(sim.stats.delivered.values())
    assert sum(n["rejected"] for n in nodes.values()) == sum(sim.stats.rejected.values())


# -- the runtime interface: the network works with any message representation --


@dataclass(frozen=True)
class Counter:
    received: int = 0


class CountingRuntime:
    """Messages are plain ints: nothing is encoded or signed."""

    def create(self, identity: Identity, protocol: str, params: bytes) -> Counter:
        return Counter()

    def deliver(self, n: Counter, at: int, link: bytes, message: int) -> tuple[Counter, Any]:
        return Counter(n.received + message), ()

    def fire(self, n: Counter, at: int, timer: str) -> tuple[Counter, Any]:
        raise E.PeerMarketError(E.MACHINE_NO_TRANSITION, timer, "no timers")

    def command(self, n: Counter, at: int, cmd: Command) -> tuple[Counter, Any]:
        return n, ((cmd.args, 5),)

    def timers(self, n: Counter) -> Mapping[str, int]:
        return {}

    def observe(self, n: Counter) -> bytes:
        return n.received.to_bytes(8, "big")

    def label(self, message: int) -> str:
        return "count/add"


def test_runtime_is_pluggable() -> None:
    sim: Simulator[Counter, int] = Simulator(CountingRuntime(), seed=7)
    sim.add_node("a", protocol="count", seed=seed_from_label("count/a"))
    sim.add_node("b", protocol="count", seed=seed_from_label("count/b"))
    for at in (1, 2, 3):
        sim.command(at, "a", Command(kind="command", name="add", args=sim.node_id("b")))
    sim.run()
    assert sim.node("b") == Counter(15)
    assert sim.stats.delivered == {"count/add": 3}
    recorded: Simulator[Counter, int] = Simulator(CountingRuntime(), seed=7)
    recorded.add_node("a", protocol="count", seed=seed_from_label("count/a"))
    recorded.add_node("b", protocol="count", seed=seed_from_label("count/b"))
    recorded.record("b")
    recorded.command(1, "a", Command(kind="command", name="add", args=recorded.node_id("b")))
    with pytest.raises(TypeError, match="frames"):
        recorded.run()


# -- the corpus generator --


def test_wire_scenarios_corpus() -> None:
    first = [encode_message(t) for t in WIRE_SCENARIOS.generate()]
    second = [encode_message(t) for t in WIRE_SCENARIOS.generate()]
    assert first == second
    traces = [decode_message(Trace, data) for data in first]
    ids = [t.content.header.case_id for t in traces]
    assert len(set(ids)) == len(ids) == len(SCENARIOS)
    assert all(i.startswith("wire/scenario/ping-") for i in ids)
    for trace in traces:
        header = trace.content.header
        steps = trace.content.steps
        negative = any(s.expect.error is not None for s in steps)
        assert header.generator == WIRE_SCENARIOS_GENERATOR
        assert "scenario" in header.tags
        assert ("negative" in header.tags) == negative == bool(header.flags)
        assert all(flag in FLAGS for flag in header.flags)
        assert 10 <= len(steps) <= 60
        assert "\n" not in header.description
        assert trace.content_hash == hashlib.sha256(encode_message(trace.content)).digest()
        replay(trace)
    by_id = {t.content.header.case_id: t for t in traces}
    lossy = by_id["wire/scenario/ping-lossy-001"].content.steps[-1].expect.state
    assert lossy is not None and decode_message(wire.WireState, lossy).pending != ()
    assert "adversarial" in by_id["wire/scenario/ping-forge-001"].content.header.tags
    assert by_id["wire/scenario/ping-forge-001"].content.header.flags == (
        "BadSignature",
        "WrongKey",
    )


WIRE_SCENARIOS_GENERATOR = Generator(name=WIRE_SCENARIOS.name, version=WIRE_SCENARIOS.version)


def test_scenario_that_loses_its_attack_fails_loudly() -> None:
    scenario = next(s for s in SCENARIOS if s.slug == "ping-replay-001")
    broken = replace(scenario, misbehaving=(("m", lambda sim: Replaying(60, share_ppm=0)),))
    with pytest.raises(RuntimeError, match="StaleSequence"):
        run_scenario(broken)
