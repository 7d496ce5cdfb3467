"""The stack interface's inputs and outputs through every tool: an ``upcall`` input and a
``route`` output are validated, exported, replayed, compared, diffed and shown.

The trace is :func:`broken_iuts.kit.auction_case`, recorded from the reference through
its driver: an auction node run alone (``stack.md``), whose ``locate`` command gives a
``route`` downcall and whose overlay's ``update``, ``forward`` and ``deliver`` upcalls are
inputs. None of it depends on the checked-in corpus.
"""

import json
from pathlib import Path
from typing import Any

import pycddl
import pytest
from broken_iuts import kit
from click.testing import CliRunner, Result
from jsonschema import Draft202012Validator
from runner_kit import only_inputs, reference, with_reply

from conformance import diff, tracefile
from conformance.cli import SCHEMA_DIR, main
from conformance.cli_corpus import CORPUS_DIR
from conformance.evidence import evidence_lines
from conformance.outcome import ExitCode
from conformance.report import format_failure
from conformance.runner import run_corpus
from conformance.subprocess_adapter import SubprocessAdapter
from conformance.traceoutline import outline_lines, outline_rows
from reference import cbor
from reference.codec import encode_message, from_value, to_value
from reference.corpus import seal_trace
from reference.driver import Driver
from spec.v1 import driver as D
from spec.v1.export import CDDL_FILE, json_path
from spec.v1.stack import STACK_SUFFIX
from spec.v1.trace import Emitted, Output, RouteOutput, Step, Trace, Upcall

CASE = "auction/kit/upcalls-and-routes-001"


@pytest.fixture(scope="module")
def auction() -> Trace:
    return kit.auction_case()


@pytest.fixture(scope="module")
def auction_corpus(tmp_path_factory: pytest.TempPathFactory, auction: Trace) -> Path:
    return kit.write_corpus(tmp_path_factory.mktemp("auction"), [auction])


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def flat(text: str) -> str:
    return " ".join(text.split())


def routes(trace: Trace) -> list[RouteOutput]:
    return [o for s in trace.content.steps for o in s.expect.outputs if isinstance(o, RouteOutput)]


# -- the trace itself -------------------------------------------------------------------------


def test_the_kit_case_has_upcalls_and_a_route_and_is_valid(auction: Trace) -> None:
    kinds = [step.input.kind for step in auction.content.steps]
    assert kinds == ["command", "upcall", "upcall", "upcall", "upcall", "upcall"]
    names = [s.input.name for s in auction.content.steps if isinstance(s.input, Upcall)]
    assert names == ["update", "update", "update", "forward", "deliver"]
    assert len(routes(auction)) == 1
    assert tracefile.validate_trace(auction) == []
    encoded = tracefile.encode_trace(auction)
    assert tracefile.decode_trace(encoded) == auction


def test_emitted_outputs_decode_as_the_kind_they_are(auction: Trace) -> None:
    """``Emitted`` is undiscriminated: the keys alone tell a frame from a route downcall."""
    for step in auction.content.steps:
        for output in step.expect.outputs:
            value = to_value(output)
            assert ("kind" in value) is isinstance(output, RouteOutput)
            assert "to" in value or "key" in value
    step = auction.content.steps[0]
    decoded = from_value(Step, cbor.decode(encode_message(step)))
    assert [type(o) for o in decoded.expect.outputs] == [RouteOutput]


def test_an_accepted_upcall_must_be_one_of_the_interface_with_fitting_args(
    auction: Trace,
) -> None:
    steps = auction.content.steps

    def with_input(index: int, item: Upcall) -> Trace:
        step = steps[index].model_copy(update={"input": item})
        return seal_trace(auction.content.header, (*steps[:index], step, *steps[index + 1 :]))

    unknown = with_input(1, Upcall(kind="upcall", name="join", args=cbor.encode({})))
    problems = tracefile.validate_trace(unknown)
    assert [(p.kind, p.step) for p in problems] == [("encoding", 2)]
    assert "no such upcall" in problems[0].message
    update = steps[1].input
    assert isinstance(update, Upcall)
    wrong = Upcall(kind="upcall", name="deliver", args=update.args)  # update's args
    problems = tracefile.validate_trace(with_input(1, wrong))
    assert [(p.kind, p.step) for p in problems] == [("encoding", 2)]
    assert "upcall args" in problems[0].message


