"""The conformance runner: load the trace corpus, replay it against an IUT, judge each case.

The runner trusts nothing it has not checked. A trace is used only when its
content hash, flags, error codes, tags and case id are right (a corrupt
corpus is a usage error, never a silent skip). An IUT is used only after it
has negotiated the driver version and has refused a protocol nobody
implements (otherwise its ``unsupported`` answers mean nothing). A run that
executes no case is an error, never a green run.

Verdicts: ``pass`` (every step gave exactly the expected outputs or error,
and the expected state), ``fail`` (the first step that did not, with a
readable diff), ``unsupported`` (the case needs a protocol the IUT did not
declare in ``hello``).
"""

import fnmatch
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from pathlib import Path
from typing import Final, Literal

from conformance import diff, tracefile
from conformance.adapters import Implementation, IUTError
from reference import cbor
from spec.v1 import driver as D
from spec.v1.errors import PeerMarketError
from spec.v1.trace import Command, Deliver, Input, NodeSetup, Step, Trace

DEFAULT_TRACES: Final = Path(__file__).resolve().parent / "traces" / "v1"
"""The checked-in corpus."""
TRACE_SUFFIX: Final = tracefile.TRACE_SUFFIX

PROBE_PROTOCOL: Final = "zzprobe_" + hashlib.sha256(b"peermarket/probe").hexdigest()[:7]
"""A protocol name no spec version defines: an honest IUT answers ``unsupported`` to it."""
PROBE_NODE: Final = NodeSetup(
    name="probe",
    protocol=PROBE_PROTOCOL,
    seed=hashlib.sha256(b"peermarket/probe/seed").digest(),
    params=cbor.encode({}),
)


class ExitCode(IntEnum):
    """What ``peermarket conform`` exits with."""

    PASSED = 0
    """Every executed case passed (cases of undeclared protocols are unsupported)."""
    FAILED = 1
    """At least one case failed."""
    USAGE = 2
    """Bad options, a missing traces directory, or an invalid trace in the corpus."""
    NO_CASES = 3
    """Zero cases executed: the selection matched none, or every selected case was unsupported."""
    IUT_UNUSABLE = 4
    """The IUT could not start, failed the hello handshake, or failed the unsupported probe."""


Verdict = Literal["pass", "fail", "unsupported"]
Phase = Literal["", "setup", "step", "state"]


