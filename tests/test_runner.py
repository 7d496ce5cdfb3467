"""The runner: corpus checks, selection, verdicts, diffs, reports and the ``conform`` command."""

import hashlib
import io
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from broken_iuts import kit
from click.testing import CliRunner
from rich.console import Console

from conformance import diff
from conformance.adapters import InProcessAdapter, SubprocessAdapter
from conformance.cli_conform import conform
from conformance.report import (
    SCHEMA_PATH,
    TerminalReport,
    format_failure,
    json_report,
    junit_xml,
    print_summary,
    xml_text,
)
from conformance.runner import (
    DEFAULT_TRACES,
    PROBE_NODE,
    PROBE_PROTOCOL,
    Case,
    CaseResult,
    CorpusError,
    ExitCode,
    RunOutcome,
    check_trace,
    load_corpus,
    run,
    run_corpus,
    select_cases,
)
from reference import cbor
from reference.codec import encode_message
from reference.corpus import seal_trace
from reference.driver import Driver
from reference.envelope import seal
from reference.identity import Identity
from spec.v1 import driver as D
from spec.v1.registry import PROTOCOLS
from spec.v1.trace import NodeSetup, Output, Trace
from spec.v1.wire import Ping

IDS = [
    "wire/codec/non-shortest-seq-001",
    "wire/ping/answer-001",
    "wire/ping/command-001",
    "wire/ping/two-nodes-001",
    "wire/replay/stale-001",
]


@pytest.fixture(scope="module")
def traces() -> list[Trace]:
    return kit.build_traces()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, traces: list[Trace]) -> Path:
    return kit.write_corpus(tmp_path_factory.mktemp("corpus"), traces)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return loaded


def reference() -> InProcessAdapter:
    return InProcessAdapter(Driver().handle_frame)


def with_reply(transform: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]) -> Any:
    """The reference in process, with each decoded reply rewritten by ``transform(req, reply)``."""
    driver = Driver()

    def handle(payload: bytes) -> bytes:
        reply = driver.handle_frame(payload)
        req = cbor.decode(payload, max_size=D.MAX_DRIVER_FRAME)
        value = cbor.decode(reply, max_size=D.MAX_DRIVER_FRAME)
        assert isinstance(req, dict) and isinstance(value, dict)
        return cbor.encode(transform(req, value))

    return InProcessAdapter(handle)


def rewrite_header(trace: Trace, **changes: Any) -> Trace:
    header = trace.content.header.model_copy(update=changes)
    return seal_trace(header, trace.content.steps)


# -- corpus --


def test_corpus_loads_with_ids_from_paths(corpus: Path) -> None:
    cases = load_corpus(corpus)
    assert [c.case_id for c in cases] == IDS
    assert all(c.protocol == "wire" for c in cases)


def test_every_kit_trace_is_valid(traces: list[Trace]) -> None:
    for trace in traces:
        assert check_trace(trace, trace.content.header.case_id) == []


def test_wrong_content_hash_is_found(traces: list[Trace]) -> None:
    trace = traces[0].model_copy(update={"content_hash": bytes(32)})
    assert any("content hash" in p for p in check_trace(trace, trace.content.header.case_id))


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"flags": ("NoSuchFlag",)}, "not in the flag registry"),
        ({"tags": ("positive",)}, "tags lack 'negative'"),
        ({"flags": ()}, "must name at least one flag"),
        ({"trace_format": 2}, "trace format 2"),
        ({"spec_version": "2.0.0"}, "spec version"),
    ],
)
def test_negative_trace_header_rules(
    traces: list[Trace], changes: dict[str, Any], problem: str
) -> None:
    stale = traces[2]
    assert stale.content.header.case_id == "wire/replay/stale-001"
    broken = rewrite_header(stale, **changes)
    assert any(problem in p for p in check_trace(broken, "wire/replay/stale-001"))


def test_positive_trace_tagged_negative_is_found(traces: list[Trace]) -> None:
    broken = rewrite_header(traces[1], tags=("negative",), flags=("BadSignature",))
    assert any("no step expects an error" in p for p in check_trace(broken, IDS[2]))


def test_unknown_error_code_and_case_id_mismatch(traces: list[Trace]) -> None:
    stale = traces[2]
    steps = list(stale.content.steps)
    expect = steps[1].expect.model_copy(update={"error": "replay.made_up"})
    steps[1] = steps[1].model_copy(update={"expect": expect})
    broken = seal_trace(stale.content.header, steps)
    problems = check_trace(broken, "wire/replay/elsewhere-001")
    assert any("'replay.made_up' is not in the taxonomy" in p for p in problems)
    assert any("differs from its path" in p for p in problems)