def test_a_whole_stack_protocol_is_a_level_a_trace_may_name(auction: Trace) -> None:
    assert "auction" in tracefile.APPLICATIONS
    assert {"wire", "overlay"}.isdisjoint(tracefile.APPLICATIONS)
    assert "auction" + STACK_SUFFIX in tracefile.LEVELS
    assert "overlay" + STACK_SUFFIX not in tracefile.LEVELS
    stacked = _stack_case()
    assert [p.kind for p in tracefile.validate_trace(stacked)] == []
    header = stacked.content.header
    bogus = header.nodes[0].model_copy(update={"protocol": "wire_stack"})
    wrong = seal_trace(header.model_copy(update={"nodes": (bogus,)}), stacked.content.steps)
    assert "protocol" in [p.kind for p in tracefile.validate_trace(wrong)]
    # an alone case's parameters are not a whole stack's: the level is checked, not named
    alone = auction.content.header
    renamed = alone.nodes[0].model_copy(update={"protocol": "auction_stack"})
    mislabelled = seal_trace(alone.model_copy(update={"nodes": (renamed,)}), auction.content.steps)
    assert "encoding" in [p.kind for p in tracefile.validate_trace(mislabelled)]


def _stack_case() -> Trace:
    path = CORPUS_DIR / "auction" / "stack" / "payload-departed-001.cbor"
    return tracefile.read_trace(path)


# -- the exported schemas accept them ---------------------------------------------------------


