"""``peermarket experiment``: run the experiments that compare the reference with its papers.

``experiment auction`` runs :mod:`reference.sim.experiments.auction` (PeerMart's
overhead, robustness to misbehaving brokers, storage and scale), its cells on a
local process pool or a Dask cluster, and writes ``auction.json`` and its plots.

``experiment overlay`` runs :mod:`reference.sim.experiments.overlay` (Pastry's
hop counts, table sizes, join cost, failure repair and churn), prints the
figures beside the paper's, and writes ``overlay.json`` plus the plot
``hops.png`` / ``hops.svg`` into ``--out``. The same options and seed give
the same JSON and SVG bytes.

The plots need matplotlib, from the ``experiment`` extra (``pip install
'peermarket[experiment]'``); without it the command says so and exits 2
before running anything.

Exit codes: 0 the run completed (figures that miss a target are reported,
not failed); 2 usage errors, or matplotlib is not installed.
"""

import gc
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

OUT_DIR: Final = Path("build") / "experiments" / "overlay"
GC_THRESHOLDS: Final = (100_000, 50, 100)
"""The cyclic garbage collector's thresholds while an experiment runs. The simulator
allocates millions of small tuples (events, table rows) and no cycles to speak of; with
the default (700, 10, 10) the collector's passes cost about a sixth of a large run
(measured: 43.7 s against 35.4 s for a 10,000-node build). The results do not change."""
RESULTS_FILE: Final = "overlay.json"
PLOT_STEM: Final = "hops"
EXTRA: Final = "pip install 'peermarket[experiment]'"
EXIT_USAGE: Final = 2


def _console() -> Console:
    return Console(highlight=False)


@contextmanager
def _collector_for_large_heaps() -> Iterator[None]:
    """Run with :data:`GC_THRESHOLDS`, restoring the previous thresholds afterwards."""
    previous = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def _progress_bars(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A ``progress(task, done, total)`` callback drawing one bar per task while it runs."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=done, total=total)

        yield progress


def _sizes(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...] | None:
    """``--sizes``: comma-separated network sizes, each at least 2 (``none``: no scaling runs)."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() == "none":
        return ()
    sizes = []
    for part in text.split(","):
        item = part.strip().replace("_", "")
        if not item.isdigit():
            raise click.BadParameter(
                f"{part.strip()!r} is not a size: give whole numbers separated by commas, "
                "e.g. 1000,10000",
                ctx,
                param,
            )
        size = int(item)
        if size < 2:
            raise click.BadParameter(f"a network needs at least 2 nodes, not {size}", ctx, param)
        sizes.append(size)
    return tuple(sizes)


def require_matplotlib() -> None:
    """Exit 2 with a one-line error when matplotlib (the ``experiment`` extra) is missing."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        click.echo(
            "error: the overlay experiment draws plots with matplotlib, which is not "
            f"installed: {EXTRA}",
            err=True,
        )
        sys.exit(EXIT_USAGE)


@click.group("experiment")
def experiment() -> None:
    """Run the experiments that compare the reference with its papers.

    The plots need matplotlib: pip install 'peermarket[experiment]'.
    """


