"""Running cases: verdicts against the reference and against misbehaving IUTs, and the diffs."""

import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest
from broken_iuts import kit
from runner_kit import (  # tests/ is on sys.path under pytest
    IDS,
    failing_outcome,
    only_inputs,
    reference,
    rewrite_header,
    with_reply,
)

from conformance import diff
from conformance.report import format_failure
from conformance.runner import (
    DEFAULT_TRACES,
    PROBE_NODE,
    PROBE_PROTOCOL,
    Case,
    ExitCode,
    load_corpus,
    run,
    run_corpus,
)
from conformance.subprocess_adapter import SubprocessAdapter
from reference import cbor
from reference.envelope import seal
from reference.identity import Identity
from spec.v1.registry import PROTOCOLS
from spec.v1.trace import NodeSetup, Output, Trace
from spec.v1.wire import Ping

# -- running against the reference --


def test_reference_passes_in_process(corpus: Path) -> None:
    outcome = run_corpus(reference(), corpus)
    assert outcome.exit_code == ExitCode.PASSED, [format_failure(r) for r in outcome.results]
    assert [r.verdict for r in outcome.results] == ["pass"] * 5
    assert outcome.steps == sum(len(t.content.steps) for t in kit.build_traces())
    assert outcome.implementation is not None
    assert outcome.implementation.implementation == "peermarket-reference"


def test_reference_passes_through_the_subprocess_driver(corpus: Path) -> None:
    with SubprocessAdapter(
        [sys.executable, "-m", "conformance.refdriver"], step_timeout=10
    ) as impl:
        outcome = run_corpus(impl, corpus)
    assert outcome.exit_code == ExitCode.PASSED, [format_failure(r) for r in outcome.results]
    assert outcome.count("pass") == 5 and outcome.restarts == 0


@pytest.mark.parametrize("adapter", ["in-process", "subprocess"])
def test_the_checked_in_corpus_passes_against_the_reference(adapter: str) -> None:
    """The acceptance criterion: the whole corpus, both ways (an empty corpus fails: exit 3)."""
    impl = (
        reference()
        if adapter == "in-process"
        else SubprocessAdapter([sys.executable, "-m", "conformance.refdriver"], step_timeout=30)
    )
    with impl:
        outcome = run_corpus(impl, DEFAULT_TRACES)
    assert outcome.exit_code == ExitCode.PASSED, outcome.error or "\n".join(
        format_failure(r) for r in outcome.results if r.verdict == "fail"
    )
    assert outcome.count("unsupported") == 0


def test_zero_selected_cases_is_an_error(corpus: Path) -> None:
    outcome = run_corpus(reference(), corpus, patterns=["nothing/*"])
    assert outcome.exit_code == ExitCode.NO_CASES
    assert "zero cases selected out of 5" in outcome.error


def test_empty_corpus_is_an_error(tmp_path: Path) -> None:
    assert run_corpus(reference(), tmp_path).exit_code == ExitCode.NO_CASES


def other_protocol(trace: Trace, case_id: str) -> Case:
    """An in-memory case of a protocol no spec defines (the corpus checks would refuse it)."""
    nodes = tuple(n.model_copy(update={"protocol": "zzother"}) for n in trace.content.header.nodes)
    return Case(
        case_id, None, rewrite_header(trace, protocol="zzother", nodes=nodes, case_id=case_id)
    )


def test_undeclared_protocol_is_unsupported(corpus: Path, traces: list[Trace]) -> None:
    cases = [*load_corpus(corpus), other_protocol(traces[1], "zzother/ping/command-001")]
    outcome = run(reference(), cases)
    assert outcome.exit_code == ExitCode.PASSED
    unsupported = [r for r in outcome.results if r.verdict == "unsupported"]
    assert [r.case_id for r in unsupported] == ["zzother/ping/command-001"]
    assert "does not implement zzother" in unsupported[0].message
    assert outcome.by_protocol()["zzother"]["unsupported"] == 1


