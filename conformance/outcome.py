"""What a conformance run produced: exit codes, each case's verdict, the run's outcome.

Plain data, filled in by :mod:`conformance.runner` and read by the reports
(:mod:`conformance.report`); :class:`Listener` is how the runner tells a
report about progress while it runs. Every name here is re-exported by
:mod:`conformance.runner`.
"""

from collections import Counter
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from spec.v1 import driver as D
from spec.v1.trace import Emitted, Expect


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


@dataclass(frozen=True)
class StepEvidence:
    """What the failing step required and what the IUT did, whole, for ``conform --full``."""

    expected: Expect
    outputs: tuple[Emitted, ...] = ()
    """The IUT's outputs (frames and route downcalls), in order."""
    error: str | None = None
    """The error code the IUT reported."""
    state: bytes | None = None
    """The IUT's observable state, when the state was what differed."""


@dataclass(frozen=True)
class CaseResult:
    """The verdict of one case; for a failure, where and what differed.

    ``step`` is the 1-based number of the failing step, as ``peermarket corpus show --step``
    numbers them (None when the case failed while being set up).
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
    note: str = ""
    """The failing step's note from the trace (what it is about, for people)."""
    evidence: StepEvidence | None = None
    """The failing step's expected and actual results, when the IUT answered at all."""


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
