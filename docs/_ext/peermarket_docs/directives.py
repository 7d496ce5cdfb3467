"""The Sphinx directives: each renders one generated page part and notes what it depends on."""

from __future__ import annotations

import importlib
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.domains.std import StandardDomain
from sphinx.util.docutils import SphinxDirective

from peermarket_docs.cli_help import cli_sections
from peermarket_docs.docnodes import literal_block
from peermarket_docs.downloads import download_nodes
from peermarket_docs.driver_transcript import transcript_nodes
from peermarket_docs.envelope_example import envelope_example_nodes
from peermarket_docs.errors_table import error_sections
from peermarket_docs.experiment_figure import (
    auction_figure_nodes,
    overlay_figure_nodes,
    sla_figure_nodes,
)
from peermarket_docs.machine_diagrams import machine_nodes
from peermarket_docs.message_reference import message_sections, registered, value_type_nodes
from peermarket_docs.mutation_report import mutation_report_nodes
from peermarket_docs.pysource import attribute_doc, import_object, resolve
from peermarket_docs.worked_trace import worked_trace_nodes
from spec.v1.machine import MachineTable


def _module_files(*module_names: str) -> list[str]:
    files = []
    for name in module_names:
        module = sys.modules.get(name) or importlib.import_module(name)
        file = getattr(module, "__file__", None)
        if file:
            files.append(file)
    return files


class _GeneratedDirective(SphinxDirective):
    """Base: note the source files a generated page depends on, for incremental builds."""

    depends_on: tuple[str, ...] = ()

    def note_sources(self, *extra: str) -> None:
        for file in _module_files(*self.depends_on, *extra):
            self.env.note_dependency(file)

    def labelled(self, generated: list[nodes.Node]) -> list[nodes.Node]:
        """Register every generated section and anchored row as a label (``{ref}`` target)."""
        std = typing.cast(StandardDomain, self.env.get_domain("std"))
        for top in generated:
            for node in top.findall(lambda n: isinstance(n, nodes.section | nodes.row)):
                assert isinstance(node, nodes.Element)
                title = node[0].astext() if len(node) else ""
                for anchor in node["ids"]:
                    std.note_hyperlink_target(anchor, self.env.docname, anchor, title)
        return generated


class ErrorsDirective(_GeneratedDirective):
    """``peermarket-errors``: the error taxonomy, grouped by category."""

    depends_on = ("spec.v1.errors",)

    def run(self) -> list[nodes.Node]:
        self.note_sources()
        return self.labelled(error_sections())


class ValueTypesDirective(_GeneratedDirective):
    """``peermarket-value-types``: the shared value types."""

    depends_on = ("spec.v1.types",)

    def run(self) -> list[nodes.Node]:
        self.note_sources()
        return self.labelled(value_type_nodes())


class MessagesDirective(_GeneratedDirective):
    """``peermarket-messages``: every model of ``spec.v1.registry.ALL_MODELS``."""

    depends_on = ("spec.v1.registry", "spec.v1.types", "spec.v1.base")

    def run(self) -> list[nodes.Node]:
        from spec.v1 import registry

        generated = message_sections()
        modules = {m.__module__ for m in registry.ALL_MODELS}
        for name in ("MESSAGES", "COMMANDS", "PARAMS", "OBSERVABLE"):
            modules |= {m.__module__ for m in registered(name).values()}
        self.note_sources(*sorted(modules))
        return self.labelled(generated)


class MachineDirective(_GeneratedDirective):
    """``peermarket-machine dotted.path``: diagram and table of one ``MachineTable``.

    The docstring written under the table's assignment is shown first, unless
    the ``:no-doc:`` flag is given.
    """

    required_arguments = 1
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {"no-doc": directives.flag}

    def run(self) -> list[nodes.Node]:
        path = self.arguments[0]
        try:
            table, module, attr = resolve(path)
        except (ImportError, AttributeError) as exc:
            raise self.error(f"peermarket-machine: cannot import {path!r}: {exc}") from exc
        if not isinstance(table, MachineTable):
            raise self.error(f"peermarket-machine: {path!r} is not a MachineTable")
        self.note_sources(module.__name__)
        doc = attribute_doc(module, attr) if "no-doc" not in self.options else ""
        return self.labelled(machine_nodes(table, doc))


