"""Trace files: read, write, validate and render them, and build the corpus directory.

A trace file is the deterministic CBOR of one :class:`~spec.v1.trace.Trace`
(``spec/v1/prose/traces.md``). The corpus directory holds one file per case
at ``<case_id>.cbor`` and a ``MANIFEST.json`` naming every case with its
content hash and file hash. Everything here is plain functions over bytes and
models; the ``peermarket corpus`` and ``peermarket trace`` commands
(:mod:`conformance.cli_corpus`) do the terminal and file I/O around them.
"""

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import cbor2
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from reference import cbor
from reference.codec import encode_message, from_value
from reference.identity import Identity
from spec.v1 import SPEC_VERSION, WIRE_VERSION
from spec.v1.base import WireModel
from spec.v1.envelope import MAX_FRAME_BYTES
from spec.v1.errors import BY_CODE, PeerMarketError
from spec.v1.flags import BY_NAME
from spec.v1.registry import COMMANDS, OBSERVABLE, PARAMS, PROTOCOLS
from spec.v1.trace import TRACE_FORMAT, Command, Deliver, FireTimer, Input, Trace

TRACE_SUFFIX: Final = ".cbor"
MANIFEST_NAME: Final = "MANIFEST.json"
MANIFEST_FORMAT: Final = 1
MAX_TRACE_FILE_BYTES: Final = 64 << 20
"""Largest trace file read (frames may exceed MAX_FRAME_BYTES in oversized-frame cases)."""

_ABBREVIATE_AT: Final = 48
"""Byte strings longer than this are abbreviated in the terminal rendering."""


# --------------------------------------------------------------------------------------------
# Reading and writing


class TraceFileError(Exception):
    """A file that is not a trace: ``kind`` is ``io``, ``too_large`` or ``decode``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"[{kind}] {message}")
        self.kind = kind
        self.message = message


def encode_trace(trace: Trace) -> bytes:
    """The file bytes of a trace: its deterministic CBOR."""
    return encode_message(trace)


def decode_trace(data: bytes) -> Trace:
    """Strictly decode the bytes of a trace file (profile CBOR, closed models)."""
    try:
        return from_value(Trace, cbor.decode(data, max_size=MAX_TRACE_FILE_BYTES))
    except PeerMarketError as exc:
        raise TraceFileError("decode", f"not a trace: {exc}") from None


def read_trace(path: Path) -> Trace:
    """Read and strictly decode one trace file."""
    try:
        size = path.stat().st_size
        if size > MAX_TRACE_FILE_BYTES:
            raise TraceFileError("too_large", f"{size} bytes exceeds {MAX_TRACE_FILE_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise TraceFileError("io", f"cannot read: {exc.strerror or exc}") from None
    return decode_trace(data)


def content_hash(trace: Trace) -> bytes:
    """SHA-256 of the deterministic CBOR of the trace's content."""
    return hashlib.sha256(encode_message(trace.content)).digest()


def trace_path(root: Path, case_id: str) -> Path:
    """Where case ``case_id`` lives under the corpus root."""
    return root.joinpath(*case_id.split("/")).with_suffix(TRACE_SUFFIX)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class Problem:
    """One way a trace breaks the format: a stable ``kind``, a message, maybe a step (1-based)."""

    kind: str
    message: str
    step: int | None = None

    def __str__(self) -> str:
        where = f"step {self.step}: " if self.step is not None else ""
        return f"[{self.kind}] {where}{self.message}"


PROBLEM_KINDS: Final[Mapping[str, str]] = {
    "decode": "the file is not the deterministic CBOR of a trace",
    "content_hash": "content_hash is not SHA-256 of the content's deterministic CBOR",
    "trace_format": "a trace format this tool does not read",
    "spec_version": "a spec version whose major version is not this spec's",
    "case_id": "a case id with a positional (all-digit) segment",
    "path": "the file is not at <case_id>.cbor",
    "protocol": "a protocol the spec does not define",
    "flag": "a flag outside the flag registry, or repeated",
    "tag": "tags inconsistent with the steps (negative iff some step expects an error)",
    "error_code": "an error code outside the taxonomy, or one no IUT may be required to report",
    "node": "a step names a node the header does not set up, or names repeat",
    "time": "a step's tick is earlier than the previous step's for the same node",
    "expect": "an expectation the format forbids (outputs with an error; changed state)",
    "encoding": "embedded CBOR (params, accepted command args, state) that is not profile "
    "CBOR of the model the spec names for it",
}
"""Every problem kind :func:`validate_trace` reports, with what it means."""