def test_every_case_unsupported_is_zero_executed(corpus: Path) -> None:
    def declare_nothing(req: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        return {**reply, "protocols": ()} if reply["op"] == "hello" else reply

    outcome = run_corpus(with_reply(declare_nothing), corpus)
    assert outcome.exit_code == ExitCode.NO_CASES
    assert "zero cases executed" in outcome.error and outcome.count("unsupported") == 5


def test_declared_protocol_refused_at_create_node_fails(traces: list[Trace]) -> None:
    def declare(req: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        if reply["op"] == "hello":
            return {**reply, "protocols": ("wire", "zzother")}
        return reply

    outcome = run(with_reply(declare), [other_protocol(traces[1], "zzother/ping/command-001")])
    assert outcome.exit_code == ExitCode.FAILED
    (result,) = outcome.results
    assert result.phase == "setup" and result.step is None
    assert "declared 'zzother' in hello but answered unsupported" in result.message


def test_probe_protocol_is_not_a_real_one() -> None:
    assert PROBE_PROTOCOL not in PROTOCOLS and PROBE_PROTOCOL.startswith("zzprobe")


def test_iut_declaring_the_probe_protocol_is_unusable(corpus: Path) -> None:
    def declare(req: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        if reply["op"] == "hello":
            return {**reply, "protocols": ("wire", PROBE_PROTOCOL)}
        return reply

    outcome = run_corpus(with_reply(declare), corpus)
    assert outcome.exit_code == ExitCode.IUT_UNUSABLE
    assert "claims every protocol" in outcome.error
    assert outcome.results == []


def test_probe_answered_with_failure_is_unusable(corpus: Path) -> None:
    def fail_probe(req: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        if reply["op"] == "unsupported":
            return {"op": "failure", "reason": "no idea"}
        return reply

    outcome = run_corpus(with_reply(fail_probe), corpus)
    assert outcome.exit_code == ExitCode.IUT_UNUSABLE
    assert "must be answered 'unsupported'" in outcome.error


# -- verdicts and diffs from in-process misbehaviour --


def test_wrong_error_code(corpus: Path) -> None:
    def recode(reply: dict[str, Any]) -> dict[str, Any]:
        if reply.get("error") == "decode.non_canonical":
            return {**reply, "error": "decode.malformed"}
        return reply

    outcome = run_corpus(only_inputs(recode), corpus, patterns=["wire/codec/*"])
    (result,) = outcome.results
    assert (result.verdict, result.step, result.phase) == ("fail", 1, "step")
    assert "wrong error code: expected decode.non_canonical got decode.malformed" in result.message
    assert "error: expected decode.non_canonical got decode.malformed" in result.diff


def test_rejecting_a_valid_input(corpus: Path) -> None:
    def refuse(reply: dict[str, Any]) -> dict[str, Any]:
        return {"op": "result", "outputs": (), "error": "auth.bad_signature"}

    outcome = run_corpus(only_inputs(refuse), corpus, patterns=["wire/ping/answer-001"])
    (result,) = outcome.results
    assert "rejected a valid input with auth.bad_signature" in result.message


def test_state_difference_names_the_path(corpus: Path) -> None:
    def bump(req: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        if reply["op"] != "state":
            return reply
        state = cbor.decode(reply["state"])
        assert isinstance(state, dict)
        changed = cbor.encode({**state, "next_seq": state["next_seq"] + 5})
        return {**reply, "state": changed, "digest": hashlib.sha256(changed).digest()}

    outcome = run_corpus(with_reply(bump), corpus, patterns=["wire/ping/answer-001"])
    (result,) = outcome.results
    assert (result.step, result.phase) == (1, "state")
    assert "observable state differs" in result.message
    assert "state.next_seq: expected 2 got 7" in result.diff


def test_wrong_state_digest(corpus: Path) -> None:
    def zero(req: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        return {**reply, "digest": bytes(32)} if reply["op"] == "state" else reply

    outcome = run_corpus(with_reply(zero), corpus, patterns=["wire/ping/answer-001"])
    assert "state digest is not SHA-256 of the state" in outcome.results[0].message


def test_exitfirst_stops_at_the_first_failure(corpus: Path) -> None:
    def drop(reply: dict[str, Any]) -> dict[str, Any]:
        return {**reply, "outputs": ()}

    outcome = run_corpus(only_inputs(drop), corpus, exitfirst=True)
    assert outcome.exit_code == ExitCode.FAILED
    assert [r.verdict for r in outcome.results] == ["pass", "fail"]  # the codec case has no output
    assert outcome.stopped_early and outcome.not_run == 3
    assert [c for c, _ in outcome.not_run_cases] == IDS[2:]


def test_failure_text_names_case_step_and_difference(corpus: Path) -> None:
    outcome = failing_outcome(corpus)
    result = next(r for r in outcome.results if r.case_id == "wire/ping/answer-001")
    lines = format_failure(result).splitlines()
    assert lines[0].startswith("FAIL wire/ping/answer-001 step 1: deliver wire/ping seq=1")
    assert lines[0].endswith("outputs differ")
    assert any(line.strip().startswith("sender_key: 32 vs 32 bytes") for line in lines[1:])


# -- diff --

PEER = Identity.from_label("peer")
OTHER = Identity.from_label("other")


def test_frame_diff_is_field_level() -> None:
    expected = seal(PEER, Ping(nonce=bytes.fromhex("0001020304050607"), sent_at=5), 3)
    actual = seal(PEER, Ping(nonce=bytes.fromhex("0001020304050608"), sent_at=5), 4)
    lines = diff.diff_frame(expected, actual)
    assert "seq: expected 3 got 4" in lines
    assert "body.nonce: expected 0001020304050607 got 0001020304050608" in lines
    assert any(line.startswith("signature: 64 vs 64 bytes, first difference") for line in lines)
    assert not any(line.startswith("body:") for line in lines)


def test_frame_diff_falls_back_to_hex() -> None:
    expected = seal(PEER, Ping(nonce=bytes(8), sent_at=5), 3)
    actual = bytearray(expected)
    actual[0] = 0xFF
    lines = diff.diff_frame(expected, bytes(actual))
    assert lines[0].startswith("actual frame is not deterministic CBOR: decode.malformed")
    assert f"frame: {len(expected)} vs {len(expected)} bytes, first difference at offset 0" in lines


def test_frame_diff_of_cbor_that_is_not_an_envelope() -> None:
    expected = seal(PEER, Ping(nonce=bytes(8), sent_at=5), 3)
    actual = cbor.encode({"seq": 3})
    lines = diff.diff_frame(expected, actual)
    assert lines[0].startswith("actual frame is not an envelope")
    assert "seq: expected 3 got 3" not in lines
    assert any(line.startswith("body: missing") for line in lines)


def test_output_list_diff_reports_missing_and_extra() -> None:
    one = Output(to=PEER.node_id, frame=seal(OTHER, Ping(nonce=bytes(8), sent_at=1), 1))
    two = Output(to=PEER.node_id, frame=seal(OTHER, Ping(nonce=bytes(8), sent_at=1), 2))
    three = Output(to=OTHER.node_id, frame=seal(OTHER, Ping(nonce=bytes(8), sent_at=1), 3))
    missing = diff.diff_outputs([one, two], [two])
    assert missing[0] == "expected 2 output(s), got 1"
    assert missing[1].startswith("output[0] missing: to ") and "wire/ping seq=1" in missing[1]
    extra = diff.diff_outputs([one], [one, three])
    assert extra[1].startswith("output[1] unexpected") and "seq=3" in extra[1]
    redirected = diff.diff_outputs([one], [one.model_copy(update={"to": OTHER.node_id})])
    assert any(line.strip().startswith("to: expected") for line in redirected)


def test_state_diff_paths_and_fallback() -> None:
    e = cbor.encode({"next_seq": 2, "last_seq": ({"seq": 1, "sender": b"\x01"},)})
    a = cbor.encode({"next_seq": 2, "last_seq": ({"seq": 2, "sender": b"\x01"}, {"seq": 1})})
    lines = diff.diff_state(e, a)
    assert "state.last_seq: expected 1 items got 2" in lines
    assert "state.last_seq[0].seq: expected 1 got 2" in lines
    assert any(line.startswith("state.last_seq[1]: unexpected item") for line in lines)
    assert diff.diff_state(e, b"\xff")[0].startswith("actual state is not deterministic CBOR")


def test_node_setup_of_probe_is_valid() -> None:
    assert isinstance(PROBE_NODE, NodeSetup) and len(PROBE_NODE.protocol) <= 16
