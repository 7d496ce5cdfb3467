"""The SLA experiment's plots, as PNG and SVG files that are the same bytes every run.

Drawn with :mod:`conformance.plots`' pinned settings: one line per cell of the sweep,
coloured by its share of failing providers, solid with access control on and dashed in
the open market; an epoch without agreements is a gap in the line, and a dotted line marks
where the closed markets' bootstrap allow rules were removed.
"""

import math
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from conformance.plots import COLOURS, STABLE, save, svg_bytes

PANELS = (
    (
        "reputation",
        (
            ("misbehaving_share", "share of units traded by misbehaving peers", (0.0, 1.0)),
            ("efficiency", "efficiency (realized / max surplus)", (0.0, 1.05)),
        ),
    ),
    (
        "overhead",
        (
            ("messages_per_agreement", "messages per agreement", None),
            ("messages_per_agreement_search", "of which search's (routed, results)", None),
            ("agreements", "agreements reached", None),
        ),
    ),
)
"""Each figure's name and its panels: the per-epoch figure drawn, its label, its y range."""


def label(config: dict[str, Any]) -> str:
    access = f"min_standing {config['min_standing']}" if config["min_standing"] else "open"
    return f"{config['failing_ppm'] / 10_000:g}% failing, {access}"


def sla_figures(results: dict[str, Any], stem: Path) -> list[Path]:
    """``stem``-reputation and ``stem``-overhead, each as PNG and SVG."""
    written: list[Path] = []
    with matplotlib.rc_context(STABLE):
        for name, panels in PANELS:
            figure = _figure(results, panels)
            written += save(figure, stem.with_name(f"{stem.name}-{name}"))
    return written


def sla_svgs(results: dict[str, Any]) -> list[bytes]:
    """:func:`sla_figures`' figures as SVG bytes, writing no file."""
    with matplotlib.rc_context(STABLE):
        return [svg_bytes(_figure(results, panels)) for _, panels in PANELS]


def _figure(results: dict[str, Any], panels: tuple[Any, ...]) -> Figure:
    figure = Figure(figsize=(6.0 * len(panels), 4.2), layout="constrained")
    shares = sorted({cell["config"]["failing_ppm"] for cell in results["cells"]})
    for column, (key, title, limits) in enumerate(panels, start=1):
        axes = figure.add_subplot(1, len(panels), column)
        for cell in results["cells"]:
            config = cell["config"]
            epochs = [row["epoch"] for row in cell["epochs"]]
            values = [math.nan if row[key] is None else row[key] for row in cell["epochs"]]
            axes.plot(
                epochs,
                values,
                marker="o",
                markersize=3,
                color=COLOURS[shares.index(config["failing_ppm"]) % len(COLOURS)],
                linestyle="-" if config["min_standing"] else "--",
                label=label(config),
            )
        bootstrap = {
            c["config"]["bootstrap_epochs"] for c in results["cells"] if c["config"]["min_standing"]
        }
        for epoch in sorted(bootstrap):
            axes.axvline(epoch - 0.5, color="#999999", linewidth=0.8, linestyle=":")
            axes.annotate(
                "bootstrap rules removed",
                (epoch - 0.5, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                va="top",
                fontsize="x-small",
                color="#666666",
            )
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("epoch")
        axes.set_title(title)
        if limits is not None:
            axes.set_ylim(*limits)
        if column == 1:
            axes.legend(fontsize="x-small")
    return figure
