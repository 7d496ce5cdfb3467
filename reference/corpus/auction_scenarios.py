"""Corpus generator ``auction-scenarios``: whole markets in the simulator, one node recorded.

Each scenario runs a market of reference auction nodes (:mod:`reference.sim.market`:
converged leaf sets as views, messages handed over a tick later, misbehaving
brokers where the scenario says) and records every input of one honest node
from its creation: a broker of the first service (its root, or another
member) or a trader of it. The recorded node is node ``a`` of the trace,
run alone (``stack.md``): its ``update`` upcalls, the routed ``locate`` it is
given as the root, the offers, candidates, notices and slot timers. Markets
with narrow price ranges and offers that expire inside their round exercise
the global match's ties, arrivals and expiry; misbehaving peers make the
recorded node refuse what it must (those scenarios are negative, and name
the flags of what they refuse).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from reference.codec import encode_message
from reference.corpus import seal_trace
from reference.identity import Identity
from reference.sim.market import MarketConfig, run_market
from spec.v1 import SPEC_VERSION
from spec.v1.trace import TRACE_FORMAT, Deliver, Generator, NodeSetup, Peer, Tag, Trace, TraceHeader

NAME: Final = "auction-scenarios"
VERSION: Final = "1"
SCENARIO_GENERATOR: Final = Generator(name=NAME, version=VERSION)

FLAGS_OF: Final = {
    "machine.guard_rejected": "FalseMatch",
    "machine.no_transition": "UnexpectedMessage",
    "auction.pending_full": "OfferFlood",
    "auction.stale_offer": "ReplayedOffer",
}
"""The flag of each refusal a recorded honest node makes in these markets."""


@dataclass(frozen=True)
class Scenario:
    slug: str
    description: str
    config: MarketConfig


SCENARIOS: Final = (
    Scenario(
        "root-001",
        "the root of a service in an honest market of 30 peers and 10 traders over 4 rounds, "
        "prices within 98..102 and a fifth of the offers expiring inside their round",
        MarketConfig(
            nodes=30,
            services=1,
            traders=10,
            rounds=4,
            brokers=4,
            fanout=2,
            table=16,
            price_spread=2,
            short_ppm=200_000,
            record="root",
            seed=11,
        ),
    ),
    Scenario(
        "broker-001",
        "a broker that is not the root, f = 3 of n = 6, in an honest market with equal "
        "prices common",
        MarketConfig(
            nodes=40,
            services=1,
            traders=12,
            rounds=4,
            brokers=6,
            fanout=3,
            table=16,
            price_spread=1,
            short_ppm=100_000,
            record="broker",
            seed=12,
        ),
    ),
    Scenario(
        "broker-equivocating-peers-001",
        "an honest broker whose fellow brokers partly equivocate (candidates to half of the "
        "set only): its book follows what reaches it",
        MarketConfig(
            nodes=40,
            services=1,
            traders=12,
            rounds=4,
            brokers=6,
            fanout=2,
            table=16,
            price_spread=3,
            malicious_ppm=300_000,
            behaviour="equivocate",
            record="broker",
            seed=13,
        ),
    ),
    Scenario(
        "trader-inventing-brokers-001",
        "a trader among brokers of whom some invent matches: it settles only what a majority "
        "of its f = 3 brokers report, and refuses a broker's second notice for one offer",
        MarketConfig(
            nodes=40,
            services=1,
            traders=10,
            rounds=4,
            brokers=6,
            fanout=3,
            table=16,
            price_spread=3,
            malicious_ppm=300_000,
            behaviour="invent",
            record="trader",
            seed=14,
        ),
    ),
)


def scenario_trace(scenario: Scenario, generator: Generator = SCENARIO_GENERATOR) -> Trace:
    result = run_market(scenario.config)
    if not result.steps:
        raise ValueError(f"{scenario.slug}: nothing was recorded")
    refusals = sorted({s.expect.error for s in result.steps if s.expect.error is not None})
    unknown = [code for code in refusals if code not in FLAGS_OF]
    if unknown:
        raise ValueError(f"{scenario.slug}: unexpected refusals {unknown}")
    tags: tuple[Tag, ...] = (
        ("negative", "adversarial", "scenario") if refusals else ("positive", "scenario")
    )
    flags = tuple(sorted({FLAGS_OF[code] for code in refusals}))
    seed = _seed_of(result.recorded, scenario.config)
    assert Identity.from_seed(seed).node_id == result.recorded
    setup = NodeSetup(
        name="a", protocol="auction", seed=seed, params=encode_message(scenario.config.params)
    )
    senders = sorted({s.input.link for s in result.steps if isinstance(s.input, Deliver)})
    header = TraceHeader(
        trace_format=TRACE_FORMAT,
        spec_version=SPEC_VERSION,
        protocol="auction",
        case_id=f"auction/scenario/{scenario.slug}",
        generator=generator,
        description=scenario.description,
        tags=tags,
        flags=flags,
        nodes=(setup,),
        peers=tuple(Peer(name=f"peer-{i}", node_id=node) for i, node in enumerate(senders)),
    )
    return seal_trace(header, result.steps)


def _seed_of(node_id: bytes, config: MarketConfig) -> bytes:
    """The recorded peer's seed (the market labels its peers ``market/<seed>/<index>``)."""
    for index in range(config.nodes):
        identity = Identity.from_label(f"market/{config.seed}/{index}")
        if identity.node_id == node_id:
            return identity.seed
    raise ValueError("the recorded node is no peer of the market")


def scenario_traces() -> Iterator[Trace]:
    for scenario in SCENARIOS:
        yield scenario_trace(scenario)