_POSITIONAL: Final = re.compile(r"^[0-9]+$")


def case_id_of_path(path: Path, root: Path) -> str:
    """The case id a file at ``path`` under ``root`` must have."""
    return path.relative_to(root).with_suffix("").as_posix()


def validate_trace(
    trace: Trace, path: Path | None = None, root: Path | None = None
) -> list[Problem]:
    """Every way ``trace`` breaks the trace format (empty when it is valid).

    With ``root``, the file must be exactly ``root/<case_id>.cbor``; with only
    ``path``, its path must end with ``<case_id>.cbor``.
    """
    problems: list[Problem] = []
    content, header = trace.content, trace.content.header

    def problem(kind: str, message: str, step: int | None = None) -> None:
        problems.append(Problem(kind, message, step))

    digest = content_hash(trace)
    if digest != trace.content_hash:
        problem(
            "content_hash",
            f"file says {trace.content_hash.hex()}, content hashes to {digest.hex()}",
        )
    if header.trace_format != TRACE_FORMAT:
        problem(
            "trace_format", f"trace format {header.trace_format}; this tool reads {TRACE_FORMAT}"
        )
    if header.spec_version.split(".")[0] != str(WIRE_VERSION):
        problem(
            "spec_version", f"spec version {header.spec_version!r}; this is spec {SPEC_VERSION}"
        )
    segments = header.case_id.split("/")
    if any(_POSITIONAL.match(segment) for segment in segments):
        problem("case_id", f"case id {header.case_id!r} has an all-digit (positional) segment")
    if path is not None:
        if root is not None:
            try:
                expected = case_id_of_path(path, root)
            except ValueError:
                expected = None
            if expected != header.case_id:
                problem(
                    "path",
                    f"case id {header.case_id!r} must live at "
                    f"{trace_path(root, header.case_id)}, not {path}",
                )
        else:
            posix = path.absolute().as_posix()
            if not posix.endswith(f"/{header.case_id}{TRACE_SUFFIX}"):
                problem(
                    "path",
                    f"case id {header.case_id!r} must live at "
                    f"<corpus>/{header.case_id}{TRACE_SUFFIX}, not {path}",
                )
    for name in [header.protocol, *(node.protocol for node in header.nodes)]:
        if name not in PROTOCOLS:
            problem("protocol", f"protocol {name!r} is not defined by the spec ({PROTOCOLS})")
            break
    for flag in header.flags:
        if flag not in BY_NAME:
            problem("flag", f"flag {flag!r} is not in the flag registry")
    if len(set(header.flags)) != len(header.flags):
        problem("flag", f"flags repeat: {list(header.flags)}")
    if len(set(header.tags)) != len(header.tags):
        problem("tag", f"tags repeat: {list(header.tags)}")

    nodes = [node.name for node in header.nodes]
    if len(set(nodes)) != len(nodes):
        problem("node", f"node names repeat: {nodes}")
    peers = [peer.name for peer in header.peers]
    if len(set(peers)) != len(peers):
        problem("node", f"peer names repeat: {peers}")
    protocol_of = {node.name: node.protocol for node in header.nodes}
    for node in header.nodes:
        model = PARAMS.get(node.protocol)
        _check_encoded(node.params, model, f"params of node {node.name!r}", None, problem)

    negative = False
    last_at: dict[str, int] = {}
    last_state: dict[str, bytes] = {}
    for number, step in enumerate(content.steps, start=1):
        expect = step.expect
        if step.node not in nodes:
            problem("node", f"node {step.node!r} is not set up by the header", number)
        if step.at < last_at.get(step.node, 0):
            problem(
                "time",
                f"at {step.at} is before the node's previous step at {last_at[step.node]}",
                number,
            )
        last_at[step.node] = max(step.at, last_at.get(step.node, 0))
        protocol = protocol_of.get(step.node, "")
        if isinstance(step.input, Command) and expect.error is None:
            # An accepted command's arguments fit its model (a negative step's may not).
            command = COMMANDS.get((protocol, step.input.name))
            if command is None:
                problem(
                    "encoding",
                    f"command {step.input.name!r} is accepted, but {protocol!r} has no such "
                    "command",
                    number,
                )
            else:
                _check_encoded(step.input.args, command, "command args", number, problem)
        if expect.state is not None:
            state_model = OBSERVABLE.get(protocol)
            _check_encoded(expect.state, state_model, "expected state", number, problem)
        if expect.error is not None:
            negative = True
            code = BY_CODE.get(expect.error)
            if code is None:
                problem("error_code", f"error code {expect.error!r} is not in the taxonomy", number)
            elif code.category == "engine":
                problem(
                    "error_code",
                    f"{expect.error} reports a bug in an implementation's own code; no trace "
                    "may require it",
                    number,
                )
            if expect.outputs:
                problem("expect", f"expects error {expect.error} and outputs at once", number)
            previous = last_state.get(step.node)
            if expect.state is not None and previous is not None and expect.state != previous:
                problem("expect", "a rejected input must leave the state unchanged", number)
        if expect.state is not None:
            last_state[step.node] = expect.state

    if negative and "negative" not in header.tags:
        problem("tag", "a step expects an error but the tags lack 'negative'")
    if "negative" in header.tags and not negative:
        problem("tag", "tagged 'negative' but no step expects an error")
    if negative and "positive" in header.tags:
        problem("tag", "tagged 'positive' but a step expects an error")
    if negative and not header.flags:
        problem("flag", "a negative case must name at least one flag saying what it attacks")
    return problems


