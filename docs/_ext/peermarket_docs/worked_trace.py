"""A worked trace: one case of the corpus, rendered step by step when the site is built.

Read from the corpus file itself, never pasted, so the page shows exactly
what the runner replays: each step's input and the outputs, error and state
the node must produce, in CBOR diagnostic notation (RFC 8949 section 8, with
embedded CBOR as ``<<...>>`` and node ids named in ``/ comments /``), with
the frame's bytes in hex beneath.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from docutils import nodes

from peermarket_docs.diagnostic import diag_literal
from peermarket_docs.docnodes import data_table, lit, literal_block, para

_EMBEDDED = frozenset({"body", "frame"})
"""Fields whose bytes are themselves CBOR (an envelope's body, a routed frame)."""
_WIDTH = 76


def _count(size: int) -> str:
    return "1 byte" if size == 1 else f"{size:,} bytes"


def _hex_lines(data: bytes, per_line: int = 32) -> str:
    return "\n".join(data[i : i + per_line].hex() for i in range(0, len(data), per_line))


class _Notation:
    """Diagnostic notation that names the trace's nodes and opens embedded CBOR."""

    def __init__(self, names: Mapping[bytes, str]) -> None:
        self.names = names

    def scalar(self, value: object) -> str:
        text = diag_literal(value)
        if isinstance(value, bytes) and value in self.names:
            text += f" / {self.names[value]} /"
        return text

    def render(self, value: object, indent: int = 0, key: str | None = None) -> str:
        from reference import cbor

        pad = "  " * (indent + 1)
        if isinstance(value, bytes) and key in _EMBEDDED:
            try:
                inner = cbor.decode(value)
            except Exception:  # shown as bytes: a negative case's broken frame
                return self.scalar(value)
            return "<<" + self.render(inner, indent) + ">>"
        if isinstance(value, Mapping):
            items = [
                f"{diag_literal(k)}: {self.render(v, indent + 1, str(k))}" for k, v in value.items()
            ]
            brackets = "{}"
        elif isinstance(value, list | tuple):
            items = [self.render(v, indent + 1) for v in value]
            brackets = "[]"
        else:
            return self.scalar(value)
        flat = brackets[0] + ", ".join(items) + brackets[1]
        if "\n" not in flat and len(flat) + 2 * indent <= _WIDTH:
            return flat
        closing = "  " * indent + brackets[1]
        return brackets[0] + "\n" + ",\n".join(pad + i for i in items) + "\n" + closing


def _bytes_block(notation: _Notation, data: bytes, caption: str) -> list[nodes.Node]:
    """The decoded value, then its bytes in hex (folded away: a frame can be long)."""
    from reference import cbor

    try:
        shown = notation.render(cbor.decode(data))
    except Exception as exc:  # a negative case: say why it does not decode
        shown = f"(does not decode: {exc})"
    return [
        para(caption),
        literal_block(shown, "text"),
        nodes.raw("", f"<details><summary>{_count(len(data))} in hex</summary>", format="html"),
        literal_block(_hex_lines(data), "text"),
        nodes.raw("", "</details>", format="html"),
    ]


def worked_trace_nodes(case_id: str, corpus: Path) -> list[nodes.Node]:
    """Header, nodes, then every step of the case ``case_id`` of ``corpus``."""
    from conformance.tracefile import read_trace
    from reference.identity import Identity
    from spec.v1.trace import Command, Deliver, RouteOutput, Upcall

    path = corpus / f"{case_id}.cbor"
    trace = read_trace(path)
    header = trace.content.header
    names = {Identity.from_seed(n.seed).node_id: n.name for n in header.nodes}
    names.update({p.node_id: p.name for p in header.peers if p.node_id not in names})
    notation = _Notation(names)

    facts = [
        ("case", lit(header.case_id)),
        ("what it checks", header.description),
        ("tags", ", ".join(header.tags)),
        ("flags", ", ".join(header.flags) or "none"),
        ("file", lit(f"traces/v1/{case_id}.cbor")),
        ("content hash", lit(trace.content_hash.hex())),
    ]
    out: list[nodes.Node] = [
        data_table(["", ""], (([para(k), para(v)], None) for k, v in facts), [20, 80]),
    ]
    who = [
        (
            [para(lit(n.name)), para("under test: ", lit(n.protocol)), para(lit(key.hex()))],
            None,
        )
        for key, n in ((Identity.from_seed(n.seed).node_id, n) for n in header.nodes)
    ]
    who += [
        ([para(lit(p.name)), para("peer"), para(lit(p.node_id.hex()))], None) for p in header.peers
    ]
    out += [
        para(
            "Each node under test is created from its 32-byte seed and its parameters "
            "(the driver's ",
            lit("create_node"),
            "); the peers are the other identities that appear in the steps.",
        ),
        data_table(["name", "role", "node id"], who, [12, 28, 60]),
    ]
    for setup in header.nodes:
        out += _bytes_block(
            notation, setup.params, f"Parameters of {setup.name} (seed {setup.seed.hex()}):"
        )
    for number, step in enumerate(trace.content.steps, start=1):
        section = nodes.section(ids=[nodes.make_id(f"{case_id} step {number}")])
        title = nodes.title(text=f"Step {number}: node {step.node} at tick {step.at}")
        section += title
        given = step.input
        if isinstance(given, Deliver):
            sender = names.get(given.link, given.link.hex())
            section += _bytes_block(
                notation, given.frame, f"Input: a frame delivered over the link from {sender}."
            )
        elif isinstance(given, Command):
            section += _bytes_block(
                notation, given.args, f"Input: the local command {given.name}, arguments:"
            )
        elif isinstance(given, Upcall):
            section += _bytes_block(
                notation, given.args, f"Input: the overlay's upcall {given.name}, arguments:"
            )
        else:
            section += para("Input: the timer ", lit(given.name), " fires.")
        expect = step.expect
        if expect.error is not None:
            section += para(
                "Required: the node refuses the input with ",
                lit(expect.error),
                " and sends nothing.",
            )
        elif not expect.outputs:
            section += para("Required: the node sends nothing.")
        for i, output in enumerate(expect.outputs, start=1):
            of = f"Required output {i} of {len(expect.outputs)}"
            if isinstance(output, RouteOutput):
                key = names.get(output.key, output.key.hex())
                what = f"{of}, a route downcall to key {key}:"
            else:
                what = f"{of}, to {names.get(output.to, output.to.hex())}:"
            section += _bytes_block(notation, output.frame, what)
        if expect.state is not None:
            section += _bytes_block(notation, expect.state, "Required observable state after it:")
        if step.note:
            section += para("Note: ", step.note)
        out.append(section)
    return out
