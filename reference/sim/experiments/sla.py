"""The SLA experiment: MMAPPS's service market, with misbehaving peers, on the reference.

Each cell is one market (:mod:`reference.sim.sla_market`) of real reference SLA nodes,
whole stacks on a ring built by joins that find each other by the protocol's search:
providers and consumers of several service types over a number of epochs, some providers
failing their QoS, some consumers never paying, some of either coming back under fresh
identities once excluded. The sweep crosses the share of failing providers with access
control off (``min_standing`` 0, an open market) and on (``min_standing`` 1, the founders
admitted by allow rules during a bootstrap). Reported per epoch: agreements reached,
breaches detected with their precision and recall against the injected failures,
messages per agreement (search's and the rest's apart), the share of the traded units
that went to misbehaving peers, and the economic efficiency (realized surplus over the
most the same bids and asks allow).

Cells are pure functions of their config, so they may run in any order on any executor
(a local process pool, a Dask cluster): the results are put back in cell order, and the
JSON is the same bytes either way.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from reference.sim.sla_market import run_sla_market
from reference.sim.sla_workload import SlaMarketConfig

Progress = Callable[[str, int, int], None]


def quiet(task: str, done: int, total: int) -> None:
    del task, done, total


FAILING_SHARES_PPM: Final = (0, 100_000, 300_000)
"""The failing providers of the sweep: 0 %, 10 %, 30 %."""

ACCESS: Final = (0, 1)
"""``min_standing`` of the sweep: an open market, then access control by standing."""


@dataclass(frozen=True)
class SlaExperiment:
    """What to run. The defaults are the issue's experiment."""

    market: SlaMarketConfig = field(default_factory=SlaMarketConfig)
    """Every cell's market but for the swept fields (and the seed, which is this one's)."""
    failing_shares: tuple[int, ...] = FAILING_SHARES_PPM
    access: tuple[int, ...] = ACCESS
    seed: int = 1

    def cells(self) -> list[SlaMarketConfig]:
        """Access control outermost, then the failing share: the JSON's cell order."""
        return [
            replace(self.market, seed=self.seed, failing_ppm=share, min_standing=standing)
            for standing in self.access
            for share in self.failing_shares
        ]


QUICK: Final = SlaExperiment(
    market=SlaMarketConfig(
        providers=6,
        consumers=18,
        services=2,
        epochs=5,
        capacity=6,
        reports=4,
        window=2,
    )
)
"""Every cell of the sweep on tiny markets, in seconds."""


def run_cell(config: SlaMarketConfig) -> dict[str, Any]:
    """One cell's figures (picklable in and out: what an executor runs)."""
    return {"config": asdict(config), **run_sla_market(config)}


Executor = Callable[
    [Callable[[SlaMarketConfig], dict[str, Any]], Sequence[SlaMarketConfig]],
    Iterable[dict[str, Any]],
]
"""Maps the cell function over configs, yielding results in config order."""


def serial(
    function: Callable[[SlaMarketConfig], dict[str, Any]], configs: Sequence[SlaMarketConfig]
) -> Iterable[dict[str, Any]]:
    return map(function, configs)


def summary(cell: dict[str, Any]) -> dict[str, Any]:
    """One cell's headline figures: its totals, and the first and last epoch's share of
    trade to misbehaving peers (what reputation should lower)."""
    config, totals, epochs = cell["config"], cell["totals"], cell["epochs"]
    return {
        "failing_ppm": config["failing_ppm"],
        "min_standing": config["min_standing"],
        "agreements": totals["agreements"],
        "breaches": totals["breaches"],
        "precision": totals["precision"],
        "recall": totals["recall"],
        "messages_per_agreement": totals["messages_per_agreement"],
        "messages_per_agreement_search": totals["messages_per_agreement_search"],
        "messages_per_agreement_negotiation": totals["messages_per_agreement_negotiation"],
        "misbehaving_share_first": epochs[0]["misbehaving_share"],
        "misbehaving_share_last": epochs[-1]["misbehaving_share"],
        "efficiency": totals["efficiency"],
        "reentries": totals["reentries"],
        "reentered_units": totals["reentered_units"],
    }


def run(
    experiment: SlaExperiment, executor: Executor = serial, progress: Progress = quiet
) -> dict[str, Any]:
    """Every cell, in cell order, and the summary the tables and plots read."""
    cells = experiment.cells()
    results: list[dict[str, Any]] = []
    progress("cells", 0, len(cells))
    for done, result in enumerate(executor(run_cell, cells), start=1):
        results.append(result)
        progress("cells", done, len(cells))
    described = asdict(experiment)
    described["failing_shares"] = list(experiment.failing_shares)
    described["access"] = list(experiment.access)
    return {
        "experiment": described,
        "cells": results,
        "summary": [summary(cell) for cell in results],
    }


__all__ = ["QUICK", "SlaExperiment", "run", "run_cell", "serial", "summary"]