@experiment.command("overlay")
@click.option(
    "--sizes",
    callback=_sizes,
    default=None,
    metavar="N[,N...]",
    help="Network sizes of the scaling runs, comma-separated ('none' to skip them). "
    "[default: 1000,10000,100000; --quick: 100,400]",
)
@click.option(
    "--failure-size",
    type=click.IntRange(min=0),
    default=None,
    help="Nodes of the failure run (0 skips it). [default: 5000, the paper's]",
)
@click.option(
    "--failure-share-ppm",
    type=click.IntRange(0, 999_999),
    default=None,
    help="Share of the failure run's nodes that crash at once, in parts per million. "
    "[default: 100000, i.e. 10%, the paper's]",
)
@click.option(
    "--churn-size",
    type=click.IntRange(min=0),
    default=None,
    help="Nodes of the churn run before the churn starts (0 skips it). [default: 1000]",
)
@click.option(
    "--churn-share-ppm",
    type=click.IntRange(0, 999_999),
    default=None,
    help="During the churn this share of --churn-size joins and as many crash, "
    "overlapping, in parts per million. [default: 100000]",
)
@click.option(
    "--lookups",
    type=click.IntRange(min=1),
    default=None,
    help="Lookups per measurement: per size, per failure phase, during the churn. "
    "Random keys from random live nodes, one per tick. [default: 10000]",
)
@click.option(
    "--repair-ticks",
    type=click.IntRange(min=0),
    default=None,
    help="Ticks the failure run lets repair work before measuring again. "
    "[default: 60000, three probe periods]",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of every id, coordinate, bootstrap choice, failure and lookup. [default: 1]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=OUT_DIR,
    show_default=True,
    help="Directory for overlay.json, hops.png and hops.svg (relative to the current directory).",
)
@click.option(
    "--frames",
    is_flag=True,
    help="Run signed frames instead of message bodies: the same protocol code, every "
    "message encoded, signed and verified; many times slower.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="A smoke run of every part on tiny networks: about 10 seconds, about a minute "
    "with --frames. Options given explicitly still apply.",
)
def overlay(
    sizes: tuple[int, ...] | None,
    failure_size: int | None,
    failure_share_ppm: int | None,
    churn_size: int | None,
    churn_share_ppm: int | None,
    lookups: int | None,
    repair_ticks: int | None,
    seed: int | None,
    out: Path,
    frames: bool,
    quick: bool,
) -> None:
    """Pastry's figures on the reference overlay, beside the paper's.

    Builds rings by joins in the simulator for each size and reports hops
    (mean, distribution, max), the share of lookups delivered by the
    numerically closest live node, ceil(log16 N), routing-table entries per
    node and messages per join; fails a share of a 5,000-node ring and
    reports hops before, after failure without repair and after repair, and
    repair requests per failed node; and reports the rate of inconsistent
    deliveries while joins and failures overlap. The full run (N up to
    100,000) takes about ten minutes.

    Needs matplotlib for the plots: pip install 'peermarket[experiment]'.
    """
    from reference.sim.experiments.overlay import QUICK, Config

    base = QUICK if quick else Config()
    given = {
        "sizes": sizes,
        "failure_size": failure_size,
        "failure_share_ppm": failure_share_ppm,
        "churn_size": churn_size,
        "churn_share_ppm": churn_share_ppm,
        "lookups": lookups,
        "repair_ticks": repair_ticks,
        "seed": seed,
    }
    settings: dict[str, Any] = {
        name: getattr(base, name) if value is None else value for name, value in given.items()
    }
    try:
        config = Config(**settings, frames=frames)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    require_matplotlib()
    run_overlay(config, out, _console())


def run_overlay(config: Any, out: Path, console: Console) -> dict[str, Any]:
    """Run, print and write; returns the results' JSON data."""
    from conformance.plots import overlay_hops
    from reference.sim.experiments.overlay import run

    started = time.monotonic()
    with _progress_bars(console) as progress, _collector_for_large_heaps():
        results = run(config, progress)
    elapsed = time.monotonic() - started
    data = results.to_json()
    out.mkdir(parents=True, exist_ok=True)
    path = out / RESULTS_FILE
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")
    png, svg = overlay_hops(data, out / PLOT_STEM)
    _print(data, console)
    console.print(f"wrote {path}, {png}, {svg} ({elapsed:.1f} s)")
    return data


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.0f}"


