"""The recorder (traces of one simulated node, replayed exactly) and the wire-scenarios corpus."""

import hashlib
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_kit import (  # tests/ is on sys.path under pytest
    GEN,
    adversarial,
    mesh,
    ping,
    replay,
    trace_of,
    wire_sim,
)

from reference.codec import decode_message, encode_message
from reference.corpus.wire_scenarios import SCENARIOS, WIRE_SCENARIOS
from reference.corpus.wire_scenarios import run as run_scenario
from reference.identity import seed_from_label
from reference.sim import Behaviour, Dropping, Forging, Lying, Replaying, Silent, Simulator
from spec.v1 import wire
from spec.v1.flags import BY_NAME as FLAGS
from spec.v1.trace import Generator, Trace

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
    _, rec2 = adversarial("noflags", Replaying(30))
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
