"""The overlay experiment (issue 4): Pastry's figures measured on the reference.

Three runs, each on its own network built by joins in the simulator
(:class:`~reference.sim.overlay.OverlayNet`: node ``i`` joins at tick
``1 + 50 i`` through a seeded bootstrap node), running the overlay machine's
own join, routing and repair code. By default nodes step on message bodies
(the body runtime: nothing encoded or signed); ``frames=True`` runs signed
frames, the same code, much slower.

- **Scaling**, for each size N: build (probing off: with no failure and no
  loss a probe changes nothing; routing-table maintenance on), let the ring
  run one MAINTENANCE_PERIOD more (every node runs a maintenance round: the
  ring as it is once it has been up a while after its last join), then
  ``lookups`` lookups of random keys from random live nodes, one per tick.
  Reported: hops (mean, distribution, max), the share delivered by the
  numerically closest live node, ceil(log16 N), routing-table entries per
  node and how complete the tables are (right after the joins and after the
  period), messages per join.
- **Failure**, on ``failure_size`` nodes with probing on: lookups before;
  crash ``failure_share_ppm`` of the nodes at once; lookups *after failure,
  before repair* (nodes detect failures by probe and hop timeouts and route
  around them, but their repair requests are held off the wire, see
  :mod:`~reference.sim.experiments.watch`); release them and let the network run
  ``repair_ticks``; lookups *after repair*. Reported: the three hop averages,
  repair requests (``leaf_request`` + ``row_request``) per failed node, and
  table entries still naming a failed node.
- **Churn**, on ``churn_size`` nodes: while a further ``churn_share_ppm`` of
  that many nodes join, as many others crash at random ticks of the same
  window, and lookups run throughout. Reported: the rate of inconsistent
  deliveries (by a node that was not the closest live, active one at that
  tick, or by two nodes), which the protocol's safety invariant does not
  promise to be zero under overlapping churn.

Everything is a pure function of the :class:`Config`: no clock, no I/O. A
``progress`` callback (task, done, total) is told how far each run is.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from reference.overlay import routing_table
from reference.overlay.routing import route
from reference.sim.experiments import completeness, paper
from reference.sim.experiments.lookups import (
    Judged,
    Nonces,
    Planned,
    judge,
    plan,
    replica_hops,
    spread,
)
from reference.sim.experiments.watch import Watch
from reference.sim.overlay import OverlayNet
from reference.sim.runtime import Runtime
from reference.sim.streams import PPM, below, stream
from spec.v1.overlay.constants import LOOKUP_TIMEOUT, MAINTENANCE_PERIOD, PROBE_PERIOD

Progress = Callable[[str, int, int], None]
"""``progress(task, done, total)``: how far a task is (called often; may do nothing)."""

FORMAT: Final = 1
"""Version of the results' JSON layout."""

REPLICAS: Final = 5
"""The paper's failure experiment looks up objects stored on k = 5 replicas."""

DIGITS: Final = 6
"""Decimal places kept of every derived (non-integer) figure, so the JSON is stable."""


def _quiet(task: str, done: int, total: int) -> None:
    del task, done, total


@dataclass(frozen=True)
class Config:
    """What to run. The defaults are the issue's experiment."""

    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    """Network sizes of the scaling runs."""
    failure_size: int = paper.FAILURE_SIZE
    """Nodes of the failure run (0: skip it)."""
    failure_share_ppm: int = paper.FAILURE_SHARE_PPM
    """Share of the failure run's nodes that crash, in parts per million."""
    churn_size: int = 1_000
    """Nodes of the churn run before the churn starts (0: skip it)."""
    churn_share_ppm: int = 100_000
    """During the churn, this share of ``churn_size`` joins and as many crash."""
    lookups: int = 10_000
    """Lookups per measurement (per size, per failure phase, and during the churn)."""
    repair_ticks: int = 3 * PROBE_PERIOD
    """Ticks the failure run lets repair work before measuring again (three probe periods:
    every leaf-set neighbour of a failed node has probed it by then)."""
    seed: int = 1
    """Every id, coordinate, bootstrap choice, failure and lookup derives from it."""
    frames: bool = False
    """Run signed frames instead of message bodies (the same code; much slower)."""

    def __post_init__(self) -> None:
        if not self.sizes and self.failure_size == 0 and self.churn_size == 0:
            raise ValueError("nothing to run: no sizes, no failure run, no churn run")
        if any(size < 2 for size in self.sizes):
            raise ValueError("every size must be at least 2")
        if self.failure_size == 1 or self.failure_size < 0:
            raise ValueError("the failure run needs at least 2 nodes (or 0 to skip it)")
        if self.churn_size == 1 or self.churn_size < 0:
            raise ValueError("the churn run needs at least 2 nodes (or 0 to skip it)")
        for name in ("failure_share_ppm", "churn_share_ppm"):
            if not 0 <= getattr(self, name) < PPM:
                raise ValueError(f"{name} must be within 0..999999")
        if self.lookups < 1:
            raise ValueError("lookups must be at least 1")
        if self.repair_ticks < 0:
            raise ValueError("repair_ticks must not be negative")