def _print(data: dict[str, Any], console: Console) -> None:
    console.print("[bold]overlay experiment: measured beside Pastry (Rowstron & Druschel 2001)[/]")
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in data["comparison"]:
        sections.setdefault(row["section"], []).append(row)
    for section, rows in sections.items():
        table = Table(title=section, title_justify="left")
        table.add_column("figure")
        table.add_column("measured", justify="right")
        table.add_column("paper", justify="right")
        table.add_column("difference", justify="right")
        table.add_column("target")
        for row in rows:
            difference = row["difference"]
            if difference is None:
                diff = "—"
            elif row["relative"] is None:
                diff = f"{difference:+.4f}"
            else:
                diff = f"{difference:+.4f} ({row['relative']:+.1%})"
            verdict = ""
            if row["met"] is not None:
                mark = "[green]met[/]" if row["met"] else "[red]MISSED[/]"
                verdict = f"{row['target']} {mark}"
            figure = row["figure"] + (f"\n[dim]{row['note']}[/]" if row["note"] else "")
            table.add_row(figure, _fmt(row["measured"]), _fmt(row["paper"]), diff, verdict)
        console.print(table)
    hops = Table(title="hop distribution (share of lookups)")
    hops.add_column("hops", justify="right")
    hops.add_column(f"paper N={data['paper']['hop_size']:,}", justify="right")
    runs = data["scaling"]
    for run in runs:
        hops.add_column(f"N={run['size']:,}", justify="right")
    longest = max(
        [len(data["paper"]["hop_distribution"])] + [len(r["hops"]["distribution"]) for r in runs]
    )
    for h in range(longest):
        cells = [str(h), f"{data['paper']['hop_distribution'].get(str(h), 0.0):.4f}"]
        for run in runs:
            shares = run["hops"]["distribution"]
            cells.append(f"{shares[h]:.4f}" if h < len(shares) else "0.0000")
        hops.add_row(*cells)
    console.print(hops)


AUCTION_OUT: Final = Path("build") / "experiments" / "auction"
AUCTION_RESULTS: Final = "auction.json"
AUCTION_STEM: Final = "auction"


def _executor(workers: int, scheduler: str | None) -> Any:
    """Map cells over a Dask cluster (``--scheduler``), a process pool, or in this process.
    Each yields the results in cell order, so the JSON is the same bytes whichever runs."""
    if scheduler is not None:
        try:
            distributed = importlib.import_module("distributed")
        except ImportError:
            click.echo(
                "error: --scheduler needs dask's distributed, which is not installed: "
                "pip install 'peermarket[cluster]'",
                err=True,
            )
            sys.exit(EXIT_USAGE)

        def on_cluster(function: Any, configs: Any) -> Iterator[Any]:
            with distributed.Client(scheduler) as client:
                futures = client.map(function, list(configs), pure=False)
                for future in futures:
                    yield future.result()

        return on_cluster
    if workers <= 1:
        return lambda function, configs: map(function, configs)

    def in_pool(function: Any, configs: Any) -> Iterator[Any]:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield from pool.map(function, list(configs))

    return in_pool


@experiment.command("auction")
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
    help="Seed of every id, malicious peer, trader and offer. [default: 1]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=AUCTION_OUT,
    show_default=True,
    help="Directory for auction.json and the plots (relative to the current directory).",
)
@click.option(
    "--quick",
    is_flag=True,
    help="A smoke run of every part on tiny markets, in seconds.",
)
def auction(
    workers: int | None, scheduler: str | None, seed: int | None, out: Path, quick: bool
) -> None:
    """PeerMart's figures on the reference auction, beside a central auctioneer.

    Runs markets of reference auction nodes (the auction alone on the stack
    interface, over converged leaf sets) and reports: (a) messages per offer
    and per match for several n and f, beside one central auctioneer; (b) the
    share of honest traders' offers settled exactly as the central auction
    settles them when 0%, 10%, 20% or 33% of the peers drop, withhold,
    equivocate or invent, beside the derived bound floor((f-1)/2); (c) the
    most offers and the largest state one broker holds; (d) 10,000 traders on
    100 services over 10,000 peers, with offers per slot and the latency from
    an offer to its settlement. The cells are independent and run on a local
    process pool (--workers) or a Dask cluster (--scheduler); the results are
    the same bytes either way.

    Needs matplotlib for the plots: pip install 'peermarket[experiment]'.
    """
    from dataclasses import replace

    from reference.sim.experiments.auction import QUICK, AuctionExperiment

    base = QUICK if quick else AuctionExperiment()
    config = base if seed is None else replace(base, seed=seed)
    require_matplotlib()
    count = workers if workers is not None else (os.cpu_count() or 1)
    run_auction(config, out, _console(), _executor(count, scheduler))


