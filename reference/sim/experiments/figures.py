"""The overlay experiment's results, as reported: figures, and the comparison with the paper.

Every derived (non-integer) figure is rounded to DIGITS decimal places, so that
the JSON is the same bytes on every machine.
"""

from dataclasses import asdict, dataclass, field
from typing import Any, Final

from reference.sim.experiments import paper
from reference.sim.experiments.config import Config
from reference.sim.experiments.lookups import Judged

FORMAT: Final = 1
"""Version of the results' JSON layout."""

REPLICAS: Final = 5
"""The paper's failure experiment looks up objects stored on k = 5 replicas."""

DIGITS: Final = 6
"""Decimal places kept of every derived (non-integer) figure, so the JSON is stable."""


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
            mean=rounded(judged.mean_hops),
            max=judged.max_hops,
            counts=judged.hops,
            distribution=tuple(rounded(n / answered) for n in judged.hops) if answered else (),
            closest_share=rounded(judged.correct / judged.issued) if judged.issued else 0.0,
            misdelivered=judged.misdelivered,
            doubled=judged.doubled,
            inconsistent_rate=rounded(judged.inconsistent / answered) if answered else 0.0,
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
        return None if self.paper is None else rounded(self.measured - self.paper)

    @property
    def relative(self) -> float | None:
        if self.paper is None or self.paper == 0:
            return None
        return rounded((self.measured - self.paper) / self.paper)


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
            "scaling": [plain(asdict(s)) for s in self.scaling],
            "failure": None if self.failure is None else plain(asdict(self.failure)),
            "churn": None if self.churn is None else plain(asdict(self.churn)),
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
        "mean_hops": rounded(paper.MEAN_HOPS),
        "max_hops": paper.MAX_HOPS,
        "routing_entries": paper.ROUTING_ENTRIES,
        "failure_size": paper.FAILURE_SIZE,
        "failure_share_ppm": paper.FAILURE_SHARE_PPM,
        "hops_before_failure": paper.HOPS_BEFORE_FAILURE,
        "hops_after_failure": paper.HOPS_AFTER_FAILURE,
        "hops_after_repair": paper.HOPS_AFTER_REPAIR,
        "repair_per_failed": paper.REPAIR_PER_FAILED,
    }


def rounded(value: float) -> float:
    """``value`` to DIGITS decimal places."""
    return round(value, DIGITS)


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: string keys, lists for tuples."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def compare(results: Results) -> tuple[Row, ...]:
    """The measured figures beside the paper's (where it has one)."""
    rows: list[Row] = []
    for s in results.scaling:
        section = f"N = {s.size:,}"
        is_paper = s.size == paper.HOP_SIZE
        if is_paper:
            rows.append(_within(section, "mean hops", s.hops.mean, rounded(paper.MEAN_HOPS), 0.05))
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
                rounded(c.lookups.answered / c.lookups.lookups) if c.lookups.lookups else 0.0,
                None,
            )
        )
    return tuple(rows)


def _within(section: str, figure: str, measured: float, theirs: float, share: float) -> Row:
    """A row held to the issue's target: within ``share`` of the paper's figure."""
    met = abs(measured - theirs) <= share * theirs
    return Row(section, figure, measured, theirs, target=f"within {share:.0%}", met=met)