QUICK: Final = Config(
    sizes=(100, 400),
    failure_size=300,
    churn_size=200,
    lookups=300,
    repair_ticks=PROBE_PERIOD + 2_000,
)
"""A smoke run of every part in seconds (figures far from the paper's: tiny networks)."""


# -- results --


@dataclass(frozen=True)
class Hops:
    """A batch of lookups' outcome, as reported."""

    lookups: int
    answered: int
    mean: float
    max: int
    counts: tuple[int, ...]
    """Answered lookups per hop count (index = hops)."""
    distribution: tuple[float, ...]
    """``counts`` as shares of the answered lookups."""
    closest_share: float
    """Share of the issued lookups delivered only by the closest live, active node."""
    misdelivered: int
    doubled: int
    inconsistent_rate: float
    """Share of the answered lookups misdelivered or delivered by two nodes."""

    @classmethod
    def of(cls, judged: Judged) -> "Hops":
        answered = judged.answered
        return cls(
            lookups=judged.issued,
            answered=answered,
            mean=_r(judged.mean_hops),
            max=judged.max_hops,
            counts=judged.hops,
            distribution=tuple(_r(n / answered) for n in judged.hops) if answered else (),
            closest_share=_r(judged.correct / judged.issued) if judged.issued else 0.0,
            misdelivered=judged.misdelivered,
            doubled=judged.doubled,
            inconsistent_rate=_r(judged.inconsistent / answered) if answered else 0.0,
        )


@dataclass(frozen=True)
class Scaling:
    size: int
    bound: int
    """ceil(log16 N)."""
    hops: Hops
    within_bound_plus_one: float
    """Share of answered lookups with hops <= ceil(log16 N) + 1."""
    routing_entries_mean: float
    routing_entries_max: int
    routing_entries_possible: float
    """Per node, the slots some live node fits: what a complete table would hold."""
    routing_completeness: float
    """Filled slots over possible slots (see :mod:`~reference.sim.experiments.completeness`)."""
    routing_missing_by_row: tuple[int, ...]
    """Slots a live node fits but that are empty, over all nodes, per row."""
    routing_completeness_joined: float
    """The same completeness right after the last join, before the maintenance period."""
    maintenance_messages: int
    """``row_sync`` and ``row_state`` messages sent, over the build and the period."""
    messages_per_join: float
    messages_by_type: dict[str, int]
    """Messages sent while building, by ``protocol/type``."""
    build_ticks: int
    settle_ticks: int
    """Ticks run after the build, before the lookups (one maintenance period)."""
    events: int


