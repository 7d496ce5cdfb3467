"""The site's generated parts for implementers: worked traces, downloads, experiment figures.

Each is built from the real artefact (a corpus file, the archive, a results
file) when the site is built; these tests call the render functions directly
and check that what a reader sees is that artefact, whole.
"""

import hashlib
import importlib
import json
import re
from pathlib import Path

from docutils import nodes
from test_docs import _load

from conformance.archive import build_archive
from conformance.paths import installed_corpus, installed_schemas
from conformance.tracefile import read_trace

_load("peermarket_docs")
worked_trace = importlib.import_module("peermarket_docs.worked_trace")
downloads = importlib.import_module("peermarket_docs.downloads")
experiment_figure = importlib.import_module("peermarket_docs.experiment_figure")

DOCS = Path(__file__).resolve().parents[1] / "docs"
WORKED = ("wire/ping/round-trip-001", "overlay/lookup/round-trip-001")


def _text(generated: list[nodes.Node]) -> str:
    return "\n".join(node.astext() for node in generated)


def test_each_protocol_page_has_a_worked_trace_of_its_own_protocol() -> None:
    for case_id in WORKED:
        protocol = case_id.split("/", 1)[0]
        page = (DOCS / f"{protocol}.md").read_text("utf-8")
        assert f"```{{peermarket-worked-trace}} {case_id}\n```" in page


def test_worked_trace_shows_every_step_and_every_frame_in_hex() -> None:
    for case_id in WORKED:
        trace = read_trace(installed_corpus() / f"{case_id}.cbor")
        generated = worked_trace.worked_trace_nodes(case_id, installed_corpus())
        text = _text(generated)
        assert trace.content_hash.hex() in text
        for number, step in enumerate(trace.content.steps, start=1):
            assert f"Step {number}: node {step.node} at tick {step.at}" in text
            frames = [o.frame for o in step.expect.outputs]
            if step.input.kind == "deliver":
                frames.append(step.input.frame)
            flat = re.sub(r"\s", "", text)
            for frame in frames:
                assert frame.hex() in flat, f"{case_id} step {number}: a frame is missing"
        # Embedded bodies are opened and node ids named, as the page promises.
        assert "<<{" in text and "/ a /" in text


def test_worked_trace_of_a_negative_case_names_the_required_error() -> None:
    case_id = "wire/envelope/body-as-map-001"
    trace = read_trace(installed_corpus() / f"{case_id}.cbor")
    error = trace.content.steps[0].expect.error
    assert error is not None
    text = _text(worked_trace.worked_trace_nodes(case_id, installed_corpus()))
    assert f"refuses the input with {error}" in text


def test_downloads_offer_the_archive_corpus_export_writes_with_its_hash() -> None:
    name, archive = build_archive(installed_corpus(), installed_schemas())
    files = {file_name: data for file_name, _, data in downloads.download_files()}
    assert files[name] == archive
    text = _text(downloads.download_nodes("index"))
    for file_name, data in files.items():
        assert file_name in text
        assert hashlib.sha256(data).hexdigest() in text
    links = [
        ref["refuri"]
        for top in downloads.download_nodes("sub/page")
        for ref in top.findall(nodes.reference)
    ]
    assert f"../downloads/{name}" in links  # relative to the page that shows them


def test_experiment_figure_is_drawn_from_the_results_file() -> None:
    results = DOCS / "results" / "overlay.json"
    generated = experiment_figure.overlay_figure_nodes(results, "A caption.")
    raw = next(iter(generated[0].findall(nodes.raw))).astext()
    assert raw.startswith("<svg") and raw.rstrip().endswith("</svg>")
    assert "A caption." in _text(generated)


def test_experiment_page_states_the_figures_of_its_results_file() -> None:
    data = json.loads((DOCS / "results" / "overlay.json").read_text("utf-8"))
    page = (DOCS / "experiments.md").read_text("utf-8")
    assert data["config"]["sizes"] == [1_000, 10_000, 100_000] and data["config"]["seed"] == 1
    means = [run["hops"]["mean"] for run in data["scaling"]]
    stated = f"{means[0]:.2f} / {means[1]:.2f} / {means[2]:.3f}"
    assert stated in page, stated
    maxima = " / ".join(str(run["hops"]["max"]) for run in data["scaling"])
    assert maxima in page
    failure = data["failure"]
    phases = " / ".join(
        f"{failure[phase]['mean']:.2f}" for phase in ("before", "no_repair", "after_repair")
    )
    assert phases in page
    assert f"{failure['repair_per_failed']:.1f}" in page
