"""What an SLA market run is made of: its config, its seeded draws, and the yardsticks.

Kept apart from the driver (:mod:`reference.sim.sla_market`) so that the two things a run
is judged by are written independently of the reference: the breach oracle
(:func:`breach_report`, the written rule of ``sla.md`` applied to a planned stream of
reports) and the surplus bound (:func:`max_surplus`, the best any allocation of the same
bids and asks could do).

Integer conventions: prices, costs and valuations are integer minor units per unit of
service; surplus is an integer (``(valuation - cost) * units``); shares are parts per
million in configs and exact fractions in results, rounded to 6 decimals only when written.
"""

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from reference.sim.streams import PPM, below, chance, stream
from spec.v1.sla.constants import MAX_RECORDS, MAX_RULES, MAX_WINDOW
from spec.v1.sla.messages import Bound, Guarantee, Measure

LATENCY_BOUND: Final = 100
"""ms, at most: every service's latency guarantee."""
THROUGHPUT_BOUND: Final = 500
"""kbit/s, at least: every service's throughput guarantee."""


@dataclass(frozen=True)
class SlaMarketConfig:
    """One market run (one cell of the sweep): the run is a pure function of it."""

    seed: int = 1
    providers: int = 24
    """Provider peers at the start; provider ``i`` offers service type ``i mod services``."""
    consumers: int = 72
    """Consumer peers; consumer ``j`` wants service type ``j mod services`` every epoch."""
    services: int = 3
    """Service types."""
    epochs: int = 12
    """Rounds of trade: each consumer tries once per epoch, every agreement runs within it."""
    failing_ppm: int = 0
    """Share of the providers that fail their QoS, in parts per million (rounded to a count)."""
    fail_ppm: int = PPM
    """Chance that a failing provider fails a given agreement."""
    nonpaying_ppm: int = 100_000
    """Share of the consumers that never pay."""
    reentering_ppm: int = 500_000
    """Share of the misbehaving peers that come back under a fresh identity once excluded."""
    jitter_ppm: int = 150_000
    """Chance per report and guarantee of an isolated out-of-bound value (never ``window`` in
    a row: honest noise the breach rule must tolerate)."""
    min_standing: int = 0
    """The market's ``min_standing``: 0 an open market, 1 or more access control by standing."""
    bootstrap_epochs: int = 2
    """With ``min_standing`` >= 1: epochs during which the founding peers admit each other by
    allow rules, removed afterwards so that standing alone decides."""
    newcomer_bp: int = 2_000
    """The markup a consumer of standing 0 pays (``newcomer_bp // (1 + standing)``)."""
    pay_within: int = 10
    """Ticks after the close within which the debtor pays."""
    penalty_bp: int = 5_000
    """A violated agreement's penalty, in basis points of what was charged."""
    window: int = 3
    """k: consecutive out-of-bound reports that breach an agreement (both guarantees)."""
    reports: int = 6
    """Usage reports of an agreement that runs to its end."""
    capacity: int = 8
    """Units a provider can deliver per epoch (its ask's quantity)."""
    max_demand: int = 4
    """A consumer wants 1 to this many units per epoch (its bid's quantity)."""
    asks: int = 4
    """How many providers a consumer negotiates with at once: the cheapest by tariff among
    those its own Security admits and whose tariff is within its valuation."""
    max_rounds: int = 2
    """Rounds per negotiation: a refusal for ``units`` is countered with half the units."""
    cost_low: int = 50
    cost_high: int = 100
    """A provider's cost per unit, drawn once: its ask, and its tariff."""
    value_low: int = 40
    value_high: int = 160
    """A consumer's valuation per unit, drawn every epoch: its bid, and its ``max_price``."""
    rest_ticks: int = 20
    """Ticks between the last payment of an epoch and the next epoch's first negotiation."""

    def __post_init__(self) -> None:
        if not 1 <= self.services <= self.providers:
            raise ValueError("every service type needs a provider: 1 <= services <= providers")
        if self.consumers < 1 or self.epochs < 1:
            raise ValueError("a market needs consumers and epochs")
        for name in ("failing_ppm", "fail_ppm", "nonpaying_ppm", "reentering_ppm", "jitter_ppm"):
            if not 0 <= getattr(self, name) <= PPM:
                raise ValueError(f"{name} must be within 0..{PPM}")
        if not 1 <= self.window <= min(self.reports, MAX_WINDOW):
            raise ValueError("the window must fit an agreement: 1 <= window <= reports")
        if not 0 <= self.min_standing <= MAX_RECORDS:
            raise ValueError(f"min_standing must be within 0..{MAX_RECORDS}")
        if self.min_standing and max(self.providers, self.consumers) > MAX_RULES:
            raise ValueError(f"bootstrap allow rules: at most {MAX_RULES} peers of each role")
        if not (0 < self.cost_low <= self.cost_high and 0 < self.value_low <= self.value_high):
            raise ValueError("costs and valuations are positive ranges")
        if min(self.capacity, self.max_demand, self.asks, self.max_rounds) < 1:
            raise ValueError("capacity, max_demand, asks and max_rounds are at least 1")

    @property
    def access_control(self) -> bool:
        return self.min_standing >= 1