class CliDirective(_GeneratedDirective):
    """``peermarket-cli [dotted.path]``: ``--help`` of the command and its subcommands."""

    optional_arguments = 1
    depends_on = ("conformance.cli",)

    def run(self) -> list[nodes.Node]:
        command = import_object(self.arguments[0] if self.arguments else "conformance.cli:main")
        self.note_sources()
        return self.labelled(cli_sections(command, "peermarket"))


class DriverCddlDirective(_GeneratedDirective):
    """``peermarket-driver-cddl``: the driver messages' CDDL rules, from the models."""

    depends_on = ("spec.v1.export.cddl", "spec.v1.driver", "spec.v1.trace")

    def run(self) -> list[nodes.Node]:
        from spec.v1.export.cddl import render_driver_cddl

        self.note_sources()
        return [literal_block(render_driver_cddl(), "cddl")]


class EnvelopeExampleDirective(_GeneratedDirective):
    """``peermarket-envelope-example``: a worked, signed example frame."""

    depends_on = ("reference.envelope", "reference.cbor", "spec.v1.envelope", "spec.v1.wire")

    def run(self) -> list[nodes.Node]:
        self.note_sources()
        return envelope_example_nodes()


class DriverTranscriptDirective(_GeneratedDirective):
    """``peermarket-driver-transcript [case id]``: a runner session recorded at build time."""

    optional_arguments = 1
    depends_on = ("conformance.runner", "conformance.adapters", "reference.driver")

    def run(self) -> list[nodes.Node]:
        self.note_sources()
        return transcript_nodes(*self.arguments)


class WorkedTraceDirective(_GeneratedDirective):
    """``peermarket-worked-trace CASE_ID``: one case of the corpus, step by step."""

    required_arguments = 1
    depends_on = ("conformance.tracefile", "spec.v1.trace")

    def run(self) -> list[nodes.Node]:
        from conformance.paths import installed_corpus

        case_id = self.arguments[0]
        corpus = installed_corpus()
        self.note_sources()
        self.env.note_dependency(str(corpus / f"{case_id}.cbor"))
        return worked_trace_nodes(case_id, corpus)


class DownloadsDirective(_GeneratedDirective):
    """``peermarket-downloads``: the conformance archive and schema files, with hashes."""

    depends_on = ("conformance.archive", "spec.v1.releases")

    def run(self) -> list[nodes.Node]:
        from conformance.paths import installed_corpus

        self.note_sources()
        self.env.note_dependency(str(installed_corpus() / "MANIFEST.json"))
        return download_nodes(self.env.docname)


class OverlayFigureDirective(_GeneratedDirective):
    """``peermarket-overlay-figure RESULTS_JSON``: the hop figure of a checked-in run.

    The argument is relative to the page; the content, if any, is the caption.
    """

    required_arguments = 1
    has_content = True
    depends_on = ("conformance.plots",)

    def run(self) -> list[nodes.Node]:
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.note_sources()
        self.env.note_dependency(path)
        return overlay_figure_nodes(Path(path), " ".join(self.content))


class AuctionFigureDirective(_GeneratedDirective):
    """``peermarket-auction-figure RESULTS_JSON``: the auction run's two figures."""

    required_arguments = 1
    has_content = True
    depends_on = ("conformance.plots",)

    def run(self) -> list[nodes.Node]:
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.note_sources()
        self.env.note_dependency(path)
        return auction_figure_nodes(Path(path), " ".join(self.content))


class SlaFigureDirective(_GeneratedDirective):
    """``peermarket-sla-figure RESULTS_JSON``: the SLA run's two figures."""

    required_arguments = 1
    has_content = True
    depends_on = ("conformance.plots", "conformance.plots_sla")

    def run(self) -> list[nodes.Node]:
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.note_sources()
        self.env.note_dependency(path)
        return sla_figure_nodes(Path(path), " ".join(self.content))


class MutationReportDirective(_GeneratedDirective):
    """``peermarket-mutation-report SURVIVORS_TOML``: mutation figures (path: from the page)."""

    required_arguments = 1
    depends_on = ("bench.mutation.report",)

    def run(self) -> list[nodes.Node]:
        _, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.note_sources()
        self.env.note_dependency(path)
        return mutation_report_nodes(Path(path))
