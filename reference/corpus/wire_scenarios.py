"""Corpus generator ``wire-scenarios``: wire nodes pinging each other over the simulator.

Each scenario runs a few rounds in which every running node pings every
other running node, over a seeded network (coordinates, latency, loss),
sometimes with churn, a partition or a misbehaving peer, and records node
``a`` from its creation. Everything derives from labels, so regeneration
gives the same bytes.

A scenario with a misbehaving peer states the attack flags it must provoke;
the generator checks that the recorded node's negative steps map exactly to
those flags, so a scenario that silently stops exercising its attack fails
loudly instead of producing a weaker trace.

Versions: 1, the scenarios; 2, the bounded replay window (``replay_senders`` 4096 in the
parameters, ``at`` and ``replay_floors`` in the states).
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from reference.corpus import CorpusGenerator
from reference.identity import seed_from_label
from reference.sim import (
    Behaviour,
    Dropping,
    Forging,
    FrameRuntime,
    Lying,
    NetworkConfig,
    Recorder,
    Replaying,
    Silent,
    Simulator,
    command,
)
from spec.v1 import wire
from spec.v1.trace import Generator, Tag, Trace

NAME: Final = "wire-scenarios"
VERSION: Final = "2"
GENERATOR: Final = Generator(name=NAME, version=VERSION)

ROUND: Final = 400
"""Ticks between rounds: longer than any round trip on the default 1000 x 1000 plane."""

RECORDED: Final = "a"

FLAG_OF_ERROR: Final[Mapping[str, str]] = MappingProxyType(
    {
        "auth.bad_signature": "BadSignature",
        "auth.wrong_key": "WrongKey",
        "replay.stale_sequence": "StaleSequence",
        "machine.guard_rejected": "UnexpectedMessage",
    }
)
"""The attack flag a rejection at the recorded node stands for in these scenarios."""

Sim = Simulator[Any, bytes]
MakeBehaviour = Callable[[Sim], Behaviour[bytes]]


@dataclass(frozen=True)
class Scenario:
    """One recorded run."""

    slug: str
    description: str
    honest: tuple[str, ...]
    misbehaving: tuple[tuple[str, MakeBehaviour], ...] = ()
    flags: tuple[str, ...] = ()
    """Attack flags the recorded node's negative steps must stand for (exactly)."""
    loss_ppm: int = 0
    rounds: int = 2
    joins: tuple[tuple[str, int], ...] = ()
    """(node, round it joins in); the others join in round 0."""
    crashes: tuple[tuple[str, int], ...] = ()
    """(node, round before which it crashes)."""
    partitions: tuple[tuple[int, tuple[tuple[str, ...], ...]], ...] = ()
    """(round, groups): the groups are cut off from each other for that round."""

    @property
    def case_id(self) -> str:
        return f"wire/scenario/{self.slug}"

    def label(self, what: str) -> str:
        return f"{NAME}/{self.slug}/{what}"

    def names(self) -> tuple[str, ...]:
        return self.honest + tuple(name for name, _ in self.misbehaving)

    def running(self, name: str, round_: int) -> bool:
        crashed = dict(self.crashes).get(name)
        return self.join_round(name) <= round_ and (crashed is None or round_ < crashed)

    def join_round(self, name: str) -> int:
        return dict(self.joins).get(name, 0)


