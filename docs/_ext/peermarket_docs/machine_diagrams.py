"""State-machine pages: a mermaid diagram and the transition table of a ``MachineTable``.

How a machine is drawn, so that large tables stay readable:

- the diagram has one edge per *move*, a (source, target) pair with
  ``source != target``; its label has one line per row of that pair, in
  table order (``kind name [guard] / emits``);
- rows that stay in their state (``source == target``) are not drawn as
  loops, which pile up unreadably on a busy state (the overlay's ``active``
  has over twenty). Each such state says in the diagram how many rows keep
  it there, and a compact table under the diagram lists them by trigger,
  each entry linking to its row of the transition table.

Every row is thus shown exactly once: on an edge or in the stays table. A
row that *refuses* (rejects the input with an error code, changing nothing)
always stays in its state: its stays-table entry and its action cell say
``refuses <code>``, linking to the code in the error reference.
Small machines (:data:`LEFT_TO_RIGHT_UP_TO` states) are laid out left to
right, larger ones top down.

The diagrams are drawn in the browser by the mermaid build vendored in
``docs/_static/vendor/mermaid`` (see ``docs/_vendor/fetch-mermaid.sh``),
loaded as a classic script so that pages render offline and from
``file://``. :func:`setup` (this module is also a Sphinx extension, listed
in ``docs/conf.py``) replaces sphinxcontrib-mermaid's page script, which
imports an ES module from a CDN.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinxcontrib.mermaid import mermaid

from peermarket_docs.docnodes import data_table, inline, lit, para, paras
from peermarket_docs.errors_table import error_anchor
from spec.v1.machine import MachineTable, Transition

TRIGGER_KINDS = ("message", "timer", "command", "upcall", "downcall")
"""Every kind of trigger (``spec.v1.machine.TriggerKind``), in the order the stays table
lists them."""

LEFT_TO_RIGHT_UP_TO = 3
"""Machines with at most this many states are drawn left to right: one row fits the
column at full size, and the labels of two opposite moves sit on either side
of them rather than side by side, where mermaid's layout can overlap them.
Larger machines are drawn top down."""

MERMAID_JS = "vendor/mermaid/mermaid.min.js"
"""The vendored mermaid build, relative to ``_static``."""
INIT_JS = "peermarket-mermaid.js"
"""The classic script that renders the page's diagrams with it."""


def _mermaid_text(text: str) -> str:
    """Mermaid ends a transition label at ``:`` or ``;``, a state name at ``"``, and
    reads ``#``, ``<`` and ``>`` as entities and markup (labels join lines with ``<br>``)."""
    return re.sub(r"[:;\"#\n<>]+", " ", text).strip()


def code(text: str) -> nodes.literal:
    """Inline code that may wrap after ``_``, ``:`` or ``.`` (and nowhere else, unless it must).

    Empty ``peermarket-wbr`` spans mark the break points; the site's CSS gives
    each a zero-width space as generated content, which the browser may break
    at but which is neither copied nor searched, and ``astext()`` is unchanged.
    """
    literal = nodes.literal()
    pieces = re.findall(r"[^_:.]+[_:.]*|[_:.]+", text)
    for i, piece in enumerate(pieces):
        if i:
            literal += nodes.inline(classes=["peermarket-wbr"])
        literal += nodes.Text(piece)
    return literal


def row_anchor(table: MachineTable, row: Transition) -> str:
    """The id of a row of the transition table (``transition-<table>-<row>``)."""
    return f"transition-{nodes.make_id(table.name)}-{nodes.make_id(row.id)}"


def row_label(row: Transition) -> str:
    """One row as a diagram label line: ``kind name [guard] / emits`` (``... refuses code``
    for a refusing row)."""
    label = f"{row.trigger.kind} {row.trigger.name}"
    if row.guard:
        label += f" [{row.guard}]"
    if row.emits:
        label += " / " + ", ".join(row.emits)
    if row.refuses:
        label += f" refuses {row.refuses}"
    return _mermaid_text(label)


def refusal(code_name: str) -> list[nodes.Node]:
    """``refuses <code>``, the code linking to its row of the error reference."""
    link = addnodes.pending_xref(
        "",
        code(code_name),
        refdomain="std",
        reftype="ref",
        reftarget=error_anchor(code_name),
        refexplicit=True,
    )
    return [nodes.Text("refuses "), link]


def moves(table: MachineTable) -> dict[tuple[str, str], list[Transition]]:
    """The rows that change state, by (source, target), in first-row order."""
    found: dict[tuple[str, str], list[Transition]] = {}
    for row in table.transitions:
        if row.source != row.target:
            found.setdefault((row.source, row.target), []).append(row)
    return found


def stays(table: MachineTable) -> dict[str, list[Transition]]:
    """The rows that keep their state, by state, in table order."""
    found: dict[str, list[Transition]] = {}
    for row in table.transitions:
        if row.source == row.target:
            found.setdefault(row.source, []).append(row)
    return found


