"""Plots of experiment results, as PNG and SVG files that are the same bytes every run.

matplotlib with the Agg backend and no pyplot state: each plot builds its own
:class:`~matplotlib.figure.Figure`. What would differ between runs is pinned:
the SVG's element ids come from a fixed ``svg.hashsalt``, text is drawn as
paths (no font-dependent glyph references), and the date and software stamps
are left out of the metadata.
"""

import io
from pathlib import Path
from typing import Any, Final

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

STABLE: Final[Any] = {
    "svg.hashsalt": "peermarket",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "path.simplify": True,
}
"""rcParams that make the output deterministic (DejaVu ships with matplotlib)."""

SVG_METADATA: Final = {"Date": None, "Creator": "peermarket", "Title": "PeerMarket experiment"}
PNG_METADATA: Final = {"Software": "peermarket"}

PAPER_COLOUR: Final = "#4d4d4d"
COLOURS: Final = ("#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2")


def save(figure: Figure, stem: Path) -> tuple[Path, Path]:
    """Write ``stem``.png and ``stem``.svg; returns both paths."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    png = stem.with_suffix(".png")
    svg = stem.with_suffix(".svg")
    with matplotlib.rc_context(STABLE):
        FigureCanvasAgg(figure)
        figure.savefig(png, format="png", dpi=120, metadata=PNG_METADATA)
        figure.savefig(svg, format="svg", metadata=SVG_METADATA)
    return png, svg


def svg_bytes(figure: Figure) -> bytes:
    """The figure as SVG, the same bytes :func:`save` writes (for pages that embed it)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STABLE):
        FigureCanvasAgg(figure)
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def overlay_hops_svg(results: dict[str, Any]) -> bytes:
    """:func:`overlay_hops`'s figure as SVG bytes, writing no file."""
    with matplotlib.rc_context(STABLE):
        figure = _overlay_figure(results)
    return svg_bytes(figure)


def overlay_hops(results: dict[str, Any], stem: Path) -> tuple[Path, Path]:
    """The overlay experiment's hop distributions beside the paper's (and, when the run
    has one, the failure run's three averages beside the paper's)."""
    with matplotlib.rc_context(STABLE):
        figure = _overlay_figure(results)
    return save(figure, stem)


def _overlay_figure(results: dict[str, Any]) -> Figure:
    paper = results["paper"]
    scaling = results["scaling"]
    failure = results["failure"]
    panels = 2 if failure is not None else 1
    figure = Figure(figsize=(6.4 * panels, 4.4), layout="constrained")
    axes = figure.subplots(1, panels, squeeze=False)[0]
    hops_axes = axes[0]
    series: list[tuple[str, list[float], str, str]] = [
        (
            f"paper, N = {paper['hop_size']:,}",
            [paper["hop_distribution"][str(h)] for h in range(len(paper["hop_distribution"]))],
            PAPER_COLOUR,
            "//",
        )
    ]
    for number, run in enumerate(scaling):
        series.append(
            (
                f"measured, N = {run['size']:,} (mean {run['hops']['mean']:.2f})",
                list(run["hops"]["distribution"]),
                COLOURS[number % len(COLOURS)],
                "",
            )
        )
    width_of = max(len(values) for _, values, _, _ in series)
    width = 0.8 / len(series)
    for number, (label, values, colour, hatch) in enumerate(series):
        xs = [h - 0.4 + width * (number + 0.5) for h in range(len(values))]
        hops_axes.bar(
            xs, values, width=width, label=label, color=colour, hatch=hatch, edgecolor="white"
        )
    hops_axes.set_xticks(range(width_of))
    hops_axes.set_xlabel("routing hops")
    hops_axes.set_ylabel("share of lookups")
    hops_axes.set_ylim(0, 1)
    hops_axes.set_title("Hop distribution (b = 4, |L| = 16, |M| = 32)")
    hops_axes.legend(loc="upper left", fontsize="small")
    if failure is not None:
        _failure_panel(axes[1], failure, paper)
    return figure


