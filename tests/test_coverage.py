"""Transition coverage: every row of every spec machine table fires in some corpus trace.

The corpus is replayed through the reference in process with
``Machine.select`` observed (never modified): a row counts when it was
selected for a step that the node then accepted, and a refusing row when it
was selected for a step the node then rejected with the row's own code, or,
in a whole stack, for a caused event the stack then dropped. Any row no trace
fires fails the test, and the uncovered rows are printed.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import tracefile
from conformance.cli_corpus import CORPUS_DIR
from reference.engine import Event, Machine, MachineState
from reference.identity import Identity
from reference.node import create, handle
from reference.roles import ROLES
from spec.v1.errors import PeerMarketError
from spec.v1.machine import MachineTable, Transition
from spec.v1.registry import STACKS, TABLES


def fired_by_level(
    monkeypatch: pytest.MonkeyPatch, root: Path = CORPUS_DIR
) -> dict[str, set[tuple[str, str]]]:
    """Per node protocol (a level: ``auction`` alone, ``auction_stack``...), the (table
    name, row id) of every transition that fired in an accepted corpus step."""
    selected: list[tuple[str, Transition]] = []
    original: Callable[..., Transition] = Machine.select

    def observed(self: Machine[Any], state: MachineState[Any], event: Event) -> Transition:
        row = original(self, state, event)
        selected.append((self.table.name, row))
        return row

    monkeypatch.setattr(Machine, "select", observed)
    covered: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(root.rglob(f"*{tracefile.TRACE_SUFFIX}")):
        trace = tracefile.read_trace(path)
        setups = {setup.name: setup for setup in trace.content.header.nodes}
        nodes = {
            name: create(ROLES[setup.protocol], Identity.from_seed(setup.seed), setup.params)
            for name, setup in setups.items()
        }
        for step in trace.content.steps:
            level = covered.setdefault(setups[step.node].protocol, set())
            selected.clear()
            try:
                nodes[step.node], _ = handle(nodes[step.node], step.at, step.input)
            except PeerMarketError as exc:
                level.update(
                    (name, row.id) for name, row in selected if row.refuses == exc.code.code
                )
                continue
            # In a whole stack, a caused event (an upcall the overlay makes) that a refusing row
            # refused is dropped and the input is still taken: that row fired, as a refusal
            # the stack dropped. Alone, an accepted step selects no refusing row.
            level.update((name, row.id) for name, row in selected)
    return covered


def fired_rows(monkeypatch: pytest.MonkeyPatch, root: Path = CORPUS_DIR) -> set[tuple[str, str]]:
    """(table name, row id) of every transition that fired in an accepted corpus step."""
    return set().union(*fired_by_level(monkeypatch, root).values())


def _all_tables() -> list[MachineTable]:
    return [table for protocol in sorted(TABLES) for table in TABLES[protocol]]


def test_every_role_machine_is_a_registered_table() -> None:
    names = [table.name for table in _all_tables()]
    assert len(names) == len(set(names)), "two registered tables share a name"
    assert set(ROLES) == set(TABLES) | set(STACKS)
    for protocol, role in ROLES.items():
        parts = STACKS.get(protocol, (protocol,))
        wanted = tuple(table for part in parts for table in TABLES[part])
        assert role.machine.tables == wanted, f"{protocol}: not the spec's TABLES"


def test_every_transition_of_every_table_fires(monkeypatch: pytest.MonkeyPatch) -> None:
    covered = fired_rows(monkeypatch)
    tables = _all_tables()
    assert tables, "no machine tables registered"
    rows = [(table.name, row) for table in tables for row in table.transitions]
    uncovered = [(name, row) for name, row in rows if (name, row.id) not in covered]
    report = "\n".join(
        f"  {name}.{row.id}: {row.source} --{row.trigger.key}"
        f"{f' [{row.guard}]' if row.guard else ''}--> {row.target}"
        for name, row in uncovered
    )
    percent = 100 * (len(rows) - len(uncovered)) / len(rows)
    print(f"transition coverage: {len(rows) - len(uncovered)}/{len(rows)} rows ({percent:.0f}%)")
    assert not uncovered, f"transition coverage {percent:.0f}%, uncovered rows:\n{report}"


def test_coverage_notices_an_uncovered_row(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Guard against a vacuous check: without the traces that fire a row, it is uncovered."""
    only = tmp_path / "wire" / "ping" / "answer-001.cbor"
    only.parent.mkdir(parents=True)
    only.write_bytes((CORPUS_DIR / "wire" / "ping" / "answer-001.cbor").read_bytes())
    assert fired_rows(monkeypatch, tmp_path) == {("wire.node", "answer_ping")}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_every_application_row_fires_at_both_levels(
    monkeypatch: pytest.MonkeyPatch, stack: str
) -> None:
    """An application's tables are covered alone and as a whole stack (``stack.md``)."""
    by_level = fired_by_level(monkeypatch)
    application = STACKS[stack][1]
    for level in (application, stack):
        fired = by_level.get(level, set())
        missing = [
            f"{table.name}.{row.id}"
            for table in TABLES[application]
            for row in table.transitions
            if (table.name, row.id) not in fired
        ]
        assert not missing, f"{level}: rows no {level} case fires: {missing}"


def test_coverage_is_counted_per_level(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A whole-stack case counts for its own level only, and fires both protocols' rows."""
    only = tmp_path / "auction" / "stack" / "payload-departed-001.cbor"
    only.parent.mkdir(parents=True)
    source = CORPUS_DIR / "auction" / "stack" / "payload-departed-001.cbor"
    only.write_bytes(source.read_bytes())
    by_level = fired_by_level(monkeypatch, tmp_path)
    assert set(by_level) == {"auction_stack"}
    assert ("overlay.node", "payload_departed") in by_level["auction_stack"]
    assert ("auction.service", "locate") in by_level["auction_stack"]
