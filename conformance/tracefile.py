"""Trace files: read, write and validate them, and build and check the corpus directory.

A trace file is the deterministic CBOR of one :class:`~spec.v1.trace.Trace`
(``spec/v1/prose/traces.md``). The corpus directory holds one file per case
at ``<case_id>.cbor`` and a ``MANIFEST.json`` naming every case with its
content hash and file hash. Everything here is plain functions over bytes and
models; the ``peermarket corpus`` and ``peermarket trace`` commands
(:mod:`conformance.cli_corpus`) do the terminal and file I/O around them.
Rendering a trace for people is :mod:`conformance.traceview`'s job.
"""

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol

from reference import cbor
from reference.codec import encode_message, from_value
from spec.v1 import SPEC_VERSION, WIRE_VERSION
from spec.v1.base import WireModel
from spec.v1.errors import BY_CODE, PeerMarketError
from spec.v1.flags import BY_NAME
from spec.v1.overlay import PROTOCOL as OVERLAY
from spec.v1.registry import COMMANDS, OBSERVABLE, PARAMS, PROTOCOLS, TABLES, UPCALLS
from spec.v1.stack import STACK_SUFFIX
from spec.v1.trace import TRACE_FORMAT, Command, Trace, Upcall

TRACE_SUFFIX: Final = ".cbor"
MANIFEST_NAME: Final = "MANIFEST.json"
MANIFEST_FORMAT: Final = 1
MAX_TRACE_FILE_BYTES: Final = 64 << 20
"""Largest trace file read (frames may exceed MAX_FRAME_BYTES in oversized-frame cases)."""

APPLICATIONS: Final[tuple[str, ...]] = tuple(
    protocol
    for protocol in PROTOCOLS
    if any(
        row.trigger.kind == "upcall"
        for table in TABLES.get(protocol, ())
        for row in table.transitions
    )
)
"""The application protocols: those whose tables take upcalls from the overlay (``stack.md``)."""

LEVELS: Final[tuple[str, ...]] = tuple(
    sorted({*PROTOCOLS, *(protocol + STACK_SUFFIX for protocol in APPLICATIONS)})
)
"""Every protocol a node under test may run: each protocol of the spec (an application one
alone, its upcalls given as inputs) and ``<application>_stack``, the whole stack."""


def command_model(protocol: str, name: str) -> type[WireModel] | None:
    """The argument model of command ``name`` of a node running ``protocol``: a whole-stack
    node takes its application's commands and its overlay's."""
    if protocol.endswith(STACK_SUFFIX) and protocol in LEVELS:
        application = protocol.removesuffix(STACK_SUFFIX)
        return COMMANDS.get((application, name)) or COMMANDS.get((OVERLAY, name))
    return COMMANDS.get((protocol, name))


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
        if name not in LEVELS:
            problem("protocol", f"protocol {name!r} is not defined by the spec ({LEVELS})")
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
            command = command_model(protocol, step.input.name)
            if command is None:
                problem(
                    "encoding",
                    f"command {step.input.name!r} is accepted, but {protocol!r} has no such "
                    "command",
                    number,
                )
            else:
                _check_encoded(step.input.args, command, "command args", number, problem)
        if isinstance(step.input, Upcall) and expect.error is None:
            # An accepted upcall is one of the stack interface's, its arguments fit its model.
            upcall = UPCALLS.get(step.input.name)
            if upcall is None:
                problem(
                    "encoding",
                    f"upcall {step.input.name!r} is accepted, but the stack interface has no "
                    f"such upcall ({', '.join(UPCALLS)})",
                    number,
                )
            else:
                _check_encoded(step.input.args, upcall, "upcall args", number, problem)
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