GUARANTEES: Final = (
    Guarantee(metric="latency", unit="ms", op="le", bound=LATENCY_BOUND, window=1),
    Guarantee(metric="throughput", unit="kbit/s", op="ge", bound=THROUGHPUT_BOUND, window=1),
)
"""The guarantees every consumer requires (the window is set per config)."""

BOUNDS: Final = tuple(
    Bound(metric=g.metric, unit=g.unit, op=g.op, bound=g.bound) for g in GUARANTEES
)
"""What every provider offers: exactly the guarantees required (met, ``sla.md`` check 5)."""


def guarantees(config: SlaMarketConfig) -> tuple[Guarantee, ...]:
    """What every consumer requires, with the config's breach window."""
    return tuple(g.model_copy(update={"window": config.window}) for g in GUARANTEES)


def service_id(seed: int, kind: int) -> bytes:
    """Service type ``kind``'s 16-byte id."""
    return hashlib.sha256(f"sla-market/{seed}/service/{kind}".encode()).digest()[:16]


def pick(rng: random.Random, population: int, share_ppm: int) -> frozenset[int]:
    """``round(population * share)`` distinct indices (half up), by a partial Fisher-Yates:
    an exact count, so a 10 % cell has the same number of misbehaving peers in every seed."""
    count = (population * share_ppm + PPM // 2) // PPM
    order = list(range(population))
    for i in range(count):
        j = i + below(rng, population - i)
        order[i], order[j] = order[j], order[i]
    return frozenset(order[:count])


def shuffled(rng: random.Random, items: Sequence[int]) -> list[int]:
    """A Fisher-Yates shuffle on :func:`below` (``random.shuffle``'s draws are not pinned)."""
    order = list(items)
    for i in range(len(order) - 1, 0, -1):
        j = below(rng, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


class Bid(NamedTuple):
    """A bid (a consumer's valuation per unit and demand) or an ask (a provider's cost per
    unit and capacity): what the surplus bound pairs."""

    value: int
    units: int


class Report(NamedTuple):
    """One planned usage report: units used, and the measured values (None: not measured)."""

    units: int
    latency: int | None
    throughput: int | None

    def measures(self) -> tuple[Measure, ...]:
        found = (("latency", self.latency), ("throughput", self.throughput))
        return tuple(Measure(metric=m, value=v) for m, v in found if v is not None)


def costs(config: SlaMarketConfig) -> tuple[int, ...]:
    """Every provider's cost per unit, by provider index: drawn once, kept on re-entry."""
    rng = stream(config.seed, "sla/costs")
    span = config.cost_high - config.cost_low + 1
    return tuple(config.cost_low + below(rng, span) for _ in range(config.providers))


def bids(config: SlaMarketConfig, epoch: int) -> tuple[Bid, ...]:
    """Every consumer's bid of one epoch, by consumer index."""
    rng = stream(config.seed, f"sla/bids/{epoch}")
    span = config.value_high - config.value_low + 1
    return tuple(
        Bid(config.value_low + below(rng, span), 1 + below(rng, config.max_demand))
        for _ in range(config.consumers)
    )


def _value(rng: random.Random, metric: int, out: bool) -> int | None:
    """A measured value of ``metric`` (0 latency, 1 throughput) inside or outside its bound;
    an out-of-bound report is a missing value one time in four."""
    if out and below(rng, 4) == 0:
        return None
    if metric == 0:
        return LATENCY_BOUND + 1 + below(rng, 300) if out else 10 + below(rng, LATENCY_BOUND - 9)
    return below(rng, THROUGHPUT_BOUND) if out else THROUGHPUT_BOUND + below(rng, 1500)


def plan(
    config: SlaMarketConfig, neg: bytes, units: int, failing: bool
) -> tuple[tuple[Report, ...], bool]:
    """An agreement's reports of its ``units``, and whether a failure was injected into them.

    An injected failure is ``window`` consecutive out-of-bound reports of one guarantee,
    starting at a drawn report. Otherwise (and on the other guarantee) a report is out of
    bound by jitter, but never ``window`` in a row: the noise an honest provider has.
    """
    rng = stream(config.seed, f"sla/plan/{neg.hex()}")
    injected = failing and chance(rng, config.fail_ppm)
    metric = below(rng, 2)
    first = below(rng, config.reports - config.window + 1)
    forced = range(first, first + config.window) if injected else range(0)
    runs = [0, 0]
    values: list[list[int | None]] = [[], []]
    for index in range(config.reports):
        for m in (0, 1):
            if m == metric and index in forced:
                out = True
            else:
                out = runs[m] < config.window - 1 and chance(rng, config.jitter_ppm)
            runs[m] = runs[m] + 1 if out else 0
            values[m].append(_value(rng, m, out))
    n = config.reports
    return tuple(  # the units spread as evenly as integers allow (a report may use 0)
        Report(units * (i + 1) // n - units * i // n, values[0][i], values[1][i]) for i in range(n)
    ), injected


def breach_report(reports: Sequence[Report], required: Sequence[Guarantee]) -> int | None:
    """The 1-based report after which some guarantee's last ``window`` reports were all out
    of bound (a missing value is out): the written breach rule, looking back over the whole
    history each time rather than keeping runs as the reference does."""
    for index in range(1, len(reports) + 1):
        for g in required:
            if index < g.window:
                continue
            recent = reports[index - g.window : index]
            if all(_out(g, r) for r in recent):
                return index
    return None


def _out(g: Guarantee, report: Report) -> bool:
    value = report.latency if g.metric == "latency" else report.throughput
    if value is None:
        return True
    return value > g.bound if g.op == "le" else value < g.bound


def max_surplus(bids: Sequence[Bid], asks: Sequence[Bid]) -> int:
    """The most surplus any allocation of these units could realize: bids descending, asks
    ascending, paired unit by unit while the bid exceeds the ask (one service type)."""
    wanted = sorted(bids, key=lambda b: -b.value)
    offered = sorted(asks, key=lambda a: a.value)
    total = 0
    i = j = 0
    left_bid = wanted[0].units if wanted else 0
    left_ask = offered[0].units if offered else 0
    while i < len(wanted) and j < len(offered) and wanted[i].value > offered[j].value:
        units = min(left_bid, left_ask)
        total += (wanted[i].value - offered[j].value) * units
        left_bid -= units
        left_ask -= units
        if left_bid == 0:
            i += 1
            left_bid = wanted[i].units if i < len(wanted) else 0
        if left_ask == 0:
            j += 1
            left_ask = offered[j].units if j < len(offered) else 0
    return total