def mermaid_state_diagram(table: MachineTable) -> str:
    """A mermaid ``stateDiagram-v2``: one edge per move, its rows one label line each.

    Rows that stay in their state are not edges: a state with such rows
    carries their count, and :func:`stays_table` lists them.
    """
    ids = {state: f"s{i}" for i, state in enumerate(table.states)}
    staying = stays(table)
    lines = ["stateDiagram-v2"]
    if len(table.states) <= LEFT_TO_RIGHT_UP_TO:
        lines.append("    direction LR")
    for state in table.states:
        lines.append(f'    state "{_mermaid_text(state)}" as {ids[state]}')
        if state in staying:
            count = len(staying[state])
            lines.append(f"    {ids[state]} : stays on {count} row{'s' if count > 1 else ''}")
    lines.append(f"    [*] --> {ids[table.initial]}")
    for (source, target), rows in moves(table).items():
        label = "<br>".join(row_label(row) for row in rows)
        lines.append(f"    {ids[source]} --> {ids[target]} : {label}")
    return "\n".join(lines) + "\n"


def _by_trigger(rows: list[Transition]) -> Iterator[tuple[str, list[Transition]]]:
    """Rows grouped by trigger kind (:data:`TRIGGER_KINDS`), table order inside."""
    for kind in TRIGGER_KINDS:
        of_kind = [row for row in rows if row.trigger.kind == kind]
        if of_kind:
            yield kind, of_kind


def stays_table(table: MachineTable) -> nodes.table | None:
    """The rows that keep their state, one table row per (state, trigger kind).

    Each entry is the trigger's name, linking to its row of the transition
    table; where several rows share a trigger (tried in table order), each
    entry adds its guard; a refusing row's entry adds ``refuses <code>``.
    """
    staying = stays(table)
    if not staying:
        return None
    rows = []
    for state in table.states:
        for kind, of_kind in _by_trigger(staying.get(state, [])):
            shared = Counter(row.trigger.name for row in of_kind)
            entries: list[nodes.Node] = []
            for i, row in enumerate(of_kind):
                if i:
                    entries.append(nodes.Text(", "))
                text = row.trigger.name
                if shared[row.trigger.name] > 1:
                    text += f" [{row.guard or 'always'}]"
                entries.append(
                    nodes.reference(
                        "",
                        "",
                        code(text),
                        internal=True,
                        refid=row_anchor(table, row),
                        reftitle=f"row {row.id}",
                    )
                )
                if row.refuses:
                    entries += [nodes.Text(" "), *refusal(row.refuses)]
            rows.append(([para(code(state)), kind, para(*entries)], None))
    return data_table(
        ["stays in", "on a", "trigger (each links to its row)"],
        rows,
        [12, 10, 78],
        ["peermarket-machine-stays"],
    )


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
    staying = stays_table(table)
    if staying is not None:
        count = sum(len(rows) for rows in stays(table).values())
        refusing = sum(1 for row in table.transitions if row.refuses)
        refused = (
            f" {refusing} of them refuse{'s' if refusing == 1 else ''} the input with an error "
            "code, changing nothing."
            if refusing
            else ""
        )
        caption = para(
            f"{count} row{'s' if count > 1 else ''} keep their state and are not drawn as "
            "loops: the diagram shows how many rows a state stays on, and this table "
            f"lists them.{refused}"
        )
        shown: list[nodes.Node] = [diagram, caption, staying]
    else:
        shown = [diagram]
    rows = []
    for row in table.transitions:
        emits: list[nodes.Node] = []
        for i, emit in enumerate(row.emits):
            emits += [nodes.Text(", ")] if i else []
            emits.append(code(emit))
        rows.append(
            (
                [
                    para(code(row.id)),
                    para(code(row.source)),
                    para(code(row.trigger.key)),
                    para(code(row.guard)) if row.guard else "always",
                    para(code(row.action))
                    if row.action
                    else para(*refusal(row.refuses))
                    if row.refuses
                    else "none",
                    para(code(row.target)),
                    emits or "nothing",
                    para(*inline(row.note)),
                ],
                row_anchor(table, row),
            )
        )
    headers = ["id", "source", "trigger", "guard", "action", "target", "may emit", "note"]
    # Given widths (a colgroup, laid out fixed by the site's CSS) keep every
    # column, the note above all, on the page however long the literals are.
    widths = [12, 10, 11, 12, 12, 10, 13, 20]
    table_node = data_table(headers, rows, widths, ["peermarket-machine", "colwidths-given"])
    return [*paras(doc), para(*states), *shown, table_node]


# ---------------------------------------------------------------- the page scripts


def _add_mermaid_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """On pages with a diagram: the vendored mermaid, then the script that runs it."""
    if doctree is None or doctree.next_node(mermaid) is None:
        return
    app.add_js_file(MERMAID_JS, loading_method="defer")
    app.add_js_file(INIT_JS, loading_method="defer")


def setup(app: Sphinx) -> dict[str, Any]:
    """Render mermaid diagrams with the vendored build instead of the CDN's ES module."""
    from sphinxcontrib.mermaid import install_js

    app.setup_extension("sphinxcontrib.mermaid")
    listeners = [
        listener
        for listener in app.events.listeners.get("html-page-context", [])
        if listener.handler is install_js
    ]
    if not listeners:
        raise ExtensionError(
            "peermarket_docs.machine_diagrams: sphinxcontrib.mermaid's install_js is not "
            "connected, so its CDN script cannot be replaced; check the installed version"
        )
    for listener in listeners:
        app.disconnect(listener.id)
    app.connect("html-page-context", _add_mermaid_scripts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
