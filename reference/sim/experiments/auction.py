"""The auction experiment: PeerMart's overhead, robustness and scale on the reference.

Four parts, each a list of independent *cells* (one market run each, see
:mod:`reference.sim.market`):

- ``overhead``: messages per offer and per match for several broker-set sizes n
  and fan-outs f, beside one central auctioneer's count;
- ``robustness``: the share of honest traders' offers settled exactly as the
  central auction settles them, when 0 %, 10 %, 20 % or 33 % of the peers drop,
  withhold, equivocate or invent, for several f, beside the derived bound;
- ``storage``: the most offers and the largest observable state one broker holds;
- ``scale``: many traders on many services over a large network, with offers per
  slot and the latency from an offer to its settlement.

Cells are pure functions of their config, so they may run in any order on any
executor (a local process pool, or a Dask cluster): the results are put back
in cell order, and the JSON is the same bytes either way.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from reference.sim.market import BEHAVIOURS, MarketConfig, OverlayKind, run_market

Progress = Callable[[str, int, int], None]


def quiet(task: str, done: int, total: int) -> None:
    del task, done, total


SHARES_PPM: Final = (0, 100_000, 200_000, 333_333)
"""The malicious shares of the robustness part: 0 %, 10 %, 20 %, 33 %."""


@dataclass(frozen=True)
class AuctionExperiment:
    """What to run. The defaults are the issue's experiment."""

    broker_sizes: tuple[int, ...] = (2, 4, 6, 8)
    fanouts: tuple[int, ...] = (1, 2, 3, 4)
    nodes: int = 1_000
    services: int = 10
    traders: int = 200
    rounds: int = 4
    robustness_brokers: int = 8
    robustness_fanouts: tuple[int, ...] = (1, 3, 5)
    scale_nodes: int = 10_000
    scale_services: int = 100
    scale_traders: int = 10_000
    scale_rounds: int = 1
    seed: int = 1
    overlay: OverlayKind = "joined"
    """Every cell's overlay: a ring built by joins (``converged``: ideal leaf sets)."""

    def overhead_cells(self) -> list[MarketConfig]:
        return [
            MarketConfig(
                nodes=self.nodes,
                services=self.services,
                traders=self.traders,
                rounds=self.rounds,
                brokers=n,
                fanout=f,
                seed=self.seed,
                overlay=self.overlay,
            )
            for n in self.broker_sizes
            for f in self.fanouts
            if f <= n
        ]

    def robustness_cells(self) -> list[MarketConfig]:
        cells = []
        for behaviour in BEHAVIOURS:
            for f in self.robustness_fanouts:
                for share in SHARES_PPM:
                    cells.append(
                        MarketConfig(
                            nodes=self.nodes,
                            services=self.services,
                            traders=self.traders,
                            rounds=self.rounds,
                            brokers=self.robustness_brokers,
                            fanout=f,
                            malicious_ppm=share,
                            behaviour=behaviour if share else "honest",
                            seed=self.seed,
                            overlay=self.overlay,
                        )
                    )
        return cells

    def scale_cells(self) -> list[MarketConfig]:
        if self.scale_nodes == 0:
            return []
        return [
            MarketConfig(
                nodes=self.scale_nodes,
                services=self.scale_services,
                traders=self.scale_traders,
                rounds=self.scale_rounds,
                brokers=4,
                fanout=2,
                table=128,
                seed=self.seed,
                overlay=self.overlay,
            )
        ]

    def cells(self) -> list[tuple[str, MarketConfig]]:
        return [
            *(("overhead", c) for c in self.overhead_cells()),
            *(("robustness", c) for c in self.robustness_cells()),
            *(("scale", c) for c in self.scale_cells()),
        ]


QUICK: Final = AuctionExperiment(
    broker_sizes=(4,),
    fanouts=(1, 2),
    nodes=60,
    services=2,
    traders=12,
    rounds=2,
    robustness_brokers=4,
    robustness_fanouts=(1, 3),
    scale_nodes=300,
    scale_services=4,
    scale_traders=60,
)
"""A smoke run of every part in seconds (tiny markets)."""


def tolerated(f: int) -> int:
    """Malicious brokers among an offer's f that its settlement tolerates: a majority of the
    f must report the same match, so fewer than half may lie or stay silent."""
    return (f - 1) // 2


def run_cell(config: MarketConfig) -> dict[str, Any]:
    """One cell's figures (picklable in and out: what an executor runs)."""
    result = run_market(config)
    return {"config": asdict(config), **result.as_json()}


Executor = Callable[
    [Callable[[MarketConfig], dict[str, Any]], Sequence[MarketConfig]], Iterable[dict[str, Any]]
]
"""Maps the cell function over configs, yielding results in config order."""


def serial(
    function: Callable[[MarketConfig], dict[str, Any]], configs: Sequence[MarketConfig]
) -> Iterable[dict[str, Any]]:
    return map(function, configs)


def run(
    experiment: AuctionExperiment, executor: Executor = serial, progress: Progress = quiet
) -> dict[str, Any]:
    """Every cell, in cell order, and the summary the plots and tables read."""
    cells = experiment.cells()
    results: list[dict[str, Any]] = []
    progress("cells", 0, len(cells))
    for done, result in enumerate(executor(run_cell, [c for _, c in cells]), start=1):
        results.append(result)
        progress("cells", done, len(cells))
    parts: dict[str, list[dict[str, Any]]] = {"overhead": [], "robustness": [], "scale": []}
    for (part, _), result in zip(cells, results, strict=True):
        parts[part].append(result)
    for row in parts["overhead"]:
        row["messages_per_offer"] = round(row["messages_total"] / max(1, row["offers"]), 4)
        row["messages_per_match"] = round(row["messages_total"] / max(1, row["matched"] // 2), 4)
        row["central_per_offer"] = round(row["central_messages"] / max(1, row["offers"]), 4)
    for row in parts["robustness"]:
        row["tolerated"] = tolerated(row["config"]["fanout"])
    return {
        "experiment": {
            k: list(v) if isinstance(v, tuple) else v for k, v in asdict(experiment).items()
        },
        **parts,
    }


__all__ = ["QUICK", "AuctionExperiment", "run", "run_cell", "serial", "tolerated"]
