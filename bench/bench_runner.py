"""Conformance replay throughput: steps per second in process and through the subprocess driver.

Both adapters replay the same traces with the runner's own per-case logic
(:func:`conformance.runner.run_case`: reset, create nodes, every step, the
state queries the traces ask for, the byte comparisons). The IUT is started
and greeted once, outside the timing, so the figures measure steady-state
replay. The ratio subprocess / in-process shows what the process boundary
costs (pipes, framing, a second interpreter); the issue's target is >= 0.5.

The workload is synthetic and fixed (the checked-in corpus grows over time,
and a benchmark should not): :data:`CASES` wire cases of :data:`STEPS`
steps, each step a signed ping that the node answers with a signed pong,
with the observable state checked on every :data:`STATE_EVERY`-th step.
"""

import sys
from collections.abc import Sequence
from typing import Final

from bench import Figure, Report, Settings, benchmark, measure_interleaved
from conformance.adapters import Implementation, InProcessAdapter
from conformance.runner import Case, run_case
from conformance.subprocess_adapter import SubprocessAdapter
from reference import cbor
from reference.corpus import seal_trace
from reference.driver import Driver
from reference.envelope import seal
from reference.identity import Identity, seed_from_label
from spec.v1 import SPEC_VERSION
from spec.v1 import driver as D
from spec.v1.trace import (
    TRACE_FORMAT,
    Deliver,
    Expect,
    Generator,
    NodeSetup,
    Peer,
    Step,
    TraceHeader,
)
from spec.v1.wire import Ping

CASES: Final = 10
STEPS: Final = 40
STATE_EVERY: Final = 5
TARGET_RATIO: Final = 0.5
REFDRIVER: Final = (sys.executable, "-m", "conformance.refdriver")


def workload() -> list[Case]:
    """The fixed cases, recorded from the reference like any corpus generator would."""
    peer = Identity.from_label("bench-peer")
    cases = []
    for c in range(CASES):
        driver = Driver()
        setup = NodeSetup(
            name="a",
            protocol="wire",
            seed=seed_from_label(f"bench-{c}"),
            params=cbor.encode({"replay_senders": 4096}),
        )
        assert isinstance(driver.handle(D.CreateNode(op="create_node", node=setup)), D.Ok)
        steps = []
        for s in range(1, STEPS + 1):
            frame = seal(peer, Ping(nonce=s.to_bytes(8, "big"), sent_at=s), s)
            item = Deliver(kind="deliver", link=peer.node_id, frame=frame)
            result = driver.handle(D.InputRequest(op="input", node="a", at=s, input=item))
            assert isinstance(result, D.StepResult) and result.error is None
            state = None
            if s % STATE_EVERY == 0:
                reply = driver.handle(D.QueryState(op="query_state", node="a"))
                assert isinstance(reply, D.StateReply)
                state = reply.state
            expect = Expect(outputs=result.outputs, error=None, state=state)
            steps.append(Step(node="a", at=s, input=item, expect=expect, note=""))
        case_id = f"wire/bench/ping-{c:03d}"
        header = TraceHeader(
            trace_format=TRACE_FORMAT,
            spec_version=SPEC_VERSION,
            protocol="wire",
            case_id=case_id,
            generator=Generator(name="bench.bench_runner", version="1"),
            description="Throughput workload: a stream of pings.",
            tags=("positive",),
            flags=(),
            nodes=(setup,),
            peers=(Peer(name="bench-peer", node_id=peer.node_id),),
        )
        cases.append(Case(case_id, None, seal_trace(header, steps)))
    return cases


def replay(impl: Implementation, cases: Sequence[Case], protocols: Sequence[str]) -> None:
    for case in cases:
        result = run_case(impl, case, protocols)
        if result.verdict != "pass":
            raise AssertionError(f"benchmark replay failed: {result.case_id}: {result.message}")


@benchmark("runner")
def runner(settings: Settings) -> Report:
    cases = workload()
    steps = sum(len(case.trace.content.steps) for case in cases)
    in_process = InProcessAdapter(Driver().handle_frame, "reference.driver.Driver")
    subprocess_ = SubprocessAdapter(list(REFDRIVER), step_timeout=30)
    try:
        declared_in = in_process.hello().protocols
        declared_sub = subprocess_.hello().protocols
        per_replay = measure_interleaved(
            {
                "in-process": lambda: replay(in_process, cases, declared_in),
                "subprocess": lambda: replay(subprocess_, cases, declared_sub),
            },
            settings,
        )
    finally:
        in_process.close()
        subprocess_.close()
    rates = [
        type(rate)(
            f"{name} (steps)",
            rate.best * steps,
            rate.median * steps,
            rate.repeats,
            rate.number,
            f"{steps} steps per replay",
        )
        for name, rate in per_replay.items()
    ]
    report = Report("runner", rates)
    report.context = {
        "cases": CASES,
        "steps_per_case": STEPS,
        "state_queries_per_case": STEPS // STATE_EVERY,
        "iut": "reference",
        "subprocess_command": " ".join(REFDRIVER),
    }
    inproc, sub = rates
    report.figures = [
        Figure(
            "subprocess / in-process (best)",
            sub.best / inproc.best,
            TARGET_RATIO,
            "replay throughput through the subprocess driver over in-process",
        ),
        Figure("subprocess / in-process (median)", sub.median / inproc.median),
        Figure(
            "driver overhead per step (µs, best)",
            1e6 / sub.best - 1e6 / inproc.best,
            note="extra wall time per step the process boundary costs",
        ),
    ]
    return report
