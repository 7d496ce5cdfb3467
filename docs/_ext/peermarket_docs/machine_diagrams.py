"""State-machine pages: a mermaid diagram and the transition table of a ``MachineTable``."""

from __future__ import annotations

import re

from docutils import nodes
from sphinxcontrib.mermaid import mermaid

from peermarket_docs.docnodes import data_table, inline, lit, para, paras
from spec.v1.machine import MachineTable


def _mermaid_text(text: str) -> str:
    """Mermaid ends a transition label at ``:`` or ``;`` and a state name at ``"``."""
    return re.sub(r"[:;\"#\n]+", " ", text).strip()


def mermaid_state_diagram(table: MachineTable) -> str:
    """A mermaid ``stateDiagram-v2`` drawn from a table: one edge per row."""
    ids = {state: f"s{i}" for i, state in enumerate(table.states)}
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(state)}" as {ids[state]}' for state in table.states]
    lines.append(f"    [*] --> {ids[table.initial]}")
    for row in table.transitions:
        label = f"{row.trigger.kind} {row.trigger.name}"
        if row.guard:
            label += f" [{row.guard}]"
        if row.emits:
            label += " / " + ", ".join(row.emits)
        lines.append(f"    {ids[row.source]} --> {ids[row.target]} : {_mermaid_text(label)}")
    return "\n".join(lines) + "\n"


def machine_nodes(table: MachineTable, doc: str = "") -> list[nodes.Node]:
    """The diagram and the transition table of one machine (after ``doc``, if any)."""
    states: list[nodes.Node | str] = [f"Table {table.name}: states "]
    for i, state in enumerate(table.states):
        states += [", " if i else "", lit(state)]
    states += ["; initial state ", lit(table.initial), "."]
    diagram = mermaid()
    diagram["code"] = mermaid_state_diagram(table)
    diagram["options"] = {}
    diagram["alt"] = f"State diagram of {table.name}"
    rows = []
    for row in table.transitions:
        emits: list[nodes.Node] = []
        for i, emit in enumerate(row.emits):
            emits += [nodes.Text(", ")] if i else []
            emits.append(lit(emit))
        rows.append(
            (
                [
                    para(lit(row.id)),
                    para(lit(row.source)),
                    para(lit(row.trigger.key)),
                    para(lit(row.guard)) if row.guard else "always",
                    para(lit(row.action)) if row.action else "none",
                    para(lit(row.target)),
                    emits or "nothing",
                    para(*inline(row.note)),
                ],
                f"transition-{nodes.make_id(table.name)}-{nodes.make_id(row.id)}",
            )
        )
    headers = ["id", "source", "trigger", "guard", "action", "target", "may emit", "note"]
    widths = [12, 10, 16, 12, 12, 10, 10, 18]
    table_node = data_table(headers, rows, widths, ["peermarket-machine"])
    return [*paras(doc), para(*states), diagram, table_node]