class _Report(Protocol):
    def __call__(self, kind: str, message: str, step: int | None = None) -> None: ...


def _check_encoded(
    data: bytes, model: type[WireModel] | None, what: str, step: int | None, problem: _Report
) -> None:
    """``data`` is profile CBOR and, when the spec names its model, an instance of it."""
    try:
        value = cbor.decode(data, max_size=MAX_TRACE_FILE_BYTES)
        if model is not None:
            from_value(model, value)
    except PeerMarketError as exc:
        problem("encoding", f"{what}: {exc}", step)


def validate_file(path: Path, root: Path | None = None) -> tuple[Trace | None, list[Problem]]:
    """Read and validate one file: the trace (when it decodes) and every problem found."""
    try:
        trace = read_trace(path)
    except TraceFileError as exc:
        return None, [Problem("decode", f"{exc.kind}: {exc.message}")]
    return trace, validate_trace(trace, path, root)


# --------------------------------------------------------------------------------------------
# The corpus: build in memory, compare with a directory, write


class SourceOfTraces(Protocol):
    """What :func:`build_corpus` needs of a generator (``reference.corpus.CorpusGenerator``)."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def generate(self) -> Iterable[Trace]: ...


class CorpusBuildError(Exception):
    """Generators that do not make a valid corpus; ``problems`` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class BuiltCase:
    case_id: str
    generator: str
    trace: Trace
    data: bytes


@dataclass(frozen=True)
class Corpus:
    """A corpus in memory: every file's path (relative, POSIX) and bytes, and its cases."""

    cases: tuple[BuiltCase, ...]
    files: Mapping[str, bytes]
    counts: tuple[tuple[str, str, int], ...]
    """(generator name, version, number of cases), in generator order."""