def _json_schema(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / "json" / f"{name}.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema)


def _cddl(rule: str) -> pycddl.Schema:
    return pycddl.Schema(f"peermarket-root = {rule}\n" + (SCHEMA_DIR / CDDL_FILE).read_text())


def _hex(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple | list):
        return [_hex(v) for v in value]
    if isinstance(value, dict):
        return {k: _hex(v) for k, v in value.items()}
    return value


def test_the_trace_passes_the_exported_json_schema_and_cddl(auction: Trace) -> None:
    assert json_path(Trace) == "json/trace.schema.json"
    rendered = json.loads(auction.model_dump_json())
    assert rendered == _hex(to_value(auction))
    _json_schema("trace").validate(rendered)
    _cddl("trace").validate_cbor(tracefile.encode_trace(auction))


def test_the_prose_cddl_of_traces_accepts_the_trace(auction: Trace) -> None:
    prose = (Path(__file__).parents[1] / "spec" / "v1" / "prose" / "traces.md").read_text()
    block = prose.split("```cddl\n")[1].split("```", 1)[0]
    pycddl.Schema(block).validate_cbor(tracefile.encode_trace(auction))


def test_driver_messages_with_upcalls_and_routes_pass_both_schemas(auction: Trace) -> None:
    driver = Driver()
    setup = auction.content.header.nodes[0]
    assert isinstance(driver.handle(D.CreateNode(op="create_node", node=setup)), D.Ok)
    for step in auction.content.steps:
        request = D.InputRequest(op="input", node=step.node, at=step.at, input=step.input)
        reply = driver.handle(request)
        assert isinstance(reply, D.StepResult)
        assert reply.outputs == step.expect.outputs
        for model, message, name in (
            (D.InputRequest, request, "input_request"),
            (D.StepResult, reply, "step_result"),
        ):
            _json_schema(name).validate(json.loads(message.model_dump_json()))
            rule = name.replace("_", "-")
            _cddl(rule).validate_cbor(encode_message(message))
            assert from_value(model, cbor.decode(encode_message(message))) == message


@pytest.mark.parametrize(
    "output",
    [
        {"kind": "route", "key": bytes(15), "frame": b"x"},  # a short key
        {"kind": "route", "to": bytes(16), "frame": b"x"},  # a route has a key, not a to
        {"kind": "send", "key": bytes(16), "frame": b"x"},
        {"to": bytes(16), "key": bytes(16), "frame": b"x"},
        {"to": bytes(16)},
    ],
    ids=["short-key", "route-with-to", "wrong-kind", "both", "no-frame"],
)
def test_a_broken_output_fails_the_model_and_both_schemas(output: dict[str, Any]) -> None:
    reply = {"op": "result", "outputs": (output,), "error": None}
    with pytest.raises(Exception, match="decode"):
        from_value(D.StepResult, reply)
    assert not _json_schema("step_result").is_valid(_hex(reply))
    # cddl-rs leaves a map that is an array's item open to unknown keys, so the item is
    # checked against the choice of the two rules themselves.
    with pytest.raises(pycddl.ValidationError):
        _cddl("output / route-output").validate_cbor(cbor.encode(output))


# -- runs: levels, verdicts, diffs ------------------------------------------------------------


def test_the_reference_declares_auction_alone_and_the_whole_stack() -> None:
    hello = Driver().handle(D.Hello(op="hello", versions=(1,), runner="test"))
    assert isinstance(hello, D.HelloReply)
    assert "auction" in hello.protocols
    assert "auction" + STACK_SUFFIX in hello.protocols


def test_the_reference_passes_the_auction_case(auction_corpus: Path) -> None:
    outcome = run_corpus(reference(), auction_corpus)
    assert outcome.exit_code == ExitCode.PASSED, [format_failure(r) for r in outcome.results]
    assert [r.verdict for r in outcome.results] == ["pass"]


def test_the_reference_passes_through_the_subprocess_driver(auction_corpus: Path) -> None:
    import sys

    with SubprocessAdapter([sys.executable, "-m", "conformance.refdriver"]) as impl:
        outcome = run_corpus(impl, auction_corpus)
    assert outcome.exit_code == ExitCode.PASSED, [format_failure(r) for r in outcome.results]


def _declaring(*protocols: str) -> Any:
    def change(request: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        return {**reply, "protocols": protocols} if request["op"] == "hello" else reply

    return with_reply(change)


def test_an_iut_of_wire_and_overlay_only_gets_auction_cases_unsupported(
    auction_corpus: Path, tmp_path: Path, traces: list[Trace], auction: Trace
) -> None:
    only_auction = run_corpus(_declaring("wire", "overlay"), auction_corpus)
    assert [r.verdict for r in only_auction.results] == ["unsupported"]
    assert "does not implement auction" in only_auction.results[0].message
    assert only_auction.exit_code == ExitCode.NO_CASES  # nothing ran: never green
    mixed = kit.write_corpus(tmp_path / "mixed", [*traces, auction])
    outcome = run_corpus(_declaring("wire", "overlay"), mixed)
    verdicts = {r.case_id: r.verdict for r in outcome.results}
    assert verdicts.pop(CASE) == "unsupported"
    assert set(verdicts.values()) == {"pass"}
    assert outcome.count("fail") == 0 and outcome.exit_code == ExitCode.PASSED


def test_a_case_of_the_whole_stack_needs_the_stack_declared(auction: Trace, tmp_path: Path) -> None:
    corpus = kit.write_corpus(tmp_path / "stack", [_stack_case(), auction])
    outcome = run_corpus(_declaring("wire", "overlay", "auction"), corpus)  # alone only
    verdicts = {r.case_id: (r.verdict, r.message) for r in outcome.results}
    verdict, message = verdicts["auction/stack/payload-departed-001"]
    assert verdict == "unsupported" and "does not implement auction_stack" in message
    assert verdicts[CASE][0] == "pass"
    both = run_corpus(reference(), corpus)  # the reference declares both levels
    assert [r.verdict for r in both.results] == ["pass", "pass"]


def _outputs(change: Any) -> Any:
    return only_inputs(lambda reply: {**reply, "outputs": tuple(map(change, reply["outputs"]))})


def _failure(impl: Any, corpus: Path) -> str:
    outcome = run_corpus(impl, corpus)
    assert outcome.exit_code == ExitCode.FAILED
    return format_failure(outcome.results[0])


def test_a_route_to_the_wrong_key_fails_with_a_key_diff(auction_corpus: Path) -> None:
    rekeyed = _outputs(lambda o: {**o, "key": bytes(16)} if "key" in o else o)
    text = _failure(rekeyed, auction_corpus)
    assert f"{CASE} step 1: command 'locate'" in text
    assert "output[0]: route downcall, auction/locate seq=0" in text
    assert (
        "key: expected 5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e got 00000000000000000000000000000000"
        in (text)
    )


def test_a_frame_sent_where_a_route_is_due_says_so(auction_corpus: Path) -> None:
    sent = _outputs(lambda o: {"to": o["key"], "frame": o["frame"]} if "key" in o else o)
    text = _failure(sent, auction_corpus)
    assert "output[0]: expected a route downcall, got a frame to a neighbour" in text
    assert "expected: route to key 5e5e" in text and "actual:   to 5e5e" in text


def test_a_missing_route_is_one_line(auction_corpus: Path) -> None:
    dropped = only_inputs(
        lambda reply: {**reply, "outputs": tuple(o for o in reply["outputs"] if "key" not in o)}
    )
    text = _failure(dropped, auction_corpus)
    assert "output[0] missing: route to key 5e5e" in text


def test_a_failure_at_an_upcall_names_the_upcall_and_its_inner_frame(
    auction_corpus: Path,
) -> None:
    def flip(output: dict[str, Any]) -> dict[str, Any]:
        frame = output["frame"]
        return {**output, "frame": frame[:-1] + bytes([frame[-1] ^ 1])}

    text = _failure(_outputs(lambda o: o if "key" in o else flip(o)), auction_corpus)
    assert f"{CASE} step 6: upcall 'deliver' {{key: fdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfd, frame: " in (
        text
    )
    assert "auction/locate seq=0 from" in text


def test_evidence_shows_the_route_key(auction: Trace) -> None:
    from conformance.outcome import StepEvidence

    step = auction.content.steps[0]
    lines = evidence_lines(StepEvidence(step.expect, step.expect.outputs, None))
    route = routes(auction)[0]
    assert f"  [0] route to key {route.key.hex()}, {len(route.frame)} bytes:" in lines
    assert any('"type": "locate"' in line for line in lines)


def test_output_diffs_pair_outputs_by_kind_key_and_frame(auction: Trace) -> None:
    route = routes(auction)[0]
    same_as_frame: Emitted = Output(to=route.key, frame=route.frame)
    assert diff.diff_outputs([route], [route]) == []
    assert diff.diff_outputs([route], [same_as_frame])[0].endswith(
        "expected a route downcall, got a frame to a neighbour"
    )
    assert diff.diff_outputs([same_as_frame], [route])[0].endswith(
        "expected a frame to a neighbour, got a route downcall"
    )
    assert diff.diff_outputs([], [route]) == [
        "expected 0 output(s), got 1",
        f"output[0] unexpected: {diff.describe_output(route)}",
    ]


def test_upcall_descriptions(auction: Trace) -> None:
    update, forward = (s.input for s in auction.content.steps[1:5:3])
    assert isinstance(update, Upcall) and isinstance(forward, Upcall)
    assert diff.describe_upcall(update).startswith("upcall 'update' {node: ")
    assert diff.describe_upcall(update).endswith(", joined: true}")
    assert "frame: auction/locate seq=0 from" in diff.describe_upcall(forward)
    assert diff.upcall_problem(update) == ""
    bad = Upcall(kind="upcall", name="update", args=b"\xff")
    assert diff.describe_upcall(bad) == "upcall 'update' (1 argument bytes, not a CBOR map)"
    assert diff.upcall_problem(bad).startswith("args are not a valid update upcall")
    assert "not an upcall" in diff.upcall_problem(bad.model_copy(update={"name": "x"}))


# -- showing them ------------------------------------------------------------------------------


def test_the_outline_names_each_upcall_and_counts_the_route(auction: Trace) -> None:
    rows = outline_rows(auction)
    assert [row[3] for row in rows] == [
        "command locate",
        "upcall update b joined",
        "upcall update c joined",
        "upcall update d joined",
        "upcall forward auction/locate seq=0 by peer for fdfdfdfd… next b",
        "upcall deliver auction/locate seq=0 by peer for fdfdfdfd…",
    ]
    assert [row[4] for row in rows] == ["1", "0", "0", "0", "0", "4"]
    assert len(outline_lines(auction)) == 1 + len(rows)


def test_trace_show_draws_the_route_and_the_upcalls(auction_corpus: Path) -> None:
    path = tracefile.trace_path(auction_corpus, CASE)
    result = invoke("trace", "show", str(path))
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "output 1 route to key h'5e5e" in out
    assert "body (auction/locate, 51 bytes)" in out
    assert "input upcall update from the overlay" in out
    assert "input upcall forward from the overlay" in out and "next_hop b" in out
    assert "input upcall deliver from the overlay" in out
    assert "body (auction/broker_set" in out and "body (auction/service_notice" in out
    assert "[bold]" not in out


def test_trace_show_step_decodes_the_inner_frame_of_an_upcall(auction_corpus: Path) -> None:
    path = tracefile.trace_path(auction_corpus, CASE)
    result = invoke("trace", "show", str(path), "--step", "6")
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "step 6 node a at tick 6" in out and "step 5" not in out
    assert "frame (247 bytes)" in out and "sender peer" in out
    assert "body (auction/locate, 51 bytes)" in out


def test_trace_show_json_of_upcalls_and_routes(auction_corpus: Path) -> None:
    path = tracefile.trace_path(auction_corpus, CASE)
    result = invoke("trace", "show", "--json", str(path))
    assert result.exit_code == 0, result.output
    steps = json.loads(result.output)["steps"]
    route = steps[0]["expect"]["outputs"][0]
    assert route["kind"] == "route" and route["key"] == "5e" * 16 and route["key_name"] is None
    assert route["decoded"]["envelope"]["value"]["type"] == "locate"
    forward = steps[4]["input"]
    assert forward["kind"] == "upcall" and forward["name"] == "forward"
    assert forward["decoded"]["value"]["key"] == "fd" * 16
    assert forward["frame_decoded"]["body"]["value"]["service"] == "fd" * 16
    assert forward["arg_names"] == {"next_hop": "b"}
    assert forward["problem"] is None
    assert steps[1]["input"]["arg_names"] == {"node": "b"}
    assert "frame_decoded" not in steps[1]["input"]
    sent = steps[5]["expect"]["outputs"][0]
    assert sent["to_name"] == "peer" and "key_name" not in sent


def test_corpus_show_step_of_the_auction_case(auction_corpus: Path) -> None:
    result = invoke("corpus", "show", CASE, "--traces", str(auction_corpus))
    assert result.exit_code == 0, result.output
    assert "upcall deliver auction/locate" in result.output
    result = invoke("corpus", "show", CASE, "--step", "1", "--traces", str(auction_corpus))
    assert result.exit_code == 0, result.output
    assert "output 1 route to key" in flat(result.output)