def test_corrupt_and_misplaced_files_are_corpus_errors(tmp_path: Path, traces: list[Trace]) -> None:
    kit.write_corpus(tmp_path, traces)
    (tmp_path / "wire" / "junk.cbor").write_bytes(b"\x18\x01")  # non-canonical
    moved = tmp_path / "wire" / "ping" / "renamed-001.cbor"
    moved.write_bytes(encode_message(traces[1]))
    (tmp_path / "README.txt").write_text("not a trace")  # ignored
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    text = str(caught.value)
    assert "wire/junk.cbor: [decode] not a trace: decode.non_canonical" in text
    assert "wire/ping/renamed-001.cbor: [path] case id 'wire/ping/command-001' differs" in text


def test_missing_traces_directory(tmp_path: Path) -> None:
    outcome = run_corpus(reference(), tmp_path / "absent")
    assert outcome.exit_code == ExitCode.USAGE
    assert "traces directory not found" in outcome.error


def write_manifest(root: Path, traces: list[Trace]) -> None:
    cases = [
        {"case_id": t.content.header.case_id, "content_hash": t.content_hash.hex()} for t in traces
    ]
    manifest = {"manifest_format": 1, "cases": cases}
    (root / "MANIFEST.json").write_text(json.dumps(manifest), "utf-8")


def test_manifest_guards_against_missing_and_unlisted_traces(
    tmp_path: Path, traces: list[Trace]
) -> None:
    kit.write_corpus(tmp_path, traces)
    write_manifest(tmp_path, traces)
    assert len(load_corpus(tmp_path)) == 5
    (tmp_path / "wire" / "ping" / "answer-001.cbor").unlink()
    with pytest.raises(CorpusError, match=r"lists 'wire/ping/answer-001' but .* is missing"):
        load_corpus(tmp_path)
    write_manifest(tmp_path, traces[1:])
    assert len(load_corpus(tmp_path)) == 4
    write_manifest(tmp_path, traces[2:])
    with pytest.raises(CorpusError, match=r"command-001\.cbor is not listed in MANIFEST\.json"):
        load_corpus(tmp_path)
    stale = traces[1].model_copy(update={"content_hash": bytes(32)})
    write_manifest(tmp_path, [stale, *traces[2:]])
    with pytest.raises(CorpusError, match=r"differs from MANIFEST\.json"):
        load_corpus(tmp_path)
    (tmp_path / "MANIFEST.json").write_text("{not json", "utf-8")
    with pytest.raises(CorpusError, match=r"MANIFEST\.json: unreadable"):
        load_corpus(tmp_path)


def test_selection_by_glob_and_protocol(corpus: Path) -> None:
    cases = load_corpus(corpus)
    assert [c.case_id for c in select_cases(cases, ["wire/ping/*"])] == IDS[1:4]
    assert [c.case_id for c in select_cases(cases, ["*stale*", "*two*"])] == [IDS[3], IDS[4]]
    assert select_cases(cases, protocols=["auction"]) == []
    assert len(select_cases(cases, protocols=["wire"])) == 5


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


def only_inputs(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    return with_reply(lambda req, reply: change(reply) if req["op"] == "input" else reply)


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


# -- reports --


def failing_outcome_impl() -> InProcessAdapter:
    """The reference with the last byte of each step's first output flipped."""

    def flip(reply: dict[str, Any]) -> dict[str, Any]:
        if not reply.get("outputs"):
            return reply
        first = dict(reply["outputs"][0])
        first["frame"] = first["frame"][:-1] + bytes([first["frame"][-1] ^ 1])
        return {**reply, "outputs": (first, *reply["outputs"][1:])}

    impl: InProcessAdapter = only_inputs(flip)
    return impl


def failing_outcome(corpus: Path) -> RunOutcome:
    return run_corpus(failing_outcome_impl(), corpus)


def test_junit_xml_parses_with_the_right_counts(corpus: Path) -> None:
    outcome = failing_outcome(corpus)
    outcome.results.append(
        CaseResult(
            case_id="auction/x/unsupported-001",
            protocol="auction",
            verdict="unsupported",
            message="the IUT does not implement auction\x01",
        )
    )
    root = ET.fromstring(junit_xml(outcome))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("6", "4", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"wire", "auction"}
    wire = suites["wire"]
    assert (wire.get("tests"), wire.get("failures"), wire.get("errors")) == ("5", "4", "0")
    names = [case.get("name", "") for case in wire.iter("testcase")]
    assert sorted(names) == IDS
    failure = next(wire.iter("failure"))
    assert (failure.get("message") or "").startswith("step 1: deliver")
    assert "sender_key" in (failure.text or "")
    skipped = next(suites["auction"].iter("skipped"))
    assert skipped.get("message") == "the IUT does not implement auction\\x01"


def test_junit_for_an_unusable_iut_has_an_error(corpus: Path) -> None:
    outcome = RunOutcome(exit_code=ExitCode.IUT_UNUSABLE, error="hello handshake failed: x")
    root = ET.fromstring(junit_xml(outcome))
    assert (root.get("tests"), root.get("errors")) == ("1", "1")
    assert next(root.iter("error")).get("type") == "iut_unusable"


def test_xml_text_escapes_what_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x1bc\td\n") == "a\\x00b\\x1bc\td\n"


def test_json_reports_validate_against_the_schema(
    corpus: Path, tmp_path: Path, schema: dict[str, Any]
) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    outcomes = [
        run_corpus(reference(), corpus),
        failing_outcome(corpus),
        run_corpus(reference(), corpus, patterns=["none"]),
        run_corpus(reference(), tmp_path / "absent"),
        run_corpus(
            with_reply(lambda q, r: {"op": "ok"} if q["op"] == "create_node" else r), corpus
        ),
    ]
    assert [int(o.exit_code) for o in outcomes] == [0, 1, 3, 2, 4]
    for outcome in outcomes:
        report = json.loads(json.dumps(json_report(outcome)))
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    failed = json_report(outcomes[1])
    assert failed["summary"]["failed"] == 4 and failed["outcome"] == "failed"
    case = next(c for c in failed["cases"] if c["verdict"] == "fail")
    assert case["step"] == 1 and case["phase"] == "step" and case["diff"]


def test_schema_rejects_a_report_with_an_unknown_verdict(
    corpus: Path, schema: dict[str, Any]
) -> None:
    report = json_report(run_corpus(reference(), corpus))
    report["cases"][0]["verdict"] = "skipped"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)


