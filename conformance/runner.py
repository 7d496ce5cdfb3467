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

Loading, checking and selecting the corpus is :mod:`conformance.cases`' job, and
the verdicts and outcome are :mod:`conformance.outcome`'s data; their names
(``load_corpus``, ``Case``, ``CaseResult``, ``ExitCode``, ...) are re-exported here.
"""

import hashlib
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final

from conformance import diff, paths, tracefile
from conformance.adapters import Implementation, IUTError
from conformance.cases import Case as Case
from conformance.cases import CorpusError as CorpusError
from conformance.cases import check_manifest as check_manifest
from conformance.cases import check_trace as check_trace
from conformance.cases import load_corpus as load_corpus
from conformance.cases import select_cases as select_cases
from conformance.cases import unknown_protocols
from conformance.outcome import CaseResult as CaseResult
from conformance.outcome import ExitCode as ExitCode
from conformance.outcome import Listener as Listener
from conformance.outcome import Phase as Phase
from conformance.outcome import RunOutcome as RunOutcome
from conformance.outcome import StepEvidence as StepEvidence
from conformance.outcome import Verdict as Verdict
from reference import cbor
from spec.v1 import driver as D
from spec.v1.errors import PeerMarketError
from spec.v1.trace import Command, Deliver, Input, NodeSetup, Step, Upcall

DEFAULT_TRACES: Final = paths.installed_corpus()
"""The corpus shipped with the package (``conformance/traces/v1``)."""
TRACE_SUFFIX: Final = tracefile.TRACE_SUFFIX

PROBE_PROTOCOL: Final = "zzprobe_" + hashlib.sha256(b"peermarket/probe").hexdigest()[:7]
"""A protocol name no spec version defines: an honest IUT answers ``unsupported`` to it."""
PROBE_NODE: Final = NodeSetup(
    name="probe",
    protocol=PROBE_PROTOCOL,
    seed=hashlib.sha256(b"peermarket/probe/seed").digest(),
    params=cbor.encode({}),
)


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
    if isinstance(item, Upcall):
        return diff.describe_upcall(item)
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
        evidence: StepEvidence | None = None,
    ) -> CaseResult:
        note = case.trace.content.steps[step - 1].note if step is not None else ""
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
            note=note,
            evidence=evidence,
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
            seen = StepEvidence(step.expect, tuple(result.outputs), result.error)
            return fail("step", f"{_where(step)}: {what}", lines, number, number, None, seen)
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
                seen = StepEvidence(step.expect, tuple(result.outputs), result.error, reply.state)
                return fail("state", f"{_where(step)}: {what}", lines, number, number, None, seen)
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
    """Load, check and select the corpus, then :func:`run` it.

    Exit code 2 (usage), running nothing, when the corpus is not usable or a name of
    ``protocols`` is not the protocol of any case in it.
    """
    error = ""
    try:
        cases = load_corpus(traces)
    except CorpusError as exc:
        error = "the corpus is not usable:\n" + "\n".join(f"  {p}" for p in exc.problems)
    else:
        unknown = unknown_protocols(cases, protocols, traces)
        error = f"--protocol: {unknown}" if unknown else ""
    if error:
        outcome = RunOutcome(
            exit_code=ExitCode.USAGE,
            error=error,
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
