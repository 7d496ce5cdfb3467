"""``peermarket experiment sla``: its market, its yardsticks, its executors and its files.

A cell is one market of whole-stack reference SLA nodes on a ring built by joins, finding
each other by the protocol's search; what it reports must hold for every run:
the breach rule catches exactly the injected failures (precision and recall 1, at both
parties), access control by standing takes trade away from misbehaving peers, a fresh
identity starts at standing 0, and efficiency is a share of the most the bids and asks
allow. Whichever executor runs the cells, the JSON is the same bytes.
"""

import importlib
import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docutils import nodes
from test_docs import _load

from conformance.cli import main
from conformance.cli_experiment import _executor
from conformance.plots_sla import sla_figures
from reference.sim.experiments.sla import QUICK, SlaExperiment, run, run_cell, serial
from reference.sim.sla_market import run_sla_market
from reference.sim.sla_workload import (
    Bid,
    SlaMarketConfig,
    breach_report,
    guarantees,
    max_surplus,
    plan,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"
SMALL = replace(QUICK.market, failing_ppm=300_000, min_standing=1)
"""The quick run's market, with failures, non-payers and access control: under a second."""
OPEN = replace(SMALL, min_standing=0)
TWO_CELLS = replace(QUICK, failing_shares=(300_000,))
"""The quick market open and closed: what the executors are compared on."""


def _bytes(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True)


@pytest.fixture(scope="module")
def closed() -> dict[str, Any]:
    return run_sla_market(SMALL)


@pytest.fixture(scope="module")
def opened() -> dict[str, Any]:
    return run_sla_market(OPEN)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_others(
    closed: dict[str, Any],
) -> None:
    assert _bytes(run_sla_market(SMALL)) == _bytes(closed)
    assert _bytes(run_sla_market(replace(SMALL, seed=2))) != _bytes(closed)


def test_the_bytes_do_not_depend_on_the_hash_seed(closed: dict[str, Any]) -> None:
    code = (
        "import json, sys\n"
        "from dataclasses import replace\n"
        "from reference.sim.experiments.sla import QUICK\n"
        "from reference.sim.sla_market import run_sla_market\n"
        "small = replace(QUICK.market, failing_ppm=300_000, min_standing=1)\n"
        "sys.stdout.write(json.dumps(run_sla_market(small), indent=2, sort_keys=True))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout == _bytes(closed)


def test_providers_are_found_by_search_routed_over_the_ring(
    closed: dict[str, Any], opened: dict[str, Any]
) -> None:
    for result in (closed, opened):
        ring = result["ring"]
        assert ring["nodes"] == SMALL.providers + SMALL.consumers + ring["held_back"]
        assert ring["messages"] > 0  # the ring was built by joins
        for epoch in result["epochs"]:
            assert epoch["searches"] == SMALL.consumers and epoch["unanswered"] == 0
            split = epoch["messages_search"], epoch["messages_negotiation"]
            assert min(split) > 0
            assert sum(split) + epoch["messages_overlay"] == epoch["messages"]
        sent = result["messages"]
        assert sent["sla/results"] == SMALL.consumers * SMALL.epochs  # one answer per query
        # descriptions and queries hop through the ring, each hop acknowledged
        assert sent["overlay/route"] == sent["overlay/route_ack"] > 0
        totals = result["totals"]
        assert totals["messages_per_agreement_search"] > 0
        assert totals["messages_per_agreement"] > totals["messages_per_agreement_negotiation"]


def test_breaches_are_detected_exactly_the_injected_failures_at_both_parties(
    closed: dict[str, Any], opened: dict[str, Any]
) -> None:
    for result in (closed, opened):
        totals = result["totals"]
        assert totals["injected"] > 0, "a run without failures tests nothing"
        assert totals["truth"] == totals["injected"] == totals["breaches"]
        assert totals["precision"] == totals["recall"] == 1.0
        assert (totals["false_positive"], totals["false_negative"]) == (0, 0)
        assert totals["true_positive"] == 2 * totals["truth"]  # the consumer's and the provider's
        assert totals["disagreements"] == totals["wrong_report"] == 0  # closed where it breached
        assert all(e["precision"] == e["recall"] == 1.0 for e in result["epochs"])


def test_access_control_takes_trade_away_from_misbehaving_peers(closed: dict[str, Any]) -> None:
    epochs = closed["epochs"]
    assert epochs[0]["misbehaving_share"] > 0
    assert epochs[-1]["misbehaving_share"] < epochs[0]["misbehaving_share"]


def test_a_fresh_identity_starts_at_standing_0_and_gains_nothing(closed: dict[str, Any]) -> None:
    assert closed["reentries"], "no misbehaving peer was excluded and came back"
    assert all(r["standing_after"] == 0 for r in closed["reentries"])
    assert closed["totals"]["reentered_units"] == 0  # a closed market admits no newcomer


def test_efficiency_is_a_share_of_the_most_the_bids_and_asks_allow(
    closed: dict[str, Any], opened: dict[str, Any]
) -> None:
    for result in (closed, opened):
        for row in [*result["epochs"], result["totals"]]:
            assert 0 <= row["realized"] <= row["max_surplus"]
            assert row["efficiency"] is None or 0.0 <= row["efficiency"] <= 1.0
    honest = run_sla_market(replace(OPEN, failing_ppm=0, nonpaying_ppm=0, newcomer_bp=0))
    # bilateral deals in a drawn order fall short of the bound, but not by much
    assert opened["totals"]["efficiency"] < 0.8 < honest["totals"]["efficiency"]


def test_the_surplus_bound_pairs_units_best_first() -> None:
    rng = random.Random(7)
    for _ in range(200):
        bids = [Bid(rng.randint(1, 30), rng.randint(1, 4)) for _ in range(rng.randint(0, 5))]
        asks = [Bid(rng.randint(1, 30), rng.randint(1, 4)) for _ in range(rng.randint(0, 5))]
        wanted = sorted((b.value for b in bids for _ in range(b.units)), reverse=True)
        offered = sorted(a.value for a in asks for _ in range(a.units))
        expected = sum(max(0, b - a) for b, a in zip(wanted, offered, strict=False))
        assert max_surplus(bids, asks) == expected


def test_honest_noise_never_breaches_and_an_injected_failure_always_does() -> None:
    config = replace(SMALL, jitter_ppm=600_000)
    required = guarantees(config)
    for number in range(300):
        neg = number.to_bytes(24, "big")
        reports, injected = plan(config, neg, 5, failing=number % 2 == 0)
        assert injected == (number % 2 == 0)
        assert (breach_report(reports, required) is not None) == injected
        assert sum(r.units for r in reports) == 5


def test_a_process_pool_gives_the_same_bytes_as_one_process() -> None:
    assert _bytes(run(TWO_CELLS, _executor(2, None))) == _bytes(run(TWO_CELLS, serial))


def test_the_sweep_crosses_failing_shares_with_access_control() -> None:
    cells = SlaExperiment().cells()
    assert [(c.failing_ppm, c.min_standing) for c in cells] == [
        (0, 0),
        (100_000, 0),
        (300_000, 0),
        (0, 1),
        (100_000, 1),
        (300_000, 1),
    ]
    assert run_cell(SMALL)["config"]["failing_ppm"] == 300_000


def test_the_command_writes_the_checked_in_results_and_the_same_plots(tmp_path: Path) -> None:
    """``--quick`` writes ``docs/results/sla.json`` byte for byte, and its plots are the
    same bytes when drawn again from it."""
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main, ["experiment", "sla", "--quick", "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "every epoch together" in result.output
    written = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert sorted(written) == [
        "sla-overhead.png",
        "sla-overhead.svg",
        "sla-reputation.png",
        "sla-reputation.svg",
        "sla.json",
    ]
    checked_in = (DOCS / "results" / "sla.json").read_bytes()
    assert written["sla.json"] == checked_in, "docs/results/sla.json is not the --quick run"
    again = sla_figures(json.loads(written["sla.json"]), tmp_path / "again" / "sla")
    assert {p.name: p.read_bytes() for p in again} == {
        name: data for name, data in written.items() if name != "sla.json"
    }


def test_every_option_is_explained() -> None:
    result = CliRunner().invoke(main, ["experiment", "sla", "--help"])
    assert result.exit_code == 0, result.output
    command = main.commands["experiment"].commands["sla"]  # type: ignore[attr-defined]
    for option in command.params:
        assert option.help, option.name
    assert "peermarket[experiment]" in result.output


def test_a_bad_market_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["experiment", "sla", "--providers", "1", "--quick"])
    assert result.exit_code == 2
    assert "service type" in result.output


def test_the_page_draws_its_figures_from_the_results_file() -> None:
    _load("peermarket_docs")
    experiment_figure = importlib.import_module("peermarket_docs.experiment_figure")
    generated = experiment_figure.sla_figure_nodes(DOCS / "results" / "sla.json", "A caption.")
    raws = [raw.astext() for raw in generated[0].findall(nodes.raw)]
    assert len(raws) == 2 and all(raw.startswith("<svg") for raw in raws)
    assert "{peermarket-sla-figure} results/sla.json" in (DOCS / "experiments.md").read_text()


def test_the_page_states_the_figures_of_its_results_file() -> None:
    data = json.loads((DOCS / "results" / "sla.json").read_text("utf-8"))
    page = (DOCS / "experiments.md").read_text("utf-8")
    for row in data["summary"]:
        assert f"{row['messages_per_agreement']:.1f}" in page
        assert f"{row['efficiency']:.3f}" in page


def test_a_config_checks_its_ranges() -> None:
    with pytest.raises(ValueError, match="window"):
        SlaMarketConfig(window=7, reports=6)
    with pytest.raises(ValueError, match="rules"):
        SlaMarketConfig(consumers=300, min_standing=1)