def _failure_panel(axes: Any, failure: dict[str, Any], paper: dict[str, Any]) -> None:
    phases = ("before failure", "after failure,\nno repair", "after repair")
    measured = [failure[k]["mean"] for k in ("before", "no_repair", "after_repair")]
    theirs = [
        paper["hops_before_failure"],
        paper["hops_after_failure"],
        paper["hops_after_repair"],
    ]
    xs = range(len(phases))
    axes.bar(
        [x - 0.2 for x in xs],
        theirs,
        width=0.4,
        label=f"paper, {paper['failure_size']:,} nodes",
        color=PAPER_COLOUR,
        hatch="//",
        edgecolor="white",
    )
    axes.bar(
        [x + 0.2 for x in xs],
        measured,
        width=0.4,
        label=f"measured, {failure['failed']:,} of {failure['size']:,} failed",
        color=COLOURS[0],
        edgecolor="white",
    )
    for x, value in zip(xs, measured, strict=True):
        axes.annotate(f"{value:.2f}", (x + 0.2, value), ha="center", va="bottom", fontsize=8)
    for x, value in zip(xs, theirs, strict=True):
        axes.annotate(f"{value:.2f}", (x - 0.2, value), ha="center", va="bottom", fontsize=8)
    axes.set_xticks(list(xs), phases)
    axes.set_ylabel("mean routing hops")
    axes.set_title("Failure of a share of the nodes")
    axes.legend(loc="lower right", fontsize="small")


def auction_figures(results: dict[str, Any], stem: Path) -> list[Path]:
    """``stem``-overhead and ``stem``-robustness, each as PNG and SVG."""
    written: list[Path] = []
    with matplotlib.rc_context(STABLE):
        written += save(_auction_overhead(results), stem.with_name(stem.name + "-overhead"))
        written += save(_auction_robustness(results), stem.with_name(stem.name + "-robustness"))
    return written


def auction_svgs(results: dict[str, Any]) -> list[bytes]:
    """:func:`auction_figures`' two figures as SVG bytes, writing no file."""
    with matplotlib.rc_context(STABLE):
        return [svg_bytes(_auction_overhead(results)), svg_bytes(_auction_robustness(results))]


def _auction_overhead(results: dict[str, Any]) -> Figure:
    figure = Figure(figsize=(6.4, 4.0))
    axes = figure.add_subplot()
    by_n: dict[int, list[tuple[int, float]]] = {}
    central: list[float] = []
    for row in results["overhead"]:
        by_n.setdefault(row["config"]["brokers"], []).append(
            (row["config"]["fanout"], row["messages_per_offer"])
        )
        central.append(row["central_per_offer"])
    for index, (n, points) in enumerate(sorted(by_n.items())):
        xs, ys = zip(*sorted(points), strict=True)
        axes.plot(xs, ys, marker="o", color=COLOURS[index % len(COLOURS)], label=f"n = {n}")
    if central:
        axes.axhline(
            sum(central) / len(central),
            color=PAPER_COLOUR,
            linestyle="--",
            label="one central auctioneer",
        )
    axes.set_xlabel("f (brokers each offer goes to)")
    axes.set_ylabel("messages per offer")
    axes.set_title("PeerMart: messages per offer")
    axes.legend()
    return figure


def _auction_robustness(results: dict[str, Any]) -> Figure:
    rows = results["robustness"]
    behaviours = sorted(
        {r["config"]["behaviour"] for r in rows if r["config"]["behaviour"] != "honest"}
    )
    figure = Figure(figsize=(3.2 * max(1, len(behaviours)), 3.6))
    for column, behaviour in enumerate(behaviours, start=1):
        axes = figure.add_subplot(1, len(behaviours), column)
        by_f: dict[int, list[tuple[float, float]]] = {}
        for row in rows:
            config = row["config"]
            if config["behaviour"] in (behaviour, "honest"):
                by_f.setdefault(config["fanout"], []).append(
                    (config["malicious_ppm"] / 10_000, row["correct_share"])
                )
        for index, (f, points) in enumerate(sorted(by_f.items())):
            xs, ys = zip(*sorted(set(points)), strict=True)
            axes.plot(xs, ys, marker="o", color=COLOURS[index % len(COLOURS)], label=f"f = {f}")
        axes.set_title(behaviour)
        axes.set_xlabel("malicious peers (%)")
        axes.set_ylim(0, 1.05)
        if column == 1:
            axes.set_ylabel("offers settled correctly")
            axes.legend()
    figure.tight_layout()
    return figure
