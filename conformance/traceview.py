"""Traces for people: a terminal rendering and a JSON rendering of one trace.

Both decode what a trace carries as bytes (frames, their bodies, command
arguments, states) strictly, as an implementation would, and show either the
value or where and why it does not decode, so a reader of a negative case sees
the defect. Reading and validating trace files is :mod:`conformance.tracefile`'s
job; the ``peermarket trace show`` command (:mod:`conformance.cli_corpus`)
prints what this module renders.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import cbor2
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from conformance.tracefile import MAX_TRACE_FILE_BYTES, content_hash, validate_trace
from reference import cbor
from reference.identity import Identity
from spec.v1.envelope import MAX_FRAME_BYTES
from spec.v1.errors import BY_CODE, PeerMarketError
from spec.v1.flags import BY_NAME
from spec.v1.trace import Command, Deliver, FireTimer, Input, Trace

_ABBREVIATE_AT: Final = 48
"""Byte strings longer than this are abbreviated in the terminal rendering."""


# --------------------------------------------------------------------------------------------
# Decoded views, shared by the terminal and the JSON renderings


@dataclass(frozen=True)
class Decoded:
    """A CBOR field decoded for reading: the value, or why it does not decode."""

    value: cbor.Value = None
    error: PeerMarketError | None = None


def decode_for_display(data: bytes) -> Decoded:
    """Strictly decode ``data`` (with no size limit beyond the file's), keeping the error."""
    try:
        return Decoded(cbor.decode(data, max_size=MAX_TRACE_FILE_BYTES))
    except PeerMarketError as exc:
        return Decoded(error=exc)


@dataclass(frozen=True)
class FrameView:
    """A frame as a reader sees it: the envelope's fields and its body's, where they decode."""

    envelope: Decoded
    body: Decoded | None
    """The body's decoding, when the envelope is a map whose ``body`` is a byte string."""


def view_frame(frame: bytes) -> FrameView:
    envelope = decode_for_display(frame)
    body = None
    if isinstance(envelope.value, Mapping) and isinstance(envelope.value.get("body"), bytes):
        raw = envelope.value["body"]
        assert isinstance(raw, bytes)
        body = decode_for_display(raw)
    return FrameView(envelope, body)


def node_names(trace: Trace) -> dict[bytes, str]:
    """Node id -> trace-local name, for the nodes under test and the named peers."""
    names = {
        Identity.from_seed(node.seed).node_id: node.name for node in trace.content.header.nodes
    }
    for peer in trace.content.header.peers:
        names.setdefault(peer.node_id, peer.name)
    return names


def _error_json(exc: PeerMarketError) -> dict[str, str]:
    return {"code": exc.code.code, "field": exc.field, "reason": exc.reason}


def value_json(value: cbor.Value) -> Any:
    """A decoded CBOR value as JSON: byte strings become lowercase hex."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {k: value_json(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [value_json(v) for v in value]
    return value


def _decoded_json(decoded: Decoded) -> dict[str, Any]:
    if decoded.error is not None:
        return {"error": _error_json(decoded.error)}
    return {"value": value_json(decoded.value)}


def _frame_json(frame: bytes) -> dict[str, Any]:
    view = view_frame(frame)
    rendered: dict[str, Any] = {"size": len(frame), "envelope": _decoded_json(view.envelope)}
    if view.body is not None:
        rendered["body"] = _decoded_json(view.body)
    return rendered


def trace_json(trace: Trace, path: Path | None = None) -> dict[str, Any]:
    """A JSON rendering for tools and people: the trace (bytes as hex) plus decoded views.

    Shape: ``file``, ``content_hash``, ``content_hash_valid``, ``problems`` (from
    :func:`validate_trace`), ``header`` (the header, with ``flags`` expanded to
    ``{name, bug_type, description}`` and each node's ``node_id``), and ``steps``,
    each with its input and expectations as in the trace plus ``decoded`` views
    (``{"value": ...}`` or ``{"error": {code, field, reason}}``) and the expected
    error's ``summary``.
    """
    header = trace.content.header
    names = node_names(trace)
    header_json: dict[str, Any] = header.model_dump(mode="json")
    header_json["flags"] = [
        {
            "name": flag,
            "bug_type": BY_NAME[flag].bug_type if flag in BY_NAME else None,
            "description": BY_NAME[flag].description if flag in BY_NAME else None,
        }
        for flag in header.flags
    ]
    for node_json, node in zip(header_json["nodes"], header.nodes, strict=True):
        node_json["node_id"] = Identity.from_seed(node.seed).node_id.hex()
        node_json["params_decoded"] = _decoded_json(decode_for_display(node.params))
    steps: list[dict[str, Any]] = []
    for number, step in enumerate(trace.content.steps, start=1):
        step_json: dict[str, Any] = {"step": number, **step.model_dump(mode="json")}
        item = step.input
        if isinstance(item, Deliver):
            step_json["input"]["link_name"] = names.get(item.link)
            step_json["input"]["decoded"] = _frame_json(item.frame)
        elif isinstance(item, Command):
            step_json["input"]["decoded"] = _decoded_json(decode_for_display(item.args))
        expect_json = step_json["expect"]
        for output_json, output in zip(expect_json["outputs"], step.expect.outputs, strict=True):
            output_json["to_name"] = names.get(output.to)
            output_json["decoded"] = _frame_json(output.frame)
        if step.expect.error is not None:
            code = BY_CODE.get(step.expect.error)
            expect_json["error_summary"] = code.summary if code else None
        if step.expect.state is not None:
            expect_json["state_decoded"] = _decoded_json(decode_for_display(step.expect.state))
        steps.append(step_json)
    return {
        "file": None if path is None else str(path),
        "content_hash": trace.content_hash.hex(),
        "content_hash_valid": content_hash(trace) == trace.content_hash,
        "problems": [
            {"kind": p.kind, "step": p.step, "message": p.message}
            for p in validate_trace(trace, path)
        ],
        "header": header_json,
        "steps": steps,
    }


# --------------------------------------------------------------------------------------------
# Terminal rendering


class _Show:
    """Formats values for people: names for known node ids, text beside printable bytes."""

    def __init__(self, names: Mapping[bytes, str]) -> None:
        self.names = names

    def bytes_(self, data: bytes) -> str:
        name = self.names.get(data)
        if name is not None:
            return f"[bold]{escape(name)}[/] [dim]{data.hex()[:8]}…[/]"
        if len(data) > _ABBREVIATE_AT:
            return f"h'{data[:16].hex()}…{data[-4:].hex()}' [dim]({len(data)} bytes)[/]"
        shown = f"h'{data.hex()}'"
        if data and all(0x20 <= b < 0x7F for b in data):
            shown += f' [dim]"{escape(data.decode("ascii"))}"[/]'
        return shown

    def scalar(self, value: cbor.Value) -> str:
        if isinstance(value, bytes):
            return self.bytes_(value)
        if isinstance(value, bool) or value is None:
            return {True: "true", False: "false", None: "null"}[value]
        if isinstance(value, str):
            return escape(json.dumps(value))
        if isinstance(value, int):
            return str(value)
        if isinstance(value, tuple | list) and not value:
            return "[]"
        if isinstance(value, Mapping) and not value:
            return "{}"
        return ""

    def add(self, tree: Tree, label: str, value: cbor.Value) -> None:
        """Add ``label: value`` under ``tree``, nesting maps and arrays."""
        flat = self.scalar(value)
        if flat or not isinstance(value, tuple | list | Mapping):
            tree.add(f"[cyan]{label}[/] {flat}")
            return
        branch = tree.add(f"[cyan]{label}[/]")
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for key, item in items:
            self.add(branch, escape(key) if isinstance(key, str) else escape(f"[{key}]"), item)

    def add_any(self, tree: Tree, label: str, value: object) -> None:
        """Like :meth:`add` for what a lenient decoder returns (floats, tags, ...)."""
        if isinstance(value, Mapping):
            branch = tree.add(f"[cyan]{label}[/]")
            for key, item in value.items():
                self.add_any(branch, escape(key if isinstance(key, str) else repr(key)), item)
        elif isinstance(value, list | tuple) and value:
            branch = tree.add(f"[cyan]{label}[/]")
            for i, item in enumerate(value):
                self.add_any(branch, escape(f"[{i}]"), item)
        elif isinstance(value, bytes | str | int | bool) or value is None:
            tree.add(f"[cyan]{label}[/] {self.scalar(value) or '[]'}")
        else:
            tree.add(f"[cyan]{label}[/] [magenta]{escape(repr(value))}[/]")

    def decoded(self, tree: Tree, label: str, decoded: Decoded, raw: bytes) -> None:
        """``label: value``, or why ``raw`` does not decode, where, and a lenient reading."""
        if decoded.error is None:
            self.add(tree, label, decoded.value)
            return
        exc = decoded.error
        branch = tree.add(
            f"[cyan]{label}[/] [red]does not decode:[/] [bold]{exc.code.code}[/] at "
            f"{escape(exc.field or '$')} ({escape(exc.reason)})"
        )
        if not raw:
            branch.add("[dim](empty)[/]")
            return
        offset = exc.field.rsplit("@", 1)[1] if "@" in exc.field else ""
        if offset.isdigit() and int(offset) <= len(raw):
            at = int(offset)
            before, here, after = raw[max(0, at - 12) : at], raw[at : at + 4], raw[at + 4 : at + 12]
            branch.add(
                f"bytes around @{at}: [dim]{'…' if at > 12 else ''}{before.hex()}[/]"
                f"[bold red]{here.hex()}[/][dim]{after.hex()}{'…' if at + 12 < len(raw) else ''}[/]"
            )
        else:
            branch.add(f"[dim]{self.bytes_(raw)}[/]")
        lenient = _lenient(raw)
        if lenient is not None:
            self.add_any(branch, "[dim]read leniently, for orientation only[/]", lenient)

    def frame(self, tree: Tree, label: str, frame: bytes) -> None:
        view = view_frame(frame)
        size = f"{len(frame)} bytes"
        if len(frame) > MAX_FRAME_BYTES:
            size += f", [red]over MAX_FRAME_BYTES ({MAX_FRAME_BYTES})[/]"
        branch = tree.add(f"[cyan]{label}[/] [dim]({size})[/]")
        env = view.envelope
        if env.error is not None or not isinstance(env.value, Mapping):
            self.decoded(branch, "frame", env, frame)
            return
        for key, value in env.value.items():
            if key == "body" and view.body is not None and isinstance(value, bytes):
                protocol, type_ = env.value.get("protocol"), env.value.get("type")
                kind = "/".join(v if isinstance(v, str) else "?" for v in (protocol, type_))
                label = f"body ({kind}, {len(value)} bytes)"
                self.decoded(branch, label, view.body, value)
            else:
                self.add(branch, escape(key), value)


def _lenient(data: bytes) -> object | None:
    """cbor2's permissive reading of bytes the strict decoder refused (display only)."""
    if len(data) > MAX_TRACE_FILE_BYTES:
        return None
    try:
        value: object = cbor2.loads(data)
    except Exception:
        return None
    return value


def render_trace(trace: Trace, path: Path | None = None) -> RenderableType:
    """A rich renderable of the whole trace: header, flags, nodes, then every step."""
    header = trace.content.header
    names = node_names(trace)
    show = _Show(names)
    ok = content_hash(trace) == trace.content_hash

    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("case", f"[bold]{escape(header.case_id)}[/]")
    summary.add_row("description", escape(header.description))
    summary.add_row("tags", ", ".join(header.tags))
    summary.add_row(
        "protocol",
        f"{header.protocol} (spec {header.spec_version}, trace format {header.trace_format})",
    )
    summary.add_row(
        "generator", f"{escape(header.generator.name)} {escape(header.generator.version)}"
    )
    summary.add_row(
        "content hash",
        f"{trace.content_hash.hex()} " + ("[green]verified[/]" if ok else "[red]MISMATCH[/]"),
    )
    if path is not None:
        summary.add_row("file", escape(str(path)))
    parts: list[RenderableType] = [Panel(summary, title="trace", expand=False)]

    if header.flags:
        flags = Table(title="flags (what the case attacks)", show_lines=False)
        flags.add_column("flag")
        flags.add_column("bug type")
        flags.add_column("description")
        for name in header.flags:
            flag = BY_NAME.get(name)
            flags.add_row(
                name,
                flag.bug_type if flag else "[red]unknown[/]",
                escape(flag.description) if flag else "[red]not in the registry[/]",
            )
        parts.append(flags)

    cast = Table(title="nodes and peers")
    cast.add_column("name")
    cast.add_column("role")
    cast.add_column("node id")
    cast.add_column("set-up")
    for node in header.nodes:
        params = decode_for_display(node.params)
        shown = json.dumps(value_json(params.value)) if params.error is None else "undecodable"
        cast.add_row(
            node.name,
            f"under test ({node.protocol})",
            Identity.from_seed(node.seed).node_id.hex(),
            f"seed {node.seed.hex()[:16]}…, params {escape(shown)}",
        )
    for peer in header.peers:
        cast.add_row(peer.name, "peer", peer.node_id.hex(), "")
    parts.append(cast)

    for number, step in enumerate(trace.content.steps, start=1):
        parts.append(
            _render_step(
                show,
                number,
                step.node,
                step.at,
                step.note,
                step.input,
                step.expect.outputs,
                step.expect.error,
                step.expect.state,
            )
        )
    problems = validate_trace(trace, path)
    if problems:
        listing = Text()
        for p in problems:
            listing.append(f"{p}\n", style="red")
        parts.append(Panel(listing, title="problems", border_style="red", expand=False))
    return Group(*parts)


def _render_step(
    show: _Show,
    number: int,
    node: str,
    at: int,
    note: str,
    item: Input,
    outputs: Sequence[Any],
    error: str | None,
    state: bytes | None,
) -> Tree:
    title = f"[bold]step {number}[/]  node [bold]{escape(node)}[/] at tick {at}"
    if note:
        title += f"  [dim]— {escape(note)}[/]"
    tree = Tree(title)
    if isinstance(item, Deliver):
        inp = tree.add(f"[yellow]input[/] deliver over the link from {show.bytes_(item.link)}")
        show.frame(inp, "frame", item.frame)
    elif isinstance(item, Command):
        inp = tree.add(f"[yellow]input[/] command [bold]{escape(item.name)}[/]")
        show.decoded(inp, "args", decode_for_display(item.args), item.args)
    elif isinstance(item, FireTimer):
        tree.add(f"[yellow]input[/] timer [bold]{escape(item.name)}[/] fires")
    expect = tree.add("[yellow]expect[/]")
    if error is not None:
        code = BY_CODE.get(error)
        summary = escape(code.summary) if code else "[red]not in the error taxonomy[/]"
        expect.add(f"[red]error[/] [bold]{escape(error)}[/] — {summary}")
    elif not outputs:
        expect.add("accepted, no output")
    for i, output in enumerate(outputs, start=1):
        show.frame(expect, f"output {i} to {show.bytes_(output.to)}", output.frame)
    if state is not None:
        show.decoded(expect, "state", decode_for_display(state), state)
    return tree


def print_trace(console: Console, trace: Trace, path: Path | None = None) -> None:
    console.print(render_trace(trace, path))
