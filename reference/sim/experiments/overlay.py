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
from collections.abc import Iterable
from typing import Any

from reference.overlay import routing_table
from reference.overlay.routing import route
from reference.sim.experiments import completeness, paper
from reference.sim.experiments.config import QUICK, Config, Progress, quiet
from reference.sim.experiments.figures import (
    REPLICAS,
    Churn,
    Failure,
    Hops,
    Results,
    Scaling,
    compare,
    rounded,
)
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
from spec.v1.overlay.constants import LOOKUP_TIMEOUT, MAINTENANCE_PERIOD

__all__ = ["QUICK", "Config", "Progress", "Results", "churn", "failure", "run", "scaling"]


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


def scaling(size: int, config: Config, progress: Progress = quiet) -> Scaling:
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
        within_bound_plus_one=rounded(within / judged.answered) if judged.answered else 0.0,
        routing_entries_mean=rounded(sum(counts) / len(counts)) if counts else 0.0,
        routing_entries_max=max(counts, default=0),
        routing_entries_possible=rounded(complete.possible / len(live)) if live else 0.0,
        routing_completeness=rounded(complete.filled / complete.possible)
        if complete.possible
        else 1.0,
        routing_missing_by_row=complete.missing_by_row,
        routing_completeness_joined=(
            rounded(joined.filled / joined.possible) if joined.possible else 1.0
        ),
        maintenance_messages=maintenance,
        messages_per_join=rounded(sum(sent.values()) / max(1, size - 1)),
        messages_by_type=sent,
        build_ticks=build_ticks,
        settle_ticks=MAINTENANCE_PERIOD,
        events=events,
    )


def _completeness(net: _Net, live: list[int]) -> completeness.Completeness:
    ring = sorted(net.net.ids[i] for i in live)
    return completeness.measure(ring, [(net.net.ids[i], net.net.tables(i).table) for i in live])


def failure(config: Config, progress: Progress = quiet) -> Failure:
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
        repair_per_failed=rounded(repairs / len(failed)) if failed else 0.0,
        repair_requests_total=net.watch.repair_total() - asked_before,
        held=held,
        window_messages=window,
        window_rejected=rejected_window,
        stale_routing_entries=(stale_0[0], stale_1[0], stale_2[0]),
        stale_leaf_entries=(stale_0[1], stale_1[1], stale_2[1]),
        route_hops_before=rounded(_mean(replicas[0])),
        replica_hops_before=rounded(_mean(replicas[1])),
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


def churn(config: Config, progress: Progress = quiet) -> Churn:
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


def run(config: Config, progress: Progress = quiet) -> Results:
    """The whole experiment."""
    scaled = tuple(scaling(size, config, progress) for size in config.sizes)
    failed = failure(config, progress) if config.failure_size else None
    churned = churn(config, progress) if config.churn_size else None
    results = Results(config, scaled, failed, churned)
    return Results(config, scaled, failed, churned, compare(results))
