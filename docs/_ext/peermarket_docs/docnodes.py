"""Docutils node builders shared by every generated page: paragraphs, literals, tables.

Docstrings and spec text use reST-style literals (````code````, ```code```,
``:role:`code```); :func:`inline` turns them into literal nodes so the site
shows them as code whatever the page's own markup is.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Iterable, Sequence

from docutils import nodes

Cell: typing.TypeAlias = str | nodes.Node | Sequence[nodes.Node]


def inline(text: str) -> list[nodes.Node]:
    """Plain text with ``code``, `code` and :role:`code` rendered as literals."""
    out: list[nodes.Node] = []
    pos = 0
    for match in re.finditer(r"(?::[a-z:]+:)?``?([^`]+)``?", text):
        if match.start() > pos:
            out.append(nodes.Text(text[pos : match.start()]))
        out.append(nodes.literal(text=match.group(1).lstrip("~")))
        pos = match.end()
    if pos < len(text):
        out.append(nodes.Text(text[pos:]))
    return out


def para(*children: nodes.Node | str) -> nodes.paragraph:
    """A paragraph of plain strings and inline nodes, in order."""
    paragraph = nodes.paragraph()
    for child in children:
        paragraph += nodes.Text(child) if isinstance(child, str) else child
    return paragraph


def paras(doc: str) -> list[nodes.Node]:
    """A docstring as paragraphs (blank lines separate them)."""
    text = inspect.cleandoc(doc)
    return [para(*inline(" ".join(p.split()))) for p in re.split(r"\n\s*\n", text) if p.strip()]


def lit(text: str) -> nodes.literal:
    """Inline code."""
    return nodes.literal(text=text)


def _cell(value: Cell) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(value, str):
        entry += para(value) if value else nodes.paragraph()
    elif isinstance(value, nodes.Node):
        entry += value if not isinstance(value, nodes.Inline | nodes.Text) else para(value)
    else:
        entry += para(*value)
    return entry


def data_table(
    headers: Sequence[str],
    rows: Iterable[tuple[Sequence[Cell], str | None]],
    widths: Sequence[int],
    classes: Sequence[str] = (),
) -> nodes.table:
    """A docutils table; each row is (cells, optional anchor id)."""
    table = nodes.table(classes=["peermarket-table", *classes])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for header in headers:
        row += _cell(header)
    head += row
    group += head
    body = nodes.tbody()
    for cells, anchor in rows:
        row = nodes.row(ids=[anchor] if anchor else [])
        for value in cells:
            row += _cell(value)
        body += row
    group += body
    return table


def titled_section(anchor: str, *title: nodes.Node | str) -> nodes.section:
    """A section whose anchor is also its name, so the directives can label it for ``{ref}``."""
    section = nodes.section(ids=[anchor], names=[anchor])
    heading = nodes.title()
    for part in title:
        heading += nodes.Text(part) if isinstance(part, str) else part
    section += heading
    return section


def literal_block(text: str, language: str = "text") -> nodes.literal_block:
    """A code block; ``language`` picks the highlighter."""
    block = nodes.literal_block(text, text)
    block["language"] = language
    return block
