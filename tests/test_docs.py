"""The spec site: generated pages cover the whole spec, and the site builds with -W.

The fast tests call the docs extension's render functions directly. One test
builds the full site (as ``make docs`` does) into a temporary directory, so
a docs break fails the normal suite too.
"""

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from docutils import nodes
from pydantic import BaseModel
from site_kit import build_site

from reference.effects import Effect, Emit, StartTimer
from reference.engine import Event, Machine
from spec.v1 import errors as E
from spec.v1.errors import ERROR_CODES
from spec.v1.machine import MachineTable
from spec.v1.registry import ALL_MODELS

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PROSE = REPO / "spec" / "v1" / "prose"


def _load(name: str) -> ModuleType:
    """Import a module or package of docs/_ext by path, without touching sys.path."""
    if name in sys.modules:
        return sys.modules[name]
    path = DOCS / "_ext" / name
    if path.is_dir():  # a package: its submodules are then importable by their dotted names
        spec = importlib.util.spec_from_file_location(
            name, path / "__init__.py", submodule_search_locations=[str(path)]
        )
    else:
        spec = importlib.util.spec_from_file_location(name, path.with_suffix(".py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_load("peermarket_docs")
cli_help = importlib.import_module("peermarket_docs.cli_help")
envelope_example = importlib.import_module("peermarket_docs.envelope_example")
errors_table = importlib.import_module("peermarket_docs.errors_table")
field_types = importlib.import_module("peermarket_docs.field_types")
machine_diagrams = importlib.import_module("peermarket_docs.machine_diagrams")
message_reference = importlib.import_module("peermarket_docs.message_reference")
pysource = importlib.import_module("peermarket_docs.pysource")
example = _load("example_machine")


def _text(generated: list[nodes.Node]) -> str:
    return "\n".join(node.astext() for node in generated)


def _row_ids(generated: list[nodes.Node]) -> set[str]:
    return {anchor for top in generated for row in top.findall(nodes.row) for anchor in row["ids"]}


# ---------------------------------------------------------------- error codes


def test_error_table_contains_every_code() -> None:
    generated = errors_table.error_sections()
    text = _text(generated)
    for code in ERROR_CODES:
        assert code.code in text
        assert code.summary in text
        assert code.detail in text
    assert _row_ids(generated) == {errors_table.error_anchor(code.code) for code in ERROR_CODES}


def test_error_table_groups_by_category_in_taxonomy_order() -> None:
    grouped = errors_table.errors_by_category()
    assert [code for _, members in grouped for code in members] == sorted(
        ERROR_CODES, key=lambda c: [cat for cat, _ in grouped].index(c.category)
    )
    titles = [section[0].astext() for section in errors_table.error_sections()]
    assert titles == [category for category, _ in grouped]


# ---------------------------------------------------------------- messages


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_message_reference_lists_every_field(model: type[BaseModel]) -> None:
    generated = message_reference.message_sections()
    sections = {
        section["ids"][0]: section for top in generated for section in top.findall(nodes.section)
    }
    section = sections[message_reference.message_anchor(model)]
    if not model.model_fields:  # e.g. WireParams: an empty map, and the page says so
        assert not list(section.findall(nodes.table))
        assert "no fields" in section.astext().lower()
        return
    table = next(section.findall(nodes.table))
    first_column = [row[0].astext() for row in table.findall(nodes.row)][1:]
    assert first_column == list(model.model_fields)
    documented = field_types.model_fields(model)
    assert all(f.doc for f in documented), "every field needs an attribute docstring"


def test_value_type_bounds_come_from_the_types() -> None:
    text = _text(message_reference.value_type_nodes())
    assert "exactly 16 bytes" in text  # NodeId
    assert "0 to 2^63-1" in text  # Amount, Tick, SequenceNumber
    assert "0 to 10000" in text  # BasisPoints


# ---------------------------------------------------------------- machines


MACHINE_PATHS = [
    "example_machine.PROBER",
    "spec.v1.wire.TABLE",
    "spec.v1.overlay.TABLE",
    "spec.v1.auction.table.NODE_TABLE",
    "spec.v1.auction.table.SERVICE_TABLE",
    "spec.v1.sla.table.NODE_TABLE",
    "spec.v1.sla.table.AGREEMENT_TABLE",
]


def test_the_machine_paths_are_every_registered_table() -> None:
    from spec.v1.registry import TABLES

    shown = [pysource.import_object(path) for path in MACHINE_PATHS[1:]]
    assert shown == [table for protocol in TABLES for table in TABLES[protocol]]


@pytest.mark.parametrize("path", MACHINE_PATHS)
def test_machine_directive_shows_every_row_once(path: str) -> None:
    """A row that changes state is a label line on the one edge of its (source, target);
    a row that stays in its state is no loop but an entry, linking to its row, in the
    table under the diagram. Every row is shown, exactly once."""
    table: MachineTable = pysource.import_object(path)
    diagram = machine_diagrams.mermaid_state_diagram(table)
    ids = dict(re.findall(r'state "([^"]+)" as (\w+)', diagram))
    assert set(ids) == set(table.states)
    edges: dict[tuple[str, str], list[str]] = {}
    for line in diagram.splitlines():
        edge = re.fullmatch(r"\s*(\w+) --> (\w+) : (.*)", line)
        if edge:
            assert edge[1] != edge[2], "rows that stay in their state are not drawn as loops"
            assert (edge[1], edge[2]) not in edges, "one edge per (source, target)"
            edges[edge[1], edge[2]] = edge[3].split("<br>")
    for labels in edges.values():
        for label in labels:
            assert label and not re.search(r"[:;<>]", label), "mermaid ends a label at : or ;"
    moving = [row for row in table.transitions if row.source != row.target]
    assert sum(len(labels) for labels in edges.values()) == len(moving), "a line per row"

    generated = machine_diagrams.machine_nodes(table)
    anchors = _row_ids(generated)
    assert len(anchors) == len(table.transitions)
    links = [ref["refid"] for top in generated for ref in top.findall(nodes.reference)]
    for row in table.transitions:
        anchor = machine_diagrams.row_anchor(table, row)
        assert anchor in anchors
        if row.source == row.target:
            assert links.count(anchor) == 1, f"{row.id}: listed once, linking to its row"
        else:
            assert machine_diagrams.row_label(row) in edges[ids[row.source], ids[row.target]]
            assert anchor not in links
    for state, rows in machine_diagrams.stays(table).items():
        count = f"stays on {len(rows)} row"
        assert f"{ids[state]} : {count}" in diagram, f"{state} shows how many rows keep it"


def test_a_refusing_row_stays_and_names_its_code_linked_to_the_error_reference() -> None:
    from sphinx import addnodes

    table: MachineTable = pysource.import_object("spec.v1.auction.table.SERVICE_TABLE")
    refusing = [row for row in table.transitions if row.refuses]
    assert refusing, "the auction's service table has refusing rows"
    generated = machine_diagrams.machine_nodes(table)
    tables = [t for top in generated for t in top.findall(nodes.table)]
    staying = next(t for t in tables if "peermarket-machine-stays" in t["classes"])
    transitions = next(t for t in tables if "peermarket-machine" in t["classes"])
    xrefs = [x["reftarget"] for top in generated for x in top.findall(addnodes.pending_xref)]
    for row in refusing:
        assert row.source == row.target and row.refuses is not None
        assert xrefs.count(errors_table.error_anchor(row.refuses)) >= 2, row.id
        assert f"refuses {row.refuses}" in staying.astext()
        anchor = machine_diagrams.row_anchor(table, row)
        cells = next(r for r in transitions.findall(nodes.row) if anchor in r["ids"])
        assert cells[4].astext() == f"refuses {row.refuses}", row.id  # the action column
    assert f"{len(refusing)} of them refuse" in _text(generated)
    assert machine_diagrams.row_label(refusing[0]).endswith(f"refuses {refusing[0].refuses}")


def test_a_worked_trace_shows_upcalls_and_route_outputs(tmp_path: Path) -> None:
    from broken_iuts import kit

    worked_trace = importlib.import_module("peermarket_docs.worked_trace")
    trace = kit.auction_case()
    corpus = kit.write_corpus(tmp_path, [trace])
    text = _text(worked_trace.worked_trace_nodes(trace.content.header.case_id, corpus))
    assert "Required output 1 of 1, a route downcall to key 5e5e" in text
    assert "Input: the overlay's upcall update, arguments:" in text
    assert "Input: the overlay's upcall deliver, arguments:" in text
    assert '"frame": <<{' in text  # the upcall's inner frame, opened
    assert "Required output 1 of 4, to peer:" in text


def test_every_trigger_kind_has_a_place_in_the_stays_table() -> None:
    import typing

    from spec.v1.machine import TriggerKind

    assert set(machine_diagrams.TRIGGER_KINDS) == set(typing.get_args(TriggerKind))


def _prober(emit_extra: bool = False) -> Machine[dict[str, object]]:
    def send_ping(
        data: dict[str, object], _: object
    ) -> tuple[dict[str, object], tuple[Effect, ...]]:
        effects: tuple[Effect, ...] = (Emit("ping", None, b"n1"), StartTimer("probe_timeout", 10))
        if emit_extra:
            effects += (Emit("pong", None, b""),)
        return {**data, "nonce": b"n1"}, effects

    def same(data: dict[str, object], _: object) -> tuple[dict[str, object], tuple[Effect, ...]]:
        return data, ()

    return Machine(
        example.PROBER,
        guards={
            "nonce_matches": lambda data, payload: payload == data.get("nonce"),
            "retries_left": lambda data, _: int(data.get("retries", 0)) > 0,  # type: ignore[call-overload]
        },
        actions={
            "send_ping": send_ping,
            "record_alive": same,
            "record_suspect": same,
            "record_dead": same,
        },
    )


def test_example_machine_behaves_as_its_page_says() -> None:
    """docs/machines.md describes these outcomes of the example table."""
    machine = _prober()
    idle = machine.initial({"retries": 0})
    with pytest.raises(E.PeerMarketError) as refused:
        machine.step(idle, Event("message:pong", b"n1"))
    assert refused.value.code == E.MACHINE_NO_TRANSITION

    waiting, effects = machine.step(idle, Event("command:probe"))
    assert waiting.control == "waiting" and [type(e) for e in effects] == [Emit, StartTimer]
    with pytest.raises(E.PeerMarketError) as refused:
        machine.step(waiting, Event("message:pong", b"other"))
    assert refused.value.code == E.MACHINE_GUARD_REJECTED
    assert machine.step(waiting, Event("message:pong", b"n1"))[0].control == "idle"

    suspect, _ = machine.step(waiting, Event("timer:probe_timeout"))
    assert machine.select(suspect, Event("command:probe")).id == "give_up"
    hopeful = type(suspect)(suspect.control, {**suspect.data, "retries": 1})
    assert machine.select(hopeful, Event("command:probe")).id == "reprobe"

    with pytest.raises(E.EngineError) as bug:
        _prober(emit_extra=True).step(idle, Event("command:probe"))
    assert bug.value.code == E.ENGINE_ILLEGAL_EMIT


# ---------------------------------------------------------------- CLI, example, prose


def test_cli_page_covers_every_command() -> None:
    from conformance.cli import main

    text = _text(cli_help.cli_sections(main, "peermarket"))
    assert "Usage: peermarket spec export" in text
    assert "Usage: peermarket selfcheck" in text
    assert str(REPO) not in text, "no machine-specific paths on the site"


def test_envelope_example_shows_a_frame_that_opens() -> None:
    from reference.envelope import open_envelope

    blocks = [
        n
        for top in envelope_example.envelope_example_nodes()
        for n in top.findall(nodes.literal_block)
    ]
    frame_hex = "".join(blocks[-2].astext().split())  # the frame's hex precedes the signature
    opened = open_envelope(bytes.fromhex(frame_hex))
    assert opened.envelope.sender.hex() in _text(envelope_example.envelope_example_nodes())


def test_every_prose_file_is_included_once() -> None:
    """One source of truth: each normative prose file appears on the site, verbatim."""
    pages = {p.name: p.read_text("utf-8") for p in DOCS.glob("*.md")}
    for prose in sorted(PROSE.glob("*.md")):
        directive = f"```{{include}} ../spec/v1/prose/{prose.name}"
        including = [name for name, text in pages.items() if directive in text]
        assert including == [prose.name], f"{prose.name} included by {including}"


# ---------------------------------------------------------------- the whole site


def test_site_builds_with_no_warnings(tmp_path: Path) -> None:
    """What `make docs` runs, into a temporary directory."""
    result = build_site(tmp_path)
    out = tmp_path / "html"
    assert result.returncode == 0, result.stderr
    errors_page = (out / "errors.html").read_text("utf-8")
    for code in ERROR_CODES:
        assert f'id="{errors_table.error_anchor(code.code)}"' in errors_page
    assert 'class="mermaid"' in (out / "machines.html").read_text("utf-8")
