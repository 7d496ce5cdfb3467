"""What the overlay experiment runs: its :class:`Config` and a progress callback."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from reference.sim.experiments import paper
from reference.sim.streams import PPM
from spec.v1.overlay.constants import PROBE_PERIOD

Progress = Callable[[str, int, int], None]
"""``progress(task, done, total)``: how far a task is (called often; may do nothing)."""


def quiet(task: str, done: int, total: int) -> None:
    """A progress callback that does nothing."""
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