@dataclass(frozen=True)
class Failure:
    size: int
    failed: int
    before: Hops
    no_repair: Hops
    after_repair: Hops
    repair_ticks: int
    repair_requests: dict[str, int]
    """Repair requests from the failure to the end of the repair window, by type."""
    repair_per_failed: float
    """All of them per failed node (the paper's "repair RPCs per failed node")."""
    repair_requests_total: int
    """Repair requests up to the end of the last measurement (lazy repair continues)."""
    held: int
    """Repair requests held off the wire during the no-repair measurement."""
    window_messages: dict[str, int]
    """Every message sent from the failure to the end of the repair window, by type
    (the no-repair lookups' traffic and the probes included)."""
    window_rejected: dict[str, int]
    """Inputs nodes refused in the same window, by error code. With signed frames a held
    request released after a later frame on the same link is refused as a stale sequence
    number (replay protection); bodies carry no sequence numbers."""
    stale_routing_entries: tuple[int, int, int]
    """Routing-table entries of live nodes naming a failed node: right after the
    failure, after the no-repair lookups, after repair."""
    stale_leaf_entries: tuple[int, int, int]
    """The same for leaf-set members."""
    route_hops_before: float
    """Analysis: the lookups before failure routed again with
    :func:`~reference.overlay.routing.route` (no messages) over the tables as they are
    after those lookups: the mean hops to the root. Slightly below ``before.mean`` when
    lookups had empty slots filled on the way."""
    replica_hops_before: float
    """Analysis: the same routes' mean hops to the *first* of the key's REPLICAS
    numerically closest nodes: where the paper's lookups (objects on k = 5 replicas)
    would stop."""


@dataclass(frozen=True)
class Churn:
    size: int
    joins: int
    failures: int
    window_ticks: int
    lookups: Hops


@dataclass(frozen=True)
class Row:
    """One line of the comparison with the paper."""

    section: str
    figure: str
    measured: float
    paper: float | None
    note: str = ""
    target: str = ""
    """The issue's target for this figure, if it sets one (e.g. "within 5%")."""
    met: bool | None = None
    """Whether the target is met (None: no target)."""

    @property
    def difference(self) -> float | None:
        return None if self.paper is None else _r(self.measured - self.paper)

    @property
    def relative(self) -> float | None:
        if self.paper is None or self.paper == 0:
            return None
        return _r((self.measured - self.paper) / self.paper)