def run_sweep(
    sweep: "Sweep", config: Any, out: Path, console: Console, executor: Any
) -> dict[str, Any]:
    """Run a sweep's cells with progress bars, write its JSON and plots, print its tables;
    returns the results' JSON data (shared by the experiments that run on an executor)."""
    started = time.monotonic()
    with _progress_bars(console) as progress:
        data = sweep.run(config, executor, progress)
    elapsed = time.monotonic() - started
    out.mkdir(parents=True, exist_ok=True)
    path = out / sweep.results
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")
    plots = sweep.figures(data, out / sweep.stem)
    sweep.show(data, console)
    console.print(f"wrote {path}, {', '.join(str(p) for p in plots)} ({elapsed:.1f} s)")
    return data


@dataclass(frozen=True)
class Sweep:
    """What :func:`run_sweep` needs of one experiment."""

    run: Callable[[Any, Any, Any], dict[str, Any]]
    figures: Callable[[dict[str, Any], Path], list[Path]]
    show: Callable[[dict[str, Any], Console], None]
    results: str
    stem: str


def run_auction(config: Any, out: Path, console: Console, executor: Any) -> dict[str, Any]:
    """Run, print and write; returns the results' JSON data."""
    from conformance.plots import auction_figures
    from reference.sim.experiments.auction import run

    sweep = Sweep(run, auction_figures, _print_auction, AUCTION_RESULTS, AUCTION_STEM)
    return run_sweep(sweep, config, out, console, executor)


def _print_auction(data: dict[str, Any], console: Console) -> None:
    console.print(
        "[bold]auction experiment: PeerMart (Hausheer & Stiller 2005) on the reference[/]"
    )
    overhead = Table(title="(a) messages per offer and per match", title_justify="left")
    for column in ("n", "f", "offers", "matches", "per offer", "per match", "central per offer"):
        overhead.add_column(column, justify="right")
    for row in data["overhead"]:
        overhead.add_row(
            str(row["config"]["brokers"]),
            str(row["config"]["fanout"]),
            f"{row['offers']:,}",
            f"{row['matched'] // 2:,}",
            f"{row['messages_per_offer']:.2f}",
            f"{row['messages_per_match']:.2f}",
            f"{row['central_per_offer']:.2f}",
        )
    console.print(overhead)
    robust = Table(
        title="(b) offers settled as the central auction settles them", title_justify="left"
    )
    for column in ("behaviour", "f", "tolerated", "malicious", "correct", "false settled"):
        robust.add_column(column, justify="right")
    for row in data["robustness"]:
        config = row["config"]
        robust.add_row(
            config["behaviour"],
            str(config["fanout"]),
            str(row["tolerated"]),
            f"{config['malicious_ppm'] / 10_000:.0f}%",
            f"{row['correct_share']:.3f}",
            str(row["false_settled"]),
        )
    console.print(robust)
    storage = Table(title="(c) storage per broker and (d) scale", title_justify="left")
    for column in (
        "run",
        "peers",
        "traders",
        "services",
        "peak offers held",
        "peak state (bytes)",
        "offers per slot",
        "latency (slots)",
    ):
        storage.add_column(column, justify="right")
    for part in ("overhead", "scale"):
        for row in data[part][-1:]:
            config = row["config"]
            storage.add_row(
                part,
                f"{config['nodes']:,}",
                f"{config['traders']:,}",
                f"{config['services']:,}",
                f"{row['peak_held']:,}",
                f"{row['peak_state_bytes']:,}",
                f"{row['offers_per_slot']:.1f}",
                f"{row['latency_slots']:.1f}",
            )
    console.print(storage)