SCENARIOS: Final[tuple[Scenario, ...]] = (
    Scenario(
        slug="ping-mesh-001",
        description="Four honest wire nodes ping each other for two rounds; every ping is "
        "answered and every pong accepted.",
        honest=("a", "b", "c", "d"),
    ),
    Scenario(
        slug="ping-lossy-001",
        description="Five wire nodes ping each other over a network losing 20% of messages; "
        "unanswered pings stay pending.",
        honest=("a", "b", "c", "d", "e"),
        loss_ppm=200_000,
        rounds=3,
    ),
    Scenario(
        slug="ping-churn-001",
        description="Wire nodes under churn: e joins late, a partition cuts {a, b} off for "
        "one round, d crashes; pings across the cut or to d stay pending.",
        honest=("a", "b", "c", "d", "e"),
        rounds=3,
        joins=(("e", 1),),
        crashes=(("d", 2),),
        partitions=((1, (("a", "b"), ("c", "d", "e"))),),
    ),
    Scenario(
        slug="ping-silent-001",
        description="A silent peer never answers and a dropping peer loses half its "
        "messages; their pings from a stay pending.",
        honest=("a", "b"),
        misbehaving=(("s", lambda sim: Silent()), ("p", lambda sim: Dropping(500_000))),
        rounds=3,
    ),
    Scenario(
        slug="ping-replay-001",
        description="A replaying peer sends every frame again 60 ticks later; a refuses "
        "each copy as a stale sequence number.",
        honest=("a", "b", "c"),
        misbehaving=(("m", lambda sim: Replaying(60)),),
        flags=("StaleSequence",),
    ),
    Scenario(
        slug="ping-forge-001",
        description="Two peers forge frames as b, one signing with its own key under b's key "
        "and one presenting its own key under b's id; a refuses both.",
        honest=("a", "b"),
        misbehaving=(
            ("f", lambda sim: Forging(sim.identity("b").public_key, "bad_signature")),
            ("g", lambda sim: Forging(sim.identity("b").public_key, "wrong_key")),
        ),
        flags=("BadSignature", "WrongKey"),
    ),
    Scenario(
        slug="ping-lie-001",
        description="A lying peer answers pings with validly signed pongs for nonces never "
        "sent; a refuses them as unexpected.",
        honest=("a", "b", "c"),
        misbehaving=(("l", lambda sim: Lying(types=("wire/pong",))),),
        flags=("UnexpectedMessage",),
    ),
)


def build(scenario: Scenario) -> tuple[Sim, Recorder]:
    """The simulator of a scenario, with node ``a`` recorded (not yet run)."""
    sim: Sim = Simulator(
        FrameRuntime(),
        seed=seed_from_label(scenario.label("sim")),
        config=NetworkConfig(loss_ppm=scenario.loss_ppm),
    )
    behaviours = dict(scenario.misbehaving)
    for name in scenario.names():
        make = behaviours.get(name)
        sim.add_node(
            name,
            protocol=wire.PROTOCOL,
            seed=seed_from_label(scenario.label(name)),
            at=ROUND * scenario.join_round(name),
            behaviour=None if make is None else make(sim),
        )
    for name, round_ in scenario.crashes:
        sim.crash(ROUND * round_, name)
    for round_, groups in scenario.partitions:
        sim.partition(ROUND * round_, ROUND * (round_ + 1), groups)
    recorder = sim.record(RECORDED)
    names = scenario.names()
    for round_ in range(scenario.rounds):
        for offset, src in enumerate(names):
            if not scenario.running(src, round_):
                continue
            for dst in names:
                # senders do not know who crashed: they keep pinging it
                if dst == src or scenario.join_round(dst) > round_:
                    continue
                nonce = seed_from_label(scenario.label(f"nonce/{src}/{dst}/{round_}"))[:8]
                ping = wire.PingCommand(to=sim.node_id(dst), nonce=nonce)
                sim.command(ROUND * round_ + offset, src, command("ping", ping))
    return sim, recorder


def run(scenario: Scenario) -> Trace:
    """Run one scenario and return the trace of node ``a``."""
    sim, recorder = build(scenario)
    sim.run()
    flags = tuple(sorted({FLAG_OF_ERROR[code] for code in recorder.error_codes}))
    if flags != tuple(sorted(scenario.flags)):
        raise RuntimeError(
            f"{scenario.case_id}: expected attack flags {sorted(scenario.flags)}, "
            f"the recorded node's rejections give {list(flags)}"
        )
    tags: list[Tag] = ["scenario"]
    if scenario.misbehaving:
        tags.append("adversarial")
    tags.append("negative" if flags else "positive")
    trace: Trace = recorder.trace(
        case_id=scenario.case_id,
        description=scenario.description,
        generator=GENERATOR,
        tags=tags,
        flags=flags,
    )
    return trace


def generate() -> Iterator[Trace]:
    for scenario in SCENARIOS:
        yield run(scenario)


WIRE_SCENARIOS: Final = CorpusGenerator(name=NAME, version=VERSION, generate=generate)
