"""Misbehaving peers: replaying, forging, lying, silent, dropping and deaf behaviours."""

from typing import Any

import pytest
from sim_kit import (  # tests/ is on sys.path under pytest
    GEN,
    adversarial,
    log_of,
    mesh,
    replay,
    wire_sim,
)

from reference.codec import decode_message
from reference.identity import seed_from_label
from reference.sim import Behaviour, Dropping, Forging, Lying, Replaying, Silent
from spec.v1 import wire
from spec.v1.flags import BY_NAME as FLAGS

# -- misbehaving peers --


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
    sim, recorder = adversarial(f"adv-{code}", make)
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
    sim, recorder = adversarial("lie-all", Lying())
    assert recorder.error_codes == ("machine.guard_rejected",)
    assert sim.node_stats("m").rejected == 4  # pongs echoing its lied nonces


def test_silent_peer_never_sends() -> None:
    sim, recorder = adversarial("silent", Silent())
    assert sim.node_stats("m").sent == 0
    assert sim.node_stats("m").withheld == 8  # 2 rounds x (2 pings + 2 pongs)
    assert sim.node_stats("m").received == 4  # it still hears pings
    pending = decode_message(wire.WireState, sim.observe("a")).pending
    assert {p.to for p in pending} == {sim.node_id("m")}
    assert recorder.error_codes == ()


def test_dropping_peer() -> None:
    sim, _ = adversarial("dropall", Dropping(1_000_000))
    assert sim.node_stats("m").sent == 0
    sim, _ = adversarial("dropnone", Dropping(0))
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
