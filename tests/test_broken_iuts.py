"""Deliberately wrong IUTs (``tests/broken_iuts/``) run through the subprocess adapter.

Each must end in a clear failure that names the case, the step and what
differed -- never a hang, never a traceback from the runner, never a zombie.
"""

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest
from broken_iuts import kit

from conformance.report import format_failure
from conformance.runner import DEFAULT_TRACES, ExitCode, Listener, RunOutcome, run_corpus
from conformance.subprocess_adapter import SubprocessAdapter

TIMEOUT = 2.0
"""Per-request timeout given to the runner: small, so a hang costs two seconds."""
WATCHDOG = 45
"""A test taking longer than this is stuck: fail it instead of hanging the suite."""

CASES = [
    "wire/codec/non-shortest-seq-001",
    "wire/ping/answer-001",
    "wire/ping/command-001",
    "wire/ping/two-nodes-001",
    "wire/replay/stale-001",
]
WITH_OUTPUTS_FIRST = [c for c in CASES if c != "wire/codec/non-shortest-seq-001"]
"""The cases whose step 1 produces an output (the codec case is rejected at step 1)."""

OPENSSL_ACCEPTS = sorted(
    [
        *(
            f"wire/auth/small-order-key-{name}-001"
            for name in (
                "identity",
                "identity-sign-bit",
                "identity-y-p-plus-1",
                "identity-y-p-plus-1-sign-bit",
                "order-2",
                "order-2-sign-bit",
                "order-4-even-x",
                "order-4-odd-x",
                "order-4-y-p-even-x",
                "order-4-y-p-odd-x",
                "order-8-even-x",
                "order-8-odd-x",
            )
        ),
        "wire/auth/small-order-key-order-8-even-x-002",
        "wire/auth/small-order-key-order-8-odd-x-002",
        *(
            f"wire/auth/small-order-r-{name}-001"
            for name in ("identity", "order-2", "order-4", "order-8")
        ),
    ]
)
"""The strict-signature cases whose forged signature OpenSSL's verifier accepts (all 14 encodings
of small-order keys, and an R of small order with the equation holding)."""
NON_CANONICAL_R = [
    "wire/auth/non-canonical-r-identity-sign-bit-001",
    "wire/auth/non-canonical-r-identity-y-p-plus-1-001",
    "wire/auth/non-canonical-r-order-4-y-p-001",
]
"""Rejected by OpenSSL (R is compared as bytes), accepted by a verifier that compares points."""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(autouse=True)
def watchdog() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"test still running after {WATCHDOG} s: the runner is stuck")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(WATCHDOG)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class PidRecorder(Listener):
    """Remembers every IUT process that served a case, to check they were all reaped."""

    def __init__(self, impl: SubprocessAdapter) -> None:
        self.impl = impl
        self.pids: set[int] = set()

    def run_started(self, total: int) -> None:
        self.record()

    def case_finished(self, result: object) -> None:
        self.record()

    def record(self) -> None:
        if self.impl.pid is not None:
            self.pids.add(self.impl.pid)


@dataclass
class Run:
    outcome: RunOutcome
    pids: set[int]
    seconds: float

    def failures(self) -> dict[str, str]:
        return {r.case_id: format_failure(r) for r in self.outcome.results if r.verdict == "fail"}

    def passed(self) -> list[str]:
        return [r.case_id for r in self.outcome.results if r.verdict == "pass"]


def run_broken(corpus: Path, argv: list[str], exitfirst: bool = False) -> Run:
    impl = SubprocessAdapter(argv, step_timeout=TIMEOUT, start_timeout=30)
    recorder = PidRecorder(impl)
    started = time.monotonic()
    with impl:
        outcome = run_corpus(impl, corpus, exitfirst=exitfirst, listener=recorder)
    seconds = time.monotonic() - started
    for pid in recorder.pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: not even a zombie child is left
    assert impl.pid is None
    return Run(outcome, recorder.pids, seconds)


def test_flipped_output_byte(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("flip_byte"))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert sorted(run.failures()) == WITH_OUTPUTS_FIRST
    text = run.failures()["wire/ping/answer-001"]
    head = text.splitlines()[0]
    assert head.startswith("FAIL wire/ping/answer-001 step 1: deliver wire/ping seq=1")
    assert "outputs differ" in head
    assert "output[0]: wire/pong seq=1" in text
    assert "sender_key: 32 vs 32 bytes, first difference at byte 31" in text


def test_dropped_output(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("drop_output"))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert run.passed() == ["wire/codec/non-shortest-seq-001"]
    text = run.failures()["wire/ping/command-001"]
    assert text.startswith("FAIL wire/ping/command-001 step 1: command 'ping'")
    assert "expected 1 output(s), got 0" in text
    assert "output[0] missing: to " in text and "wire/ping seq=1" in text


def test_accepting_a_non_canonical_frame(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("accept_noncanonical"))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert list(run.failures()) == ["wire/codec/non-shortest-seq-001"]
    text = run.failures()["wire/codec/non-shortest-seq-001"]
    assert text.startswith("FAIL wire/codec/non-shortest-seq-001 step 1: deliver 217 bytes")
    assert "expected error decode.non_canonical, the IUT accepted the input" in text
    assert "output[0] unexpected" in text


