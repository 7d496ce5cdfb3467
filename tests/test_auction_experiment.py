"""``peermarket experiment auction``: its cells, its executors and its files.

The sweep's cells are independent market runs; whichever executor runs them
(this process, a process pool, a Dask cluster), the results are put back in
cell order and the JSON is the same bytes.
"""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import main
from conformance.cli_experiment import _executor
from reference.sim.experiments.auction import QUICK, AuctionExperiment, run, serial, tolerated
from reference.sim.market import MarketConfig, joined_overlay, run_market

TINY = replace(
    QUICK,
    fanouts=(2,),
    robustness_fanouts=(3,),
    nodes=40,
    traders=8,
    scale_nodes=0,
)
"""Small enough to run three times in a test."""


def _bytes(data: dict[str, object]) -> str:
    return json.dumps(data, indent=2, sort_keys=True)


def test_a_process_pool_gives_the_same_bytes_as_one_process() -> None:
    assert _bytes(run(TINY, _executor(2, None))) == _bytes(run(TINY, serial))


def test_a_dask_cluster_gives_the_same_bytes_as_one_process() -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        on_cluster = run(TINY, _executor(1, cluster.scheduler_address))
    assert _bytes(on_cluster) == _bytes(run(TINY, serial))


def test_honest_markets_settle_every_offer_as_the_central_auction() -> None:
    result = run_market(MarketConfig(nodes=80, services=3, traders=24, rounds=3, fanout=3))
    assert result.offers == 72
    assert result.matched > 0, "a market with no match tests nothing"
    assert (result.correct, result.false_settled) == (result.offers, 0)


def test_a_silent_broker_among_f_equal_to_one_loses_offers() -> None:
    """Past the bound (f = 1 tolerates no misbehaving broker) the market degrades."""
    config = MarketConfig(
        nodes=80,
        services=3,
        traders=24,
        rounds=3,
        fanout=1,
        malicious_ppm=300_000,
        behaviour="drop",
    )
    assert tolerated(1) == 0
    assert run_market(config).correct_share < 1.0


def test_the_bound_is_a_minority_of_the_f_brokers() -> None:
    assert [tolerated(f) for f in range(1, 8)] == [0, 0, 1, 1, 2, 2, 3]


def test_a_misbehaviour_needs_a_malicious_share() -> None:
    with pytest.raises(ValueError, match="malicious share"):
        MarketConfig(behaviour="drop")


def test_the_command_writes_its_results_and_plots_twice_alike(tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = runner.invoke(
            main, ["experiment", "auction", "--quick", "--workers", "1", "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "(a) messages per offer" in result.output
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outputs[0]) == [
        "auction-overhead.png",
        "auction-overhead.svg",
        "auction-robustness.png",
        "auction-robustness.svg",
        "auction.json",
    ]
    assert outputs[0] == outputs[1]
    data = json.loads(outputs[0]["auction.json"])
    assert {"overhead", "robustness", "scale", "experiment"} <= set(data)
    assert all(
        row["correct_share"] == 1.0
        for row in data["robustness"]
        if row["config"]["behaviour"] == "honest"
    )


def test_experiment_defaults_are_the_issues_sweep() -> None:
    full = AuctionExperiment()
    assert (full.scale_nodes, full.scale_services, full.scale_traders) == (10_000, 100, 10_000)
    shares = sorted({c.malicious_ppm for c in full.robustness_cells()})
    assert shares == [0, 100_000, 200_000, 333_333]


def test_every_cell_runs_over_an_overlay_built_by_joins() -> None:
    for experiment in (AuctionExperiment(), QUICK):
        assert {config.overlay for _, config in experiment.cells()} == {"joined"}


def test_a_joined_overlay_routes_each_locate_over_its_own_tables() -> None:
    joined = joined_overlay(60, 5)
    ids = sorted(joined.views)
    assert len(ids) == 60
    for node in ids:  # every view is a leaf set the joins built: at most 16, never itself
        assert node not in joined.views[node] and 0 < len(joined.views[node]) <= 16
    hops = []
    for number, origin in enumerate(ids):
        key = bytes([number]) * 16
        root, count = joined.route(origin, key)
        assert joined.route(root, key) == (root, 0)  # delivered where the tables end it
        hops.append(count)
    assert max(hops) >= 1
    market = run_market(
        MarketConfig(nodes=60, services=2, traders=12, rounds=2, overlay="joined", seed=5)
    )
    assert market.correct_share == 1.0
    assert market.messages["route"] >= 1
