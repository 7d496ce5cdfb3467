"""``peermarket experiment sla``: the SLA market's sweep, its tables and its plots.

Runs :mod:`reference.sim.experiments.sla` (markets of reference SLA nodes with failing
providers, non-paying consumers and peers re-entering under fresh identities), its cells
on the auction experiment's executors (:func:`conformance.cli_experiment._executor`: a
local process pool or a Dask cluster), and writes ``sla.json`` and its plots. The same
options give the same JSON and SVG bytes, whichever executor ran the cells.
"""

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import click
from rich.console import Console
from rich.table import Table

from conformance.cli_experiment import Sweep, _console, _executor, require_matplotlib, run_sweep

SLA_OUT: Final = Path("build") / "experiments" / "sla"
SLA_RESULTS: Final = "sla.json"
SLA_STEM: Final = "sla"


@click.command("sla")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes of the local pool that runs the sweep's cells. [default: the CPUs]",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Run the cells on an existing Dask cluster instead, e.g. tcp://10.0.0.5:8786 "
    "(needs pip install 'peermarket[cluster]'; its workers need PeerMarket installed).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of every identity, cost, valuation, misbehaving peer and usage report. [default: 1]",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=None,
    help="Epochs of every market: each consumer tries to buy once per epoch. "
    "[default: 12; --quick: 5]",
)
@click.option(
    "--providers",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Providers of every market (at least one per service type). [default: 24; --quick: 6]",
)
@click.option(
    "--consumers",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Consumers of every market. [default: 72; --quick: 18]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=SLA_OUT,
    show_default=True,
    help="Directory for sla.json and the plots (relative to the current directory).",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Every cell of the sweep on tiny markets, in seconds. Options given explicitly "
    "still apply.",
)
def sla(
    workers: int | None,
    scheduler: str | None,
    seed: int | None,
    epochs: int | None,
    providers: int | None,
    consumers: int | None,
    out: Path,
    quick: bool,
) -> None:
    """MMAPPS's service market on the reference SLA nodes, with misbehaving peers.

    Runs markets of reference SLA nodes (providers and consumers of several
    service types, whole stacks on a ring built by joins, finding each other by
    the protocol's search over the overlay, negotiating SLAs with signed frames,
    running them under the breach rule and settling them), with 0%, 10% and 30% of the providers
    failing their QoS, 10% of the consumers never paying and half of those
    misbehaving peers re-entering under fresh identities once excluded; once as
    an open market (min_standing 0) and once with access control by standing
    (min_standing 1, the founders admitted by allow rules for two epochs).
    Reports per epoch: agreements reached, breaches detected and their
    precision and recall against the injected failures, messages per
    agreement (search's and negotiation's apart), the share of traded units
    that went to misbehaving peers, and the efficiency (realized surplus / the
    most the epoch's bids and asks allow). The cells run on a local process
    pool (--workers) or a Dask cluster (--scheduler); the results are the same
    bytes either way.

    Needs matplotlib for the plots: pip install 'peermarket[experiment]'.
    """
    from reference.sim.experiments.sla import QUICK, SlaExperiment

    base = QUICK if quick else SlaExperiment()
    given = {"epochs": epochs, "providers": providers, "consumers": consumers}
    try:
        market = replace(base.market, **{k: v for k, v in given.items() if v is not None})
        config = replace(base, market=market, seed=base.seed if seed is None else seed)
        config.cells()  # every cell's config checks itself
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    require_matplotlib()
    count = workers if workers is not None else (os.cpu_count() or 1)
    run_sla(config, out, _console(), _executor(count, scheduler))


def run_sla(config: Any, out: Path, console: Console, executor: Any) -> dict[str, Any]:
    """Run, print and write; returns the results' JSON data."""
    from conformance.plots_sla import sla_figures
    from reference.sim.experiments.sla import run

    sweep = Sweep(run, sla_figures, print_sla, SLA_RESULTS, SLA_STEM)
    return run_sweep(sweep, config, out, console, executor)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _both(first: float | None, second: float | None) -> str:
    """Precision and recall together: ``1 / 1`` when exact, else three decimals."""
    return " / ".join(
        "—" if v is None else f"{v:.3f}".rstrip("0").rstrip(".") for v in (first, second)
    )


def _header(config: dict[str, Any]) -> str:
    """A cell's column: its failing share over its access control (``open`` or ``ms 1``)."""
    access = f"ms {config['min_standing']}" if config["min_standing"] else "open"
    return f"{config['failing_ppm'] / 10_000:g}%\n{access}"


def _table(title: str, first: str, cells: list[dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    for cell in cells:
        table.add_column(_header(cell["config"]), justify="right")
    return table


ROWS: Final[tuple[tuple[str, Callable[[dict[str, Any]], str]], ...]] = (
    ("agreements", lambda r: f"{r['agreements']:,}"),
    ("breaches detected", lambda r: f"{r['breaches']:,}"),
    ("failures injected", lambda r: f"{r['injected']:,}"),
    ("precision / recall", lambda r: _both(r["precision"], r["recall"])),
    ("msgs / agreement", lambda r: _ratio(r["messages_per_agreement"])),
    ("  search", lambda r: _ratio(r["messages_per_agreement_search"])),
    ("  negotiation", lambda r: _ratio(r["messages_per_agreement_negotiation"])),
    ("to misbehaving", lambda r: _share(r["misbehaving_share"])),
    ("efficiency", lambda r: _ratio(r["efficiency"])),
    ("denied", lambda r: f"{r['denied']:,}"),
    ("searches unanswered", lambda r: f"{r['unanswered']:,}"),
    ("re-entries", lambda r: f"{r['reentries']:,}"),
    ("re-entered units", lambda r: f"{r['reentered_units']:,}"),
)
"""The summary's rows: every figure of a cell's totals."""

BY_EPOCH: Final = ROWS[0], ROWS[3], ROWS[4], ROWS[7], ROWS[8]
"""The figures printed epoch by epoch (the JSON has every one)."""


def print_sla(data: dict[str, Any], console: Console) -> None:
    """The sweep's totals, then the main figures epoch by epoch; a column per cell, headed
    by its share of failing providers over its access control (``ms``: min_standing)."""
    console.print("[bold]SLA experiment: the MMAPPS service market on the reference[/]")
    cells = data["cells"]
    totals = _table("every epoch together", "", cells)
    for name, show in ROWS:
        totals.add_row(name, *(show(cell["totals"]) for cell in cells))
    console.print(totals)
    for name, show in BY_EPOCH:
        table = _table(name, "epoch", cells)
        for epoch, _ in enumerate(cells[0]["epochs"]):
            table.add_row(str(epoch), *(show(cell["epochs"][epoch]) for cell in cells))
        console.print(table)
