"""An experiment's figure, drawn from its checked-in results when the site is built.

The results file (``docs/results/<name>.json``) is what ``peermarket
experiment`` wrote for the run the page describes; the figure is drawn from
it by the same code the command uses (:mod:`conformance.plots`), so the
picture and the numbers on the page cannot disagree. The SVG is embedded in
the page, so it shows offline and needs no file beside it.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes

from peermarket_docs.docnodes import lit, para


def overlay_figure_nodes(results_file: Path, caption: str) -> list[nodes.Node]:
    """The overlay experiment's hop figure from ``results_file``, with a caption."""
    from conformance.plots import overlay_hops_svg

    results = json.loads(results_file.read_text("utf-8"))
    svg = overlay_hops_svg(results).decode("utf-8")
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype: inline SVG
    figure = nodes.container(classes=["peermarket-figure"])
    figure += nodes.raw("", svg, format="html")
    figure += para(caption, " Drawn from ", lit(f"docs/results/{results_file.name}"), ".")
    return [figure]


def auction_figure_nodes(results_file: Path, caption: str) -> list[nodes.Node]:
    """The auction experiment's two figures (overhead, robustness) from ``results_file``."""
    from conformance.plots import auction_svgs

    results = json.loads(results_file.read_text("utf-8"))
    figure = nodes.container(classes=["peermarket-figure"])
    for svg in auction_svgs(results):
        text = svg.decode("utf-8")
        figure += nodes.raw("", text[text.index("<svg") :], format="html")
    figure += para(caption, " Drawn from ", lit(f"docs/results/{results_file.name}"), ".")
    return [figure]


def sla_figure_nodes(results_file: Path, caption: str) -> list[nodes.Node]:
    """The SLA experiment's two figures (reputation and efficiency, overhead) from
    ``results_file``."""
    from conformance.plots_sla import sla_svgs

    results = json.loads(results_file.read_text("utf-8"))
    figure = nodes.container(classes=["peermarket-figure"])
    for svg in sla_svgs(results):
        text = svg.decode("utf-8")
        figure += nodes.raw("", text[text.index("<svg") :], format="html")
    figure += para(caption, " Drawn from ", lit(f"docs/results/{results_file.name}"), ".")
    return [figure]