def test_crash_fails_one_case_and_the_iut_is_restarted(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("crash", "--at", str(kit.CRASH_TICK)))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert list(run.failures()) == ["wire/ping/two-nodes-001"]
    assert len(run.passed()) == 4  # the cases after the crash ran on a fresh process
    result = next(r for r in run.outcome.results if r.verdict == "fail")
    assert (result.step, result.iut_error) == (1, "crash")
    text = run.failures()["wire/ping/two-nodes-001"]
    assert "step 1: deliver wire/ping seq=1" in text
    assert "IUT exited with code 3 without completing its reply" in text
    assert "simulated crash in the step handler" in text  # the stderr tail
    assert run.outcome.restarts == 1 and len(run.pids) == 2


def test_hang_is_killed_at_the_timeout(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("hang", "--at", str(kit.CRASH_TICK)))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert list(run.failures()) == ["wire/ping/two-nodes-001"]
    assert len(run.passed()) == 4
    text = run.failures()["wire/ping/two-nodes-001"]
    assert f"did not complete its reply to input to 'a' at tick 7 within {TIMEOUT:g} s" in text
    assert "killed" in text and "hanging" in text
    assert run.seconds < TIMEOUT + 20


def test_hang_behind_a_shell_wrapper_kills_the_whole_group(corpus: Path) -> None:
    inner = " ".join(kit.script("hang", "--at", str(kit.CRASH_TICK)))
    run = run_broken(corpus, ["/bin/sh", "-c", f"{inner}; echo unreachable >&2"])
    text = run.failures()["wire/ping/two-nodes-001"]
    pid = int(text.split("broken-iut: pid ")[1].split()[0])
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + 5
    while status.exists() and "State:\tZ" not in status.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)  # SIGKILL is asynchronous; the orphan is reaped by init
    assert not status.exists() or "State:\tZ" in status.read_text(), "grandchild still running"


def test_garbage_reply(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("garbage"))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert sorted(run.failures()) == CASES
    text = run.failures()["wire/ping/answer-001"]
    assert "step 1: deliver wire/ping seq=1" in text
    assert "reply to input to 'a' at tick 1 is not deterministic CBOR" in text
    assert "ff67617262616765" in text  # the garbage bytes are shown
    assert all(r.iut_error == "garbage" for r in run.outcome.results)


def test_log_line_on_stdout(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("stdout_log"), exitfirst=True)
    assert run.outcome.exit_code == ExitCode.FAILED
    (case_id, text), *_ = run.failures().items()
    assert f"FAIL {case_id} step 1:" in text
    assert "announces 1145389653 bytes, over MAX_DRIVER_FRAME" in text
    assert "Stray text on stdout?" in text and "44454255" in text
    assert run.outcome.not_run == 4


def test_oversized_length_prefix(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("oversized", "--at", str(kit.CRASH_TICK)))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert list(run.failures()) == ["wire/ping/two-nodes-001"]
    result = next(r for r in run.outcome.results if r.verdict == "fail")
    assert (result.step, result.iut_error) == (1, "oversized")
    assert "announces 4294967280 bytes, over MAX_DRIVER_FRAME (16777216)" in result.message
    assert run.seconds < TIMEOUT + 20  # refused at once, not after reading 4 GiB


def test_wrong_driver_version(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("wrong_version"))
    assert run.outcome.exit_code == ExitCode.IUT_UNUSABLE
    assert run.outcome.results == []
    assert "hello handshake failed: IUT chose driver version 2" in run.outcome.error


def test_iut_that_claims_every_protocol(corpus: Path) -> None:
    run = run_broken(corpus, kit.script("claims_everything"))
    assert run.outcome.exit_code == ExitCode.IUT_UNUSABLE
    assert "claims to implement everything" in run.outcome.error
    assert "MUST answer 'unsupported'" in run.outcome.error


def test_the_unbroken_wrapper_passes(corpus: Path) -> None:
    """The broken scripts differ from the reference only by their defect."""
    run = run_broken(corpus, kit.script("crash", "--at", "999"))
    assert run.outcome.exit_code == ExitCode.PASSED
    assert run.passed() == CASES


def test_openssl_style_verification_fails_exactly_the_small_order_cases() -> None:
    """The real corpus against a verifier that accepts what OpenSSL's (Node's crypto.verify) does.

    It passes every other case, the strict-signature cases OpenSSL rejects too (S + L, a
    non-canonical or cofactored-only R) and the key with a small-order component included.
    """
    run = run_broken(DEFAULT_TRACES, kit.script("lenient_ed25519"))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert sorted(run.failures()) == OPENSSL_ACCEPTS
    assert "wire/auth/mixed-order-key-001" in run.passed()
    text = run.failures()["wire/auth/small-order-key-identity-001"]
    assert "expected error auth.bad_signature, the IUT accepted the input" in text
    assert "output[0] unexpected" in text and "wire/pong seq=1" in text


@pytest.mark.parametrize(
    ("options", "also_failed"),
    [
        (["--top-bits"], ["wire/auth/s-plus-l-001"]),
        (["--decode-r"], NON_CANONICAL_R),
        (["--cofactored"], [*NON_CANONICAL_R, "wire/auth/r-plus-torsion-001"]),
    ],
)
def test_each_other_leniency_fails_its_strict_signature_cases(
    options: list[str], also_failed: list[str]
) -> None:
    """The cases OpenSSL gets right each catch another relaxation (see lenient_ed25519.py)."""
    run = run_broken(DEFAULT_TRACES, kit.script("lenient_ed25519", *options))
    assert run.outcome.exit_code == ExitCode.FAILED
    assert sorted(run.failures()) == sorted([*OPENSSL_ACCEPTS, *also_failed])