@dataclass(frozen=True)
class Results:
    config: Config
    scaling: tuple[Scaling, ...]
    failure: Failure | None
    churn: Churn | None
    comparison: tuple[Row, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Plain data (ints, floats rounded to DIGITS places, strings, lists, dicts)."""
        return {
            "experiment": "overlay",
            "format": FORMAT,
            "config": {**asdict(self.config), "sizes": list(self.config.sizes)},
            "paper": paper_figures(),
            "scaling": [_plain(asdict(s)) for s in self.scaling],
            "failure": None if self.failure is None else _plain(asdict(self.failure)),
            "churn": None if self.churn is None else _plain(asdict(self.churn)),
            "comparison": [
                {
                    "section": row.section,
                    "figure": row.figure,
                    "measured": row.measured,
                    "paper": row.paper,
                    "difference": row.difference,
                    "relative": row.relative,
                    "note": row.note,
                    "target": row.target,
                    "met": row.met,
                }
                for row in self.comparison
            ],
        }


def paper_figures() -> dict[str, Any]:
    return {
        "hop_size": paper.HOP_SIZE,
        "hop_distribution": {str(h): p for h, p in paper.HOP_DISTRIBUTION.items()},
        "mean_hops": _r(paper.MEAN_HOPS),
        "max_hops": paper.MAX_HOPS,
        "routing_entries": paper.ROUTING_ENTRIES,
        "failure_size": paper.FAILURE_SIZE,
        "failure_share_ppm": paper.FAILURE_SHARE_PPM,
        "hops_before_failure": paper.HOPS_BEFORE_FAILURE,
        "hops_after_failure": paper.HOPS_AFTER_FAILURE,
        "hops_after_repair": paper.HOPS_AFTER_REPAIR,
        "repair_per_failed": paper.REPAIR_PER_FAILED,
    }


def _r(value: float) -> float:
    return round(value, DIGITS)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# -- running --


class _Net:
    """An :class:`OverlayNet` with a :class:`Watch` on its runtime, and its own nonces."""

    def __init__(self, size: int, label: str, config: Config, *, probing: bool) -> None:
        watches: list[Watch] = []

        def watched(inner: Runtime[Any, Any]) -> Runtime[Any, Any]:
            watches.append(Watch(inner))
            return watches[0]

        # Only a run with failures needs the watch (to hold repairs back): every step
        # through it costs time, and the scaling runs are large.
        self.net = OverlayNet(
            size,
            label=label,
            frames=config.frames,
            probing=probing,
            wrap=watched if probing else None,
        )
        self.watch = watches[0] if watches else Watch(self.net.log)
        self.nonces = Nonces()
        self.index = {node: i for i, node in enumerate(self.net.ids)}
        self.crashed: dict[int, int] = {}

    def activated(self) -> dict[int, int]:
        index = self.index
        return {index[int.from_bytes(k, "big")]: t for k, t in self.net.log.activated.items()}

    def build(self, progress: Progress, task: str) -> None:
        net = self.net
        size = net.size
        chunk = max(1, size // 200) * net.join_every
        tick = net.start
        while tick < net.joined_by:
            tick = min(net.joined_by, tick + chunk)
            net.sim.run(until=tick)
            progress(task, min(size, len(self.net.log.activated)), size)
        progress(task, size, size)

    def crash(self, at: int, nodes: Iterable[int]) -> None:
        chosen = list(nodes)
        self.net.crash(at, chosen)
        for i in chosen:
            self.crashed[i] = at

    def lookups(
        self,
        rng: random.Random,
        ticks: list[int],
        origins: list[int],
        progress: Progress,
        task: str,
    ) -> tuple[list[Planned], Judged]:
        """Issue one lookup at each of ``ticks`` and run until every one is answered or
        has timed out; judge them."""
        net = self.net
        planned = plan(rng, len(ticks), ticks, origins, self.nonces)
        for p in planned:
            net.lookup(p.tick, p.origin, p.key, p.nonce)
        self._run_lookups(planned, progress, task)
        judged = judge(planned, net.log.deliveries, net.ids, self.activated(), self.crashed)
        return planned, judged

    def _run_lookups(self, planned: list[Planned], progress: Progress, task: str) -> None:
        net = self.net
        total = len(planned)
        if not planned:
            return
        last = planned[-1].tick
        end = last + LOOKUP_TIMEOUT + 1
        wanted = {(net.ids[p.origin], p.nonce) for p in planned}
        log = net.log.deliveries
        seen = len(log)
        answered: set[tuple[int, bytes]] = set()
        chunk = max(50, (last - net.sim.now) // 100)
        tick = net.sim.now
        while tick < end:
            tick = min(end, tick + chunk)
            net.sim.run(until=tick)
            for d in log[seen:]:
                lookup = (d.origin, d.nonce)
                if lookup in wanted:
                    answered.add(lookup)
            seen = len(log)
            progress(task, len(answered), total)
            if tick >= last and len(answered) == total:
                break
        progress(task, total, total)

    def run_for(self, ticks: int, progress: Progress, task: str) -> None:
        sim = self.net.sim
        end = sim.now + ticks
        chunk = max(1, ticks // 100)
        while sim.now < end:
            sim.run(until=min(end, sim.now + chunk))
            progress(task, ticks - (end - sim.now), ticks)

    def stale(self, live: list[int]) -> tuple[int, int]:
        """Entries of ``live`` nodes' routing tables and leaf sets naming a crashed node."""
        dead = {self.net.ids[i] for i in self.crashed}
        in_tables = in_leaves = 0
        for i in live:
            tables = self.net.tables(i)
            entries = routing_table.entries(tables.table)
            in_tables += sum(1 for _, _, ref in entries if ref[0] in dead)
            members = (*tables.leaf.smaller, *tables.leaf.larger)
            in_leaves += sum(1 for r in members if r[0] in dead)
        return in_tables, in_leaves


def _label(config: Config, run: str) -> str:
    return f"overlay-experiment/{config.seed}/{run}"


def _workload(config: Config, run: str, what: str) -> random.Random:
    return stream(_label(config, run), f"experiment/{what}")


def scaling(size: int, config: Config, progress: Progress = _quiet) -> Scaling:
    """Build a ring of ``size`` nodes by joins and look ``config.lookups`` keys up."""
    run = f"scale-{size}"
    net = _Net(size, _label(config, run), config, probing=False)
    net.build(progress, f"build N={size:,}")
    sent = dict(sorted(net.net.sim.stats.sent.items()))
    events = net.net.sim.stats.events
    build_ticks = net.net.sim.now
    joined = _completeness(net, net.net.live_active())
    net.run_for(MAINTENANCE_PERIOD, progress, f"maintenance N={size:,}")
    settled = net.net.sim.stats.sent
    maintenance = settled.get("overlay/row_sync", 0) + settled.get("overlay/row_state", 0)
    live = net.net.live_active()
    start = net.net.sim.now + 1
    _, judged = net.lookups(
        _workload(config, run, "lookups"),
        spread(start, config.lookups, config.lookups),
        live,
        progress,
        f"lookups N={size:,}",
    )
    counts = [routing_table.count(net.net.tables(i).table) for i in live]
    complete = _completeness(net, live)
    bound = paper.bound(size)
    within = sum(n for h, n in enumerate(judged.hops) if h <= bound + 1)
    return Scaling(
        size=size,
        bound=bound,
        hops=Hops.of(judged),
        within_bound_plus_one=_r(within / judged.answered) if judged.answered else 0.0,
        routing_entries_mean=_r(sum(counts) / len(counts)) if counts else 0.0,
        routing_entries_max=max(counts, default=0),
        routing_entries_possible=_r(complete.possible / len(live)) if live else 0.0,
        routing_completeness=_r(complete.filled / complete.possible) if complete.possible else 1.0,
        routing_missing_by_row=complete.missing_by_row,
        routing_completeness_joined=(
            _r(joined.filled / joined.possible) if joined.possible else 1.0
        ),
        maintenance_messages=maintenance,
        messages_per_join=_r(sum(sent.values()) / max(1, size - 1)),
        messages_by_type=sent,
        build_ticks=build_ticks,
        settle_ticks=MAINTENANCE_PERIOD,
        events=events,
    )


def _completeness(net: _Net, live: list[int]) -> completeness.Completeness:
    ring = sorted(net.net.ids[i] for i in live)
    return completeness.measure(ring, [(net.net.ids[i], net.net.tables(i).table) for i in live])


def failure(config: Config, progress: Progress = _quiet) -> Failure:
    """Fail a share of a ring's nodes at once; hops before, after and after repair."""
    size = config.failure_size
    run = "failure"
    net = _Net(size, _label(config, run), config, probing=True)
    net.build(progress, f"build N={size:,} (failure run)")
    live = net.net.live_active()
    count = config.lookups
    planned, before = net.lookups(
        _workload(config, run, "before"),
        spread(net.net.sim.now + 1, count, count),
        live,
        progress,
        "lookups before failure",
    )
    replicas = _replica_analysis(net, live, planned)
    doomed = size * config.failure_share_ppm // PPM
    failed = _sample(_workload(config, run, "failures"), live, doomed)
    gone = set(failed)
    survivors = [i for i in live if i not in gone]
    at = net.net.sim.now + 1
    net.watch.holding = True
    sent_before = dict(net.net.sim.stats.sent)
    rejected_before = dict(net.net.sim.stats.rejected)
    net.crash(at, failed)
    asked_before = net.watch.repair_total()
    asked_by_type = dict(net.watch.repair_asked)
    net.net.sim.run(until=at)
    stale_0 = net.stale(survivors)
    _, no_repair = net.lookups(
        _workload(config, run, "no-repair"),
        spread(at + 1, count, count),
        survivors,
        progress,
        "lookups after failure (no repair)",
    )
    stale_1 = net.stale(survivors)
    held = net.watch.held_count
    net.watch.holding = False
    net.run_for(config.repair_ticks, progress, "repair")
    window = _grown(sent_before, net.net.sim.stats.sent)
    rejected_window = _grown(rejected_before, net.net.sim.stats.rejected)
    repaired = {
        k: v - asked_by_type.get(k, 0)
        for k, v in sorted(net.watch.repair_asked.items())
        if v - asked_by_type.get(k, 0)
    }
    _, after = net.lookups(
        _workload(config, run, "after-repair"),
        spread(net.net.sim.now + 1, count, count),
        survivors,
        progress,
        "lookups after repair",
    )
    stale_2 = net.stale(survivors)
    repairs = sum(repaired.values())
    return Failure(
        size=size,
        failed=len(failed),
        before=Hops.of(before),
        no_repair=Hops.of(no_repair),
        after_repair=Hops.of(after),
        repair_ticks=config.repair_ticks,
        repair_requests=repaired,
        repair_per_failed=_r(repairs / len(failed)) if failed else 0.0,
        repair_requests_total=net.watch.repair_total() - asked_before,
        held=held,
        window_messages=window,
        window_rejected=rejected_window,
        stale_routing_entries=(stale_0[0], stale_1[0], stale_2[0]),
        stale_leaf_entries=(stale_0[1], stale_1[1], stale_2[1]),
        route_hops_before=_r(_mean(replicas[0])),
        replica_hops_before=_r(_mean(replicas[1])),
    )


def _grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """How much each counter grew, sorted by name, zeros left out."""
    return {k: v - before.get(k, 0) for k, v in sorted(after.items()) if v - before.get(k, 0)}


def _mean(counts: tuple[int, ...]) -> float:
    total = sum(counts)
    return sum(h * n for h, n in enumerate(counts)) / total if total else 0.0


def _replica_analysis(
    net: _Net, live: list[int], planned: list[Planned]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The lookups of ``planned`` routed again with :func:`route` over the (stable)
    tables: hops to the root, and hops to the first of the key's REPLICAS closest nodes."""
    tables = net.net.tables_by_id(live)
    ids = net.net.ids
    paths = [(p.key, route(tables, ids[p.origin], p.key)) for p in planned]
    ring = sorted(ids[i] for i in live)
    return replica_hops(paths, ring, 1), replica_hops(paths, ring, REPLICAS)


def churn(config: Config, progress: Progress = _quiet) -> Churn:
    """Joins and crashes in one window, lookups throughout: how many go astray."""
    base = config.churn_size
    extra = base * config.churn_share_ppm // PPM
    run = "churn"
    net = _Net(base + extra, _label(config, run), config, probing=True)
    o = net.net
    first = o.start + base * o.join_every
    window = max(1, extra * o.join_every)
    rng = _workload(config, run, "failures")
    failed = _sample(rng, list(range(base)), extra)
    for i in failed:
        net.crash(first + below(rng, window), [i])
    # Build the ring up to the churn window, then run the window with lookups throughout.
    chunk = max(1, base // 200) * o.join_every
    tick = o.start
    while tick < first:
        tick = min(first, tick + chunk)
        o.sim.run(until=tick)
        progress(f"build N={base:,} (churn run)", min(base, len(net.net.log.activated)), base)
    progress(f"build N={base:,} (churn run)", base, base)
    gone = set(failed)
    origins = [i for i in range(base) if i not in gone]
    _, judged = net.lookups(
        _workload(config, run, "lookups"),
        spread(first, window, config.lookups),
        origins,
        progress,
        "lookups during churn",
    )
    return Churn(
        size=base, joins=extra, failures=len(failed), window_ticks=window, lookups=Hops.of(judged)
    )


def _sample(rng: random.Random, items: list[int], count: int) -> list[int]:
    """``count`` distinct items, seeded (a partial Fisher-Yates shuffle), sorted."""
    pool = list(items)
    count = min(count, len(pool))
    for k in range(count):
        j = k + below(rng, len(pool) - k)
        pool[k], pool[j] = pool[j], pool[k]
    return sorted(pool[:count])


def compare(results: Results) -> tuple[Row, ...]:
    """The measured figures beside the paper's (where it has one)."""
    rows: list[Row] = []
    for s in results.scaling:
        section = f"N = {s.size:,}"
        is_paper = s.size == paper.HOP_SIZE
        if is_paper:
            rows.append(_within(section, "mean hops", s.hops.mean, _r(paper.MEAN_HOPS), 0.05))
            rows.append(
                Row(
                    section,
                    "max hops",
                    s.hops.max,
                    paper.MAX_HOPS,
                    target=f"<= {paper.MAX_HOPS}",
                    met=s.hops.max <= paper.MAX_HOPS,
                )
            )
        else:
            rows.append(Row(section, "mean hops", s.hops.mean, None))
            rows.append(Row(section, "max hops", s.hops.max, None))
        if is_paper:
            for h, p in paper.HOP_DISTRIBUTION.items():
                share = s.hops.distribution[h] if h < len(s.hops.distribution) else 0.0
                rows.append(Row(section, f"share with {h} hops", share, p))
        rows.append(Row(section, "ceil(log16 N)", s.bound, None, "the expected hop bound"))
        rows.append(
            Row(
                section,
                "share within ceil(log16 N) + 1 hops",
                s.within_bound_plus_one,
                None,
                target=">= 99%",
                met=s.within_bound_plus_one >= 0.99,
            )
        )
        rows.append(
            Row(section, "share delivered by the closest live node", s.hops.closest_share, 1.0)
        )
        rows.append(
            Row(
                section,
                "routing-table entries per node",
                s.routing_entries_mean,
                paper.ROUTING_ENTRIES if is_paper else None,
                f"paper: (2^b-1)ceil(log16 N) = {paper.routing_entries_estimate(s.size)}; "
                f"a complete table here holds {s.routing_entries_possible:.1f}",
            )
        )
        rows.append(
            Row(
                section,
                "routing-table completeness",
                s.routing_completeness,
                None,
                "filled slots / slots some live node fits, after the maintenance period",
            )
        )
        rows.append(
            Row(
                section,
                "routing-table completeness right after the joins",
                s.routing_completeness_joined,
                None,
                "before the maintenance period",
            )
        )
        rows.append(
            Row(
                section,
                "messages per join",
                s.messages_per_join,
                None,
                f"paper: O(log16 N), about 3x2^b log16 N = "
                f"{paper.join_messages_estimate(s.size):.0f}",
            )
        )
    f = results.failure
    if f is not None:
        section = f"failure: {f.failed:,} of {f.size:,}"
        same = f.size == paper.FAILURE_SIZE
        for figure, hops, theirs in (
            ("mean hops before failure", f.before, paper.HOPS_BEFORE_FAILURE),
            ("mean hops after failure, no repair", f.no_repair, paper.HOPS_AFTER_FAILURE),
            ("mean hops after repair", f.after_repair, paper.HOPS_AFTER_REPAIR),
        ):
            if same:
                rows.append(_within(section, figure, hops.mean, theirs, 0.10))
            else:
                rows.append(Row(section, figure, hops.mean, None))
        rows.append(
            Row(
                section,
                f"analysis: hops before failure to the first of k = {REPLICAS} replicas",
                f.replica_hops_before,
                paper.HOPS_BEFORE_FAILURE if same else None,
                "the paper's lookups were for objects on 5 replicas",
            )
        )
        rows.append(
            Row(
                section,
                "repair requests per failed node",
                f.repair_per_failed,
                paper.REPAIR_PER_FAILED if same else None,
                f"within {f.repair_ticks:,} ticks of the failure",
            )
        )
        for figure, hops in (
            ("closest-node share after failure", f.no_repair),
            ("closest-node share after repair", f.after_repair),
        ):
            rows.append(Row(section, figure, hops.closest_share, 1.0))
    c = results.churn
    if c is not None:
        section = f"churn: {c.joins:,} joins, {c.failures:,} crashes on {c.size:,}"
        rows.append(Row(section, "inconsistent delivery rate", c.lookups.inconsistent_rate, None))
        rows.append(
            Row(
                section,
                "answered share",
                _r(c.lookups.answered / c.lookups.lookups) if c.lookups.lookups else 0.0,
                None,
            )
        )
    return tuple(rows)


def _within(section: str, figure: str, measured: float, theirs: float, share: float) -> Row:
    """A row held to the issue's target: within ``share`` of the paper's figure."""
    met = abs(measured - theirs) <= share * theirs
    return Row(section, figure, measured, theirs, target=f"within {share:.0%}", met=met)


def run(config: Config, progress: Progress = _quiet) -> Results:
    """The whole experiment."""
    scaled = tuple(scaling(size, config, progress) for size in config.sizes)
    failed = failure(config, progress) if config.failure_size else None
    churned = churn(config, progress) if config.churn_size else None
    results = Results(config, scaled, failed, churned)
    return Results(config, scaled, failed, churned, compare(results))
