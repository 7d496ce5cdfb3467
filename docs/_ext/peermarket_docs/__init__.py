"""Sphinx directives that render the PeerMarket spec site from ``spec/`` itself.

Nothing on the generated pages is copied by hand: the error table comes from
``spec.v1.errors.ERROR_CODES``; the message reference from the pydantic
models of ``spec.v1.registry`` (``ALL_MODELS``, and the ``MESSAGES``,
``COMMANDS``, ``PARAMS`` and ``OBSERVABLE`` maps where they exist), with
field docs read from the attribute docstrings in the source; machine
diagrams from any ``MachineTable`` given by import path; the CLI page from
the click commands; the worked envelope example and the driver transcript
from the reference implementation at build time; worked traces from the
corpus files; and the downloads (the conformance archive) from
``conformance.archive``.

Directives (MyST syntax shown)::

    ```{peermarket-errors}
    ```
    ```{peermarket-value-types}
    ```
    ```{peermarket-messages}
    ```
    ```{peermarket-machine} dotted.path.to.TABLE
    :no-doc:
    ```
    ```{peermarket-cli}
    ```
    ```{peermarket-envelope-example}
    ```
    ```{peermarket-driver-cddl}
    ```
    ```{peermarket-driver-transcript} wire/ping/answer-001
    ```
    ```{peermarket-worked-trace} wire/ping/round-trip-001
    ```
    ```{peermarket-downloads}
    ```
    ```{peermarket-overlay-figure} results/overlay.json
    Caption text.
    ```
    ```{peermarket-sla-figure} results/sla.json
    Caption text.
    ```

The ``*_sections`` / ``*_nodes`` functions are pure (no Sphinx application
needed), so tests can call them directly.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from peermarket_docs.directives import (
    AuctionFigureDirective,
    CliDirective,
    DownloadsDirective,
    DriverCddlDirective,
    DriverTranscriptDirective,
    EnvelopeExampleDirective,
    ErrorsDirective,
    MachineDirective,
    MessagesDirective,
    MutationReportDirective,
    OverlayFigureDirective,
    SlaFigureDirective,
    ValueTypesDirective,
    WorkedTraceDirective,
)
from peermarket_docs.downloads import write_downloads


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.mermaid")
    app.add_directive("peermarket-errors", ErrorsDirective)
    app.add_directive("peermarket-value-types", ValueTypesDirective)
    app.add_directive("peermarket-messages", MessagesDirective)
    app.add_directive("peermarket-machine", MachineDirective)
    app.add_directive("peermarket-cli", CliDirective)
    app.add_directive("peermarket-envelope-example", EnvelopeExampleDirective)
    app.add_directive("peermarket-driver-cddl", DriverCddlDirective)
    app.add_directive("peermarket-driver-transcript", DriverTranscriptDirective)
    app.add_directive("peermarket-worked-trace", WorkedTraceDirective)
    app.add_directive("peermarket-downloads", DownloadsDirective)
    app.add_directive("peermarket-overlay-figure", OverlayFigureDirective)
    app.add_directive("peermarket-auction-figure", AuctionFigureDirective)
    app.add_directive("peermarket-sla-figure", SlaFigureDirective)
    app.add_directive("peermarket-mutation-report", MutationReportDirective)
    app.connect("build-finished", write_downloads)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