class CorpusError(Exception):
    """The corpus cannot be used: every problem found, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Case:
    """One trace of the corpus and where it came from."""

    case_id: str
    path: Path | None
    """The trace file (None for a case built in memory, e.g. by a benchmark)."""
    trace: Trace

    @property
    def protocol(self) -> str:
        return self.trace.content.header.protocol


@dataclass(frozen=True)
class CaseResult:
    """The verdict of one case; for a failure, where and what differed.

    ``step`` is the 1-based number of the failing step, as ``peermarket trace show`` numbers
    them (None when the case failed while being set up).
    """

    case_id: str
    protocol: str
    verdict: Verdict
    step: int | None = None
    """1-based number of the failing step."""
    phase: Phase = ""
    message: str = ""
    diff: tuple[str, ...] = ()
    duration: float = 0.0
    steps_run: int = 0
    iut_error: str | None = None
    """The :class:`IUTError` kind when the IUT itself misbehaved (crash, timeout...)."""
    tags: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass
class RunOutcome:
    """Everything a report needs about one run."""

    exit_code: ExitCode = ExitCode.PASSED
    error: str = ""
    """Why the run could not produce verdicts (exit codes 2, 3 and 4)."""
    results: list[CaseResult] = field(default_factory=list)
    selected: int = 0
    implementation: D.HelloReply | None = None
    adapter: str = ""
    command: str = ""
    duration: float = 0.0
    stopped_early: bool = False
    warnings: list[str] = field(default_factory=list)
    restarts: int = 0
    not_run_cases: list[tuple[str, str]] = field(default_factory=list)
    """(case id, protocol) of the selected cases left unrun because ``-x`` stopped the run."""
    traces: str = ""
    patterns: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    exitfirst: bool = False

    def count(self, verdict: Verdict) -> int:
        return sum(1 for r in self.results if r.verdict == verdict)

    @property
    def executed(self) -> int:
        return self.count("pass") + self.count("fail")

    @property
    def not_run(self) -> int:
        return self.selected - len(self.results)

    @property
    def steps(self) -> int:
        return sum(r.steps_run for r in self.results)

    def by_protocol(self) -> dict[str, Counter[str]]:
        """protocol -> verdict -> count, protocols sorted."""
        table: dict[str, Counter[str]] = {}
        for result in sorted(self.results, key=lambda r: r.protocol):
            table.setdefault(result.protocol, Counter())[result.verdict] += 1
        return table

    def finish(self) -> "RunOutcome":
        """Set the exit code from the verdicts (when no error already set one)."""
        if self.error:
            return self
        if self.count("fail"):
            self.exit_code = ExitCode.FAILED
        elif self.executed == 0:
            self.exit_code = ExitCode.NO_CASES
            self.error = (
                f"zero cases executed: all {self.selected} selected case(s) need protocols "
                "the IUT does not implement"
            )
        else:
            self.exit_code = ExitCode.PASSED
        return self


class Listener:
    """Progress callbacks; the terminal report subclasses it. The default does nothing."""

    def run_started(self, total: int) -> None:
        """About to run ``total`` cases."""

    def case_finished(self, result: CaseResult) -> None:
        """One case got its verdict."""


# -- the corpus --


def check_trace(trace: Trace, case_id: str) -> list[str]:
    """Every way ``trace`` breaks the corpus rules (empty when it is usable as case ``case_id``).

    The trace format's own rules are :func:`conformance.tracefile.validate_trace`'s (content
    hash, format and spec version, registered flags and error codes, negative tag iff some
    step expects an error, flags on every negative case, nodes, time, encodings), so the
    runner and ``peermarket trace validate`` never disagree; the runner adds the case id.
    """
    problems = [str(problem) for problem in tracefile.validate_trace(trace)]
    if trace.content.header.case_id != case_id:
        problems.append(
            f"[path] case id {trace.content.header.case_id!r} differs from its path {case_id!r}"
        )
    return problems


def check_manifest(root: Path, cases: Sequence[Case]) -> list[str]:
    """When ``root`` has a ``MANIFEST.json``: every case it lists is on disk with its hash,
    and every case on disk is listed. A deleted trace must fail the run, not shrink it."""
    path = root / tracefile.MANIFEST_NAME
    if not path.is_file():
        return []
    name = tracefile.MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{name}: unreadable: {exc}"]
    if not isinstance(manifest, dict) or manifest.get("manifest_format") != (
        tracefile.MANIFEST_FORMAT
    ):
        return [f"{name}: not a manifest of format {tracefile.MANIFEST_FORMAT}"]
    listed: dict[str, str] = {}
    for entry in manifest.get("cases", ()):
        if not isinstance(entry, dict) or not isinstance(entry.get("case_id"), str):
            return [f"{name}: malformed case entry {entry!r:.100}"]
        listed[entry["case_id"]] = str(entry.get("content_hash"))
    problems: list[str] = []
    on_disk = {case.case_id: case for case in cases}
    for case_id in sorted(set(listed) - set(on_disk)):
        problems.append(f"{name} lists {case_id!r} but {case_id}{TRACE_SUFFIX} is missing")
    for case_id in sorted(set(on_disk) - set(listed)):
        problems.append(f"{case_id}{TRACE_SUFFIX} is not listed in {name}")
    for case_id in sorted(set(listed) & set(on_disk)):
        actual = on_disk[case_id].trace.content_hash.hex()
        if listed[case_id] != actual:
            problems.append(
                f"{case_id}{TRACE_SUFFIX}: content hash {actual} differs from {name} "
                f"({listed[case_id]})"
            )
    return problems


def load_corpus(root: Path) -> list[Case]:
    """Every ``*.cbor`` under ``root``, checked; :class:`CorpusError` lists all problems."""
    if not root.is_dir():
        raise CorpusError([f"traces directory not found: {root}"])
    cases: list[Case] = []
    problems: list[str] = []
    for path in sorted(root.rglob(f"*{TRACE_SUFFIX}")):
        if not path.is_file():
            continue
        case_id = tracefile.case_id_of_path(path, root)
        where = path.relative_to(root).as_posix()
        try:
            trace = tracefile.read_trace(path)
        except tracefile.TraceFileError as exc:
            problems.append(f"{where}: {exc}")
            continue
        problems.extend(f"{where}: {problem}" for problem in check_trace(trace, case_id))
        cases.append(Case(case_id, path, trace))
    problems.extend(check_manifest(root, cases))
    if problems:
        raise CorpusError(problems)
    return cases


def select_cases(
    cases: Iterable[Case], patterns: Sequence[str] = (), protocols: Sequence[str] = ()
) -> list[Case]:
    """Cases whose id matches any glob of ``patterns`` and whose protocol is in ``protocols``.

    An empty sequence means "no restriction". Globs are :mod:`fnmatch` style
    and ``*`` also matches ``/``: ``wire/*`` selects every wire case.
    """
    return [
        case
        for case in cases
        if (not patterns or any(fnmatch.fnmatchcase(case.case_id, p) for p in patterns))
        and (not protocols or case.protocol in protocols)
    ]


# -- running --


class Unusable(Exception):
    """The IUT cannot be tested: the message says why."""


def handshake(impl: Implementation) -> D.HelloReply:
    """``hello``, then the honesty probe; :class:`Unusable` when either fails."""
    try:
        hello = impl.hello()
    except IUTError as exc:
        raise Unusable(f"hello handshake failed: {exc}") from None
    if PROBE_PROTOCOL in hello.protocols:
        raise Unusable(
            f"IUT declared the probe protocol {PROBE_PROTOCOL!r} in hello: it claims every "
            "protocol, so its unsupported answers cannot be trusted"
        )
    try:
        answer = impl.create_node(PROBE_NODE)
    except IUTError as exc:
        raise Unusable(
            f"unsupported probe: create_node for the unknown protocol {PROBE_PROTOCOL!r} "
            f"must be answered 'unsupported'; instead: {exc}"
        ) from None
    if isinstance(answer, D.Ok):
        raise Unusable(
            f"unsupported probe: IUT answered 'ok' to create_node for the unknown protocol "
            f"{PROBE_PROTOCOL!r}: it claims to implement everything, so its verdicts cannot "
            "be trusted. An IUT MUST answer 'unsupported' for a protocol it does not implement"
        )
    try:
        impl.reset()
    except IUTError as exc:
        raise Unusable(f"reset after the unsupported probe failed: {exc}") from None
    return hello


def describe_input(item: Input) -> str:
    """A one-line summary of a step's input."""
    if isinstance(item, Deliver):
        return f"deliver {diff.describe_frame(item.frame)} via link {diff.render_bytes(item.link)}"
    if isinstance(item, Command):
        try:
            args = diff.render(cbor.decode(item.args))
        except PeerMarketError:
            args = f"({len(item.args)} argument bytes)"
        return f"command {item.name!r} {args}"
    return f"timer {item.name!r}"


def compare_step(step: Step, result: D.StepResult) -> tuple[str, list[str]]:
    """("", []) when the result is exactly what the step expects, else (what, diff lines)."""
    expect = step.expect
    if expect.error is not None or result.error is not None:
        lines = diff.diff_error(expect.error, result.error, len(result.outputs))
        if lines:
            if expect.error is not None and result.error is None:
                what = f"expected error {expect.error}, the IUT accepted the input"
            elif expect.error is None:
                what = f"the IUT rejected a valid input with {result.error}"
            else:
                what = f"wrong error code: expected {expect.error} got {result.error}"
            return what, lines + diff.diff_outputs(expect.outputs, result.outputs)
        if result.outputs:
            return (
                f"the IUT reported {result.error} but also sent output(s)",
                diff.diff_outputs(expect.outputs, result.outputs),
            )
        return "", []
    if tuple(expect.outputs) != tuple(result.outputs):
        return "outputs differ", diff.diff_outputs(expect.outputs, result.outputs)
    return "", []


def compare_state(expected: bytes, reply: D.StateReply) -> tuple[str, list[str]]:
    """("", []) when the state matches and its digest is right, else (what, diff lines)."""
    digest = hashlib.sha256(reply.state).digest()
    if reply.digest != digest:
        return "state digest is not SHA-256 of the state", [
            f"digest: reported {reply.digest.hex()}, SHA-256 of the state is {digest.hex()}"
        ]
    if reply.state != expected:
        return "observable state differs", diff.diff_state(expected, reply.state)
    return "", []


def run_case(impl: Implementation, case: Case, declared: Sequence[str]) -> CaseResult:
    """Replay one case; stop at its first failing step."""
    header = case.trace.content.header
    base = CaseResult(
        case_id=case.case_id,
        protocol=header.protocol,
        verdict="pass",
        tags=tuple(header.tags),
        flags=tuple(header.flags),
    )
    needed = sorted({header.protocol, *(node.protocol for node in header.nodes)})
    missing = [p for p in needed if p not in declared]
    if missing:
        return replace(
            base, verdict="unsupported", message=f"the IUT does not implement {', '.join(missing)}"
        )
    started = time.perf_counter()

    def fail(
        phase: Phase,
        message: str,
        lines: Sequence[str] = (),
        step: int | None = None,
        done: int = 0,
        kind: str | None = None,
    ) -> CaseResult:
        return replace(
            base,
            verdict="fail",
            step=step,
            phase=phase,
            message=message,
            diff=tuple(diff.clip(list(lines))),
            duration=time.perf_counter() - started,
            steps_run=done,
            iut_error=kind,
        )

    try:
        impl.reset()
    except IUTError as exc:
        return fail("setup", f"reset failed: {exc.message}", _tail(exc), kind=exc.kind)
    for setup in header.nodes:
        try:
            answer = impl.create_node(setup)
        except IUTError as exc:
            return fail(
                "setup",
                f"create_node {setup.name!r} ({setup.protocol}) failed: {exc.message}",
                _tail(exc),
                kind=exc.kind,
            )
        if isinstance(answer, D.Unsupported):
            return fail(
                "setup",
                f"the IUT declared {setup.protocol!r} in hello but answered unsupported to "
                f"create_node {setup.name!r}: {answer.reason}",
            )
    for number, step in enumerate(case.trace.content.steps, start=1):
        try:
            result = impl.step(step.node, step.at, step.input)
        except IUTError as exc:
            return fail(
                "step", f"{_where(step)}: {exc.message}", _tail(exc), number, number - 1, exc.kind
            )
        what, lines = compare_step(step, result)
        if what:
            return fail("step", f"{_where(step)}: {what}", lines, number, number)
        if step.expect.state is not None:
            try:
                reply = impl.query_state(step.node)
            except IUTError as exc:
                return fail(
                    "state",
                    f"{_where(step)}: query_state failed: {exc.message}",
                    _tail(exc),
                    number,
                    number,
                    exc.kind,
                )
            what, lines = compare_state(step.expect.state, reply)
            if what:
                return fail("state", f"{_where(step)}: {what}", lines, number, number)
    return replace(
        base, duration=time.perf_counter() - started, steps_run=len(case.trace.content.steps)
    )


def _where(step: Step) -> str:
    """The step's input, node and tick, for a failure message (built only on failure)."""
    return f"{describe_input(step.input)} to node {step.node!r} at tick {step.at}"


def _tail(exc: IUTError) -> list[str]:
    if not exc.stderr_tail:
        return []
    return ["IUT stderr (tail):", *("  " + line for line in exc.stderr_tail.splitlines())]


def run(
    impl: Implementation,
    cases: Sequence[Case],
    *,
    exitfirst: bool = False,
    listener: Listener | None = None,
) -> RunOutcome:
    """Handshake, probe and replay ``cases``; the caller closes ``impl``."""
    listener = listener or Listener()
    outcome = RunOutcome(
        selected=len(cases), adapter=impl.adapter, command=impl.description, exitfirst=exitfirst
    )
    started = time.perf_counter()
    try:
        if not cases:
            outcome.exit_code = ExitCode.NO_CASES
            outcome.error = "zero cases selected: nothing to run (check --select / --protocol)"
            return outcome
        try:
            hello = handshake(impl)
        except Unusable as exc:
            outcome.exit_code = ExitCode.IUT_UNUSABLE
            outcome.error = str(exc)
            return outcome
        outcome.implementation = hello
        listener.run_started(len(cases))
        for index, case in enumerate(cases):
            result = run_case(impl, case, hello.protocols)
            outcome.results.append(result)
            listener.case_finished(result)
            if exitfirst and result.verdict == "fail":
                outcome.not_run_cases = [(c.case_id, c.protocol) for c in cases[index + 1 :]]
                outcome.stopped_early = bool(outcome.not_run_cases)
                break
        return outcome.finish()
    finally:
        outcome.duration = time.perf_counter() - started
        outcome.restarts = impl.restarts


def run_corpus(
    impl: Implementation,
    traces: Path = DEFAULT_TRACES,
    *,
    patterns: Sequence[str] = (),
    protocols: Sequence[str] = (),
    exitfirst: bool = False,
    listener: Listener | None = None,
) -> RunOutcome:
    """Load, check and select the corpus, then :func:`run` it (exit code 2 on a bad corpus)."""
    try:
        cases = load_corpus(traces)
    except CorpusError as exc:
        outcome = RunOutcome(
            exit_code=ExitCode.USAGE,
            error="the corpus is not usable:\n" + "\n".join(f"  {p}" for p in exc.problems),
            adapter=impl.adapter,
            command=impl.description,
            exitfirst=exitfirst,
        )
    else:
        chosen = select_cases(cases, patterns, protocols)
        outcome = run(impl, chosen, exitfirst=exitfirst, listener=listener)
        if not chosen:
            outcome.error = (
                f"zero cases selected out of {len(cases)} in {traces}"
                + (f" (--select {' '.join(patterns)})" if patterns else "")
                + (f" (--protocol {' '.join(protocols)})" if protocols else "")
            )
    outcome.traces = str(traces)
    outcome.patterns = tuple(patterns)
    outcome.protocols = tuple(protocols)
    return outcome