# -- the command --


def invoke(*args: str) -> Any:
    return CliRunner().invoke(conform, list(args), catch_exceptions=False)


def test_cli_in_process_writes_both_reports(
    corpus: Path, tmp_path: Path, schema: dict[str, Any]
) -> None:
    junit, report = tmp_path / "r.xml", tmp_path / "r.json"
    result = invoke(
        "--in-process", "--traces", str(corpus), "--junit", str(junit), "--json", str(report)
    )
    assert result.exit_code == 0, result.output
    assert "5 passed, 0 failed, 0 unsupported" in result.output
    assert ET.parse(junit).getroot().get("tests") == "5"
    data = json.loads(report.read_text("utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["implementation"]["adapter"] == "in-process"


def test_cli_default_runs_the_reference_subprocess(corpus: Path) -> None:
    result = invoke("--traces", str(corpus), "--quiet", "--select", "wire/ping/*")
    assert result.exit_code == 0, result.output
    assert "via the subprocess adapter" in result.output and "3 passed" in result.output


def test_cli_zero_selected_exits_3(corpus: Path) -> None:
    result = invoke("--in-process", "--traces", str(corpus), "--select", "nope/*")
    assert result.exit_code == 3
    assert "zero cases selected" in result.output


def test_cli_usage_errors_exit_2(corpus: Path, tmp_path: Path) -> None:
    assert invoke("--in-process", "--impl", "x", "--traces", str(corpus)).exit_code == 2
    assert invoke("--in-process", "--traces", str(tmp_path / "absent")).exit_code == 2
    assert invoke("--impl", "'unclosed", "--traces", str(corpus)).exit_code == 2


def test_cli_reports_a_broken_iut(corpus: Path, tmp_path: Path) -> None:
    junit = tmp_path / "broken.xml"
    command = " ".join(kit.script("drop_output"))
    result = invoke("--impl", command, "--traces", str(corpus), "--junit", str(junit), "-q")
    assert result.exit_code == 1
    assert "FAIL wire/ping/answer-001 step 1:" in result.output
    assert "output[0] missing" in result.output
    assert ET.parse(junit).getroot().get("failures") == "4"


def test_cli_help_documents_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for line in ("0  every executed case passed", "3  zero cases executed", "4  the IUT"):
        assert line in result.output


def test_node_setup_of_probe_is_valid() -> None:
    assert isinstance(PROBE_NODE, NodeSetup) and len(PROBE_NODE.protocol) <= 16


def test_terminal_report_shows_progress_and_failures_on_a_terminal(corpus: Path) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200, color_system=None)
    terminal = TerminalReport(console)
    outcome = run_corpus(failing_outcome_impl(), corpus, listener=terminal)
    terminal.stop()
    print_summary(console, outcome)
    text = out.getvalue()
    assert "FAIL wire/ping/answer-001" in text
    assert "conform" in text  # the progress bar's label
    assert "1 passed, 4 failed, 0 unsupported" in text and "exit code 1 (failed)" in text
    quiet = io.StringIO()
    silent = TerminalReport(Console(file=quiet, force_terminal=True), quiet=True)
    run_corpus(reference(), corpus, listener=silent)
    silent.stop()
    assert quiet.getvalue() == ""


def test_cli_help_has_no_machine_specific_paths() -> None:
    text = invoke("--help").output
    assert str(Path(__file__).resolve().parents[1]) not in text and sys.executable not in text
