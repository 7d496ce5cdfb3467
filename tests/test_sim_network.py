"""The simulated network: determinism, latency, loss, partitions, churn, statistics, runtimes."""

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sim_kit import (  # tests/ is on sys.path under pytest
    adversarial,
    log_of,
    mesh,
    ping,
    trace_of,
    wire_sim,
)

from reference.codec import decode_message, encode_message
from reference.corpus.wire_scenarios import WIRE_SCENARIOS
from reference.identity import Identity, seed_from_label
from reference.sim import LatencyModel, NetworkConfig, Replaying, Simulator, command
from reference.sim.streams import below, stream
from reference.sim.topology import ceil_scaled_distance
from spec.v1 import errors as E
from spec.v1 import wire
from spec.v1.trace import Command

ROOT = Path(__file__).resolve().parents[1]


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


def test_event_queue_ties_pop_in_insertion_order() -> None:
    from reference.sim.events import EventQueue, Kind

    queue = EventQueue()
    for tick, node_index in ((5, 0), (3, 1), (5, 2), (3, 3), (5, 4)):
        queue.push(tick, Kind.COMMAND, node_index, -1, {"unorderable": node_index})
    assert [queue.pop().node for _ in range(5)] == [1, 3, 0, 2, 4]


# -- statistics --


def test_stats_are_plain_integers() -> None:
    sim, _ = adversarial("stats", Replaying(30))
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