def build_corpus(generators: Sequence[SourceOfTraces]) -> Corpus:
    """Run every generator and lay out its traces and the manifest; raise on any problem."""
    problems: list[str] = []
    cases: list[BuiltCase] = []
    owner: dict[str, str] = {}
    counts: list[tuple[str, str, int]] = []
    names = [g.name for g in generators]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"generator name {dup!r} is used twice")
    for generator in generators:
        traces = tuple(generator.generate())
        counts.append((generator.name, generator.version, len(traces)))
        for trace in traces:
            case_id = trace.content.header.case_id
            made_by = trace.content.header.generator
            if (made_by.name, made_by.version) != (generator.name, generator.version):
                problems.append(
                    f"{case_id}: header names generator {made_by.name} {made_by.version}, "
                    f"but {generator.name} {generator.version} produced it"
                )
            if case_id in owner:
                problems.append(
                    f"duplicate case id {case_id!r}: from {owner[case_id]} and {generator.name}"
                )
                continue
            owner[case_id] = generator.name
            problems.extend(f"{case_id}: {p}" for p in validate_trace(trace))
            cases.append(BuiltCase(case_id, generator.name, trace, encode_trace(trace)))
    if problems:
        raise CorpusBuildError(problems)
    cases.sort(key=lambda c: c.case_id)
    files = {f"{c.case_id}{TRACE_SUFFIX}": c.data for c in cases}
    files[MANIFEST_NAME] = render_manifest(cases, counts)
    return Corpus(tuple(cases), dict(sorted(files.items())), tuple(counts))


def render_manifest(cases: Sequence[BuiltCase], counts: Sequence[tuple[str, str, int]]) -> bytes:
    """``MANIFEST.json``: deterministic JSON (fixed key order, sorted cases, one newline)."""
    manifest = {
        "manifest_format": MANIFEST_FORMAT,
        "spec_version": SPEC_VERSION,
        "trace_format": TRACE_FORMAT,
        "generators": [
            {"name": name, "version": version, "cases": count} for name, version, count in counts
        ],
        "cases": [
            {
                "case_id": c.case_id,
                "file": f"{c.case_id}{TRACE_SUFFIX}",
                "generator": c.generator,
                "content_hash": c.trace.content_hash.hex(),
                "file_sha256": hashlib.sha256(c.data).hexdigest(),
            }
            for c in sorted(cases, key=lambda c: c.case_id)
        ],
    }
    return (json.dumps(manifest, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def corpus_files_on_disk(root: Path) -> dict[str, Path]:
    """The corpus files under ``root`` (every ``*.cbor`` and the manifest), by relative path."""
    if not root.is_dir():
        return {}
    found = {
        p.relative_to(root).as_posix(): p for p in root.rglob(f"*{TRACE_SUFFIX}") if p.is_file()
    }
    manifest = root / MANIFEST_NAME
    if manifest.is_file():
        found[MANIFEST_NAME] = manifest
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class Drift:
    """How a directory differs from a corpus built in memory."""

    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    differing: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.differing)


def compare_corpus(root: Path, corpus: Corpus) -> Drift:
    """Which files of ``corpus`` are missing from ``root``, extra in it, or differ byte-wise."""
    on_disk = corpus_files_on_disk(root)
    missing = tuple(name for name in corpus.files if name not in on_disk)
    extra = tuple(name for name in on_disk if name not in corpus.files)
    differing = tuple(
        name
        for name, data in corpus.files.items()
        if name in on_disk and on_disk[name].read_bytes() != data
    )
    return Drift(missing, extra, differing)


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = field(default_factory=tuple)


def write_corpus(root: Path, corpus: Corpus) -> WriteResult:
    """Make ``root`` hold exactly ``corpus``: write changed files atomically, remove stale ones.

    Only corpus files (``*.cbor``, the manifest, leftover ``*.cbor.tmp``) are
    ever removed; anything else in the directory is left alone.
    """
    on_disk = corpus_files_on_disk(root)
    written: list[str] = []
    unchanged: list[str] = []
    for name, data in corpus.files.items():
        path = root / name
        if name in on_disk and on_disk[name].read_bytes() == data:
            unchanged.append(name)
            continue
        write_atomically(path, data)
        written.append(name)
    removed = [name for name in on_disk if name not in corpus.files]
    for name in removed:
        (root / name).unlink()
    if root.is_dir():
        for tmp in sorted(root.rglob(f"*{TRACE_SUFFIX}.tmp")):
            tmp.unlink()
        for directory in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
            if not any(directory.iterdir()):
                directory.rmdir()
    return WriteResult(tuple(written), tuple(unchanged), tuple(removed))


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
