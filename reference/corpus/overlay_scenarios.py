"""Corpus generator ``overlay-scenarios``: overlay rings in the simulator, recorded.

Each scenario builds a small ring by joins (:class:`reference.sim.overlay.OverlayNet`
with signed frames), runs lookups, failures or departures, and records some
of its nodes from their creation, each as one trace. Everything derives from
labels, so regeneration gives the same bytes. A recorded node sees only
valid input in these runs, so every scenario trace is positive; the
generator checks that no recorded step was refused.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from reference.identity import seed_from_label
from reference.overlay.ring import to_int
from reference.sim import Recorder
from reference.sim.overlay import OverlayNet
from spec.v1.overlay.constants import PROBE_PERIOD, PROBE_TIMEOUT
from spec.v1.trace import Generator, Trace

NAME: Final = "overlay-scenarios"
VERSION: Final = "2"
SCENARIO_GENERATOR: Final = Generator(name=NAME, version=VERSION)

STATE_EVERY: Final = 8
"""Record the observable state after every 8th step (and the last): enough to pin the
tables down, while keeping the traces small."""


@dataclass(frozen=True)
class Scenario:
    slug: str
    description: str
    size: int
    recorded: tuple[int, ...]
    lookups: int = 0
    crash: tuple[int, ...] = ()
    leave: tuple[int, ...] = ()
    settle: int = PROBE_PERIOD + PROBE_TIMEOUT + 1
    """Ticks run after the last event of the scenario, so that a probe round happens."""

    def case_id(self, node: int) -> str:
        return f"overlay/scenario/{self.slug}-n{node}-001"

    @property
    def label(self) -> str:
        return f"{NAME}/{self.slug}"


SCENARIOS: Final[tuple[Scenario, ...]] = (
    Scenario(
        "ring-build",
        "Eight nodes join one by one through n0; every node then looks keys up; a probe "
        "round follows.",
        size=8,
        recorded=(0, 5),
        lookups=24,
    ),
    Scenario(
        "failure-repair",
        "Twelve nodes form a ring; two crash; lookups meet the crashed nodes (hops time "
        "out and are re-routed); probes declare them failed and the leaf sets and routing "
        "tables are repaired.",
        size=12,
        recorded=(1, 6),
        lookups=36,
        crash=(4, 9),
        settle=2 * (PROBE_PERIOD + PROBE_TIMEOUT),
    ),
    Scenario(
        "departure",
        "Six nodes form a ring; n3 leaves, telling the others, who repair at once.",
        size=6,
        recorded=(3, 1),
        leave=(3,),
    ),
)


def run(scenario: Scenario) -> list[Trace]:
    net = OverlayNet(scenario.size, label=scenario.label, join_every=150, frames=True)
    recorders: dict[int, Recorder] = {
        index: net.sim.record(net.names[index], state_every=STATE_EVERY)
        for index in scenario.recorded
    }
    net.build()
    sim = net.sim
    rng = sim.rng("lookups")
    at = sim.now + 1
    if scenario.crash:
        net.crash(at, scenario.crash)
        at += 1
    for index in scenario.leave:
        from reference.sim import command
        from spec.v1.overlay.commands import LeaveCommand

        sim.command(at, net.names[index], command("leave", LeaveCommand()))
        sim.leave(at + 1, net.names[index])
        at += 2
    alive = [i for i in range(scenario.size) if i not in scenario.crash + scenario.leave]
    for number in range(scenario.lookups):
        origin = alive[rng.randrange(len(alive))]
        key = to_int(seed_from_label(f"{scenario.label}/key/{number}")[:16])
        nonce = seed_from_label(f"{scenario.label}/nonce/{number}")[:8]
        net.lookup(at + 10 * number, origin, key, nonce)
    sim.run(until=at + 10 * scenario.lookups + scenario.settle)
    traces = []
    for index, recorder in recorders.items():
        if recorder.error_codes:
            raise RuntimeError(
                f"{scenario.case_id(index)}: the recorded node refused {recorder.error_codes}"
            )
        traces.append(
            recorder.trace(
                case_id=scenario.case_id(index),
                description=f"{scenario.description} Recorded: n{index}.",
                generator=SCENARIO_GENERATOR,
                tags=("scenario", "positive"),
            )
        )
    return traces


def scenario_traces() -> Iterator[Trace]:
    for scenario in SCENARIOS:
        yield from run(scenario)
