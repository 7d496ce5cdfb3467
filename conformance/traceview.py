"""Traces for people: the terminal renderings of one trace, whole, outlined, or one step.

Every byte string a trace carries is shown decoded (strictly, as an
implementation would, by :mod:`conformance.tracedecode`), or with where and
why it does not decode, so a reader of a negative case sees the defect.
Three renderings share the same parts:

* :func:`print_trace`: the header, flags, nodes and every step in full
  (``peermarket trace show FILE``);
* :func:`print_outline`: the header, flags, nodes, then one line per step
  (``peermarket corpus show ID``);
* :func:`print_step`: the header and one step in full (``--step N``).

Steps are numbered from 1, as the conformance runner's failure reports number
them. Reading and validating trace files is :mod:`conformance.tracefile`'s job.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import cbor2
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from conformance.tracedecode import (
    Decoded,
    decode_for_display,
    node_names,
    state_digest,
    value_json,
    view_frame,
    view_upcall,
)
from conformance.tracefile import MAX_TRACE_FILE_BYTES, content_hash, validate_trace
from conformance.traceoutline import outline_lines
from reference import cbor
from reference.identity import Identity
from spec.v1.envelope import MAX_FRAME_BYTES
from spec.v1.errors import BY_CODE
from spec.v1.flags import BY_NAME
from spec.v1.trace import Command, Deliver, FireTimer, RouteOutput, Trace, Upcall

_ABBREVIATE_AT: Final = 48
"""Byte strings longer than this are abbreviated in the terminal rendering."""


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
        """Add ``label: value`` under ``tree``, nesting maps and arrays. A byte string under
        the key ``frame`` is an inner envelope (an upcall's, a ``submit``'s, a candidate's):
        it is decoded like any frame."""
        if label == "frame" and isinstance(value, bytes):
            self.frame(tree, label, value)
            return
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

    def upcall(self, tree: Tree, item: Upcall) -> None:
        """The upcall and its arguments; the inner frame of ``deliver`` and ``forward`` decoded
        like any frame; what makes the arguments invalid for the upcall, if anything."""
        branch = tree.add(f"[yellow]input[/] upcall [bold]{escape(item.name)}[/] from the overlay")
        view = view_upcall(item)
        if view.args.error is not None or not isinstance(view.args.value, Mapping):
            self.decoded(branch, "args", view.args, item.args)
        else:
            for key, value in view.args.value.items():
                self.add(branch, escape(key), value)
        if view.problem:
            branch.add(f"[red]{escape(view.problem)}[/]")


def _lenient(data: bytes) -> object | None:
    """cbor2's permissive reading of bytes the strict decoder refused (display only)."""
    if len(data) > MAX_TRACE_FILE_BYTES:
        return None
    try:
        value: object = cbor2.loads(data)
    except Exception:
        return None
    return value


# --------------------------------------------------------------------------------------------
# The parts


def render_summary(trace: Trace) -> Panel:
    """The header in a panel: case, description, tags, flags, protocol, generator, hash,
    steps."""
    header = trace.content.header
    ok = content_hash(trace) == trace.content_hash
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("case", f"[bold]{escape(header.case_id)}[/]")
    summary.add_row("description", escape(header.description))
    summary.add_row("tags", ", ".join(header.tags))
    if header.flags:
        summary.add_row("flags", escape(", ".join(header.flags)))
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
    summary.add_row("steps", str(len(trace.content.steps)))
    return Panel(summary, title="trace", expand=False)


def render_flags(trace: Trace) -> Table | None:
    """What the case attacks: each flag with its bug type and description (None if no flags)."""
    header = trace.content.header
    if not header.flags:
        return None
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
    return flags


PEERS_SHOWN: Final = 12
"""Peers the condensed views list; the rest are counted (``--json`` names them all)."""


def render_cast(trace: Trace, peers_shown: int | None = None) -> Table:
    """The nodes under test (name, protocol, node id, seed and params) and the named peers
    (the first ``peers_shown`` of them and a count of the rest, when given)."""
    header = trace.content.header
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
    listed = header.peers if peers_shown is None else header.peers[:peers_shown]
    for peer in listed:
        cast.add_row(peer.name, "peer", peer.node_id.hex(), "")
    if len(listed) < len(header.peers):
        cast.add_row("…", f"{len(header.peers) - len(listed)} more peers", "", "")
    return cast


def render_problems(trace: Trace, path: Path | None) -> Panel | None:
    """Every way the trace breaks the format, in a red panel (None when it is valid)."""
    problems = validate_trace(trace, path)
    if not problems:
        return None
    listing = Text()
    for p in problems:
        listing.append(f"{p}\n", style="red")
    return Panel(listing, title="problems", border_style="red", expand=False)


def render_step(trace: Trace, number: int) -> Tree:
    """Step ``number`` (1-based) in full: its input and everything it expects, decoded."""
    step = trace.content.steps[number - 1]
    show = _Show(node_names(trace))
    item, outputs, error, state = (
        step.input,
        step.expect.outputs,
        step.expect.error,
        step.expect.state,
    )
    title = f"[bold]step {number}[/]  node [bold]{escape(step.node)}[/] at tick {step.at}"
    if step.note:
        title += f"  [dim]— {escape(step.note)}[/]"
    tree = Tree(title)
    if isinstance(item, Deliver):
        inp = tree.add(f"[yellow]input[/] deliver over the link from {show.bytes_(item.link)}")
        show.frame(inp, "frame", item.frame)
    elif isinstance(item, Command):
        inp = tree.add(f"[yellow]input[/] command [bold]{escape(item.name)}[/]")
        show.decoded(inp, "args", decode_for_display(item.args), item.args)
    elif isinstance(item, FireTimer):
        tree.add(f"[yellow]input[/] timer [bold]{escape(item.name)}[/] fires")
    elif isinstance(item, Upcall):
        show.upcall(tree, item)
    expect = tree.add("[yellow]expect[/]")
    if error is not None:
        code = BY_CODE.get(error)
        summary = escape(code.summary) if code else "[red]not in the error taxonomy[/]"
        expect.add(f"[red]error[/] [bold]{escape(error)}[/] — {summary}")
    elif not outputs:
        expect.add("accepted, no output")
    for i, output in enumerate(outputs, start=1):
        if isinstance(output, RouteOutput):
            label = f"output {i} [bold]route[/] to key {show.bytes_(output.key)}"
        else:
            label = f"output {i} to {show.bytes_(output.to)}"
        show.frame(expect, label, output.frame)
    if state is not None:
        show.decoded(expect, "state", decode_for_display(state), state)
        expect.add(f"[cyan]state digest[/] sha256 {state_digest(state)}")
    return tree


# --------------------------------------------------------------------------------------------
# The three renderings


def _print_file(console: Console, path: Path | None) -> None:
    if path is not None:
        console.print(Text(f"file: {path}"), soft_wrap=True)


def _print_parts(console: Console, *parts: RenderableType | None) -> None:
    for part in parts:
        if part is not None:
            console.print(part)


def render_trace(trace: Trace, path: Path | None = None) -> RenderableType:
    """A rich renderable of the whole trace: header, flags, nodes, then every step."""
    parts: list[RenderableType | None] = [
        render_summary(trace),
        render_flags(trace),
        render_cast(trace),
    ]
    parts.extend(render_step(trace, n) for n in range(1, len(trace.content.steps) + 1))
    parts.append(render_problems(trace, path))
    return Group(*(part for part in parts if part is not None))


def print_trace(console: Console, trace: Trace, path: Path | None = None) -> None:
    """The file's path, then :func:`render_trace`."""
    _print_file(console, path)
    console.print(render_trace(trace, path))


def print_outline(
    console: Console, trace: Trace, path: Path | None = None, hint: str | None = None
) -> None:
    """The file's path, the header, flags and nodes, one line per step, then ``hint``."""
    _print_file(console, path)
    cast = render_cast(trace, PEERS_SHOWN)
    _print_parts(console, render_summary(trace), render_flags(trace), cast)
    for line in outline_lines(trace):
        console.print(Text(line), soft_wrap=True)
    _print_parts(console, render_problems(trace, path))
    if hint:
        console.print(Text(hint, style="dim"), soft_wrap=True)


def print_step(console: Console, trace: Trace, number: int, path: Path | None = None) -> None:
    """The file's path, the header and nodes, then step ``number`` (1-based) in full."""
    _print_file(console, path)
    cast = render_cast(trace, PEERS_SHOWN)
    _print_parts(console, render_summary(trace), cast, render_step(trace, number))
    _print_parts(console, render_problems(trace, path))
