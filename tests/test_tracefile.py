"""``peermarket trace show`` and ``trace validate`` on good files and on each kind of bad one.

Each bad file differs from a good corpus trace in exactly one way (re-sealed
with a correct content hash unless the hash itself is the defect), so each
test proves the validator catches that one rule.
"""

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pydantic import ValidationError

from conformance import tracefile
from conformance.cli_corpus import CORPUS_DIR, trace
from reference.codec import encode_message, from_value, to_value
from reference.corpus import seal_trace
from spec.v1.errors import DECODE_BAD_VALUE, PeerMarketError
from spec.v1.flags import FLAGS
from spec.v1.trace import Expect, Step, Trace, TraceContent, TraceHeader

NEGATIVE = "wire/codec/non-shortest-seq-001"
POSITIVE = "wire/ping/round-trip-001"
COMMAND_ERROR = "wire/machine/command-args-non-canonical-001"


def path_of(case_id: str) -> Path:
    return tracefile.trace_path(CORPUS_DIR, case_id)


def load(case_id: str) -> Trace:
    return tracefile.read_trace(path_of(case_id))


def invoke(*args: str) -> Result:
    return CliRunner().invoke(trace, list(args))


def resealed(
    original: Trace,
    header: Callable[[TraceHeader], TraceHeader] = lambda h: h,
    steps: Callable[[tuple[Step, ...]], tuple[Step, ...]] = lambda s: s,
) -> Trace:
    """``original`` with its header or steps changed, and a correct content hash."""
    return seal_trace(header(original.content.header), steps(original.content.steps))


def unchecked(original: Trace, header: TraceHeader) -> Trace:
    """``original`` with ``header`` and a correct content hash, skipping the models' validators
    (so the header may break a rule the models enforce)."""
    content = TraceContent.model_construct(header=header, steps=original.content.steps)
    digest = hashlib.sha256(encode_message(content)).digest()
    return Trace.model_construct(content=content, content_hash=digest)


def write_as(tmp_path: Path, case_id: str, changed: Trace) -> Path:
    path = tracefile.trace_path(tmp_path, case_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tracefile.encode_trace(changed))
    return path


def with_step(index: int, **expect: Any) -> Callable[[tuple[Step, ...]], tuple[Step, ...]]:
    def change(steps: tuple[Step, ...]) -> tuple[Step, ...]:
        step = steps[index]
        new = step.model_copy(update={"expect": step.expect.model_copy(update=expect)})
        return (*steps[:index], new, *steps[index + 1 :])

    return change


# -- validate ---------------------------------------------------------------------------------


def test_validate_accepts_good_files() -> None:
    result = invoke("validate", str(path_of(NEGATIVE)), str(path_of(POSITIVE)))
    assert result.exit_code == 0, result.output
    assert "2 files valid" in result.output


def test_validate_accepts_the_whole_corpus_directory() -> None:
    result = invoke("validate", str(CORPUS_DIR))
    assert result.exit_code == 0, result.output
    assert "files valid" in result.output


def test_validate_accepts_a_good_copy_at_the_right_relative_path(tmp_path: Path) -> None:
    path = write_as(tmp_path, NEGATIVE, load(NEGATIVE))
    result = invoke("validate", str(path))
    assert result.exit_code == 0, result.output


def expect_problem(path: Path, kind: str, *fragments: str) -> str:
    result = invoke("validate", str(path))
    assert result.exit_code == 1, result.output
    assert f"[{kind}]" in result.output, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert "1 of 1 files invalid" in result.output
    return result.output


def test_bad_content_hash(tmp_path: Path) -> None:
    good = load(NEGATIVE)
    bad = good.model_copy(update={"content_hash": bytes(32)})
    output = expect_problem(write_as(tmp_path, NEGATIVE, bad), "content_hash", "0" * 64)
    assert good.content_hash.hex() in output


def test_unknown_flag(tmp_path: Path) -> None:
    bad = resealed(load(NEGATIVE), header=lambda h: h.model_copy(update={"flags": ("NoSuchFlag",)}))
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "flag", "'NoSuchFlag'")


def test_unknown_error_code(tmp_path: Path) -> None:
    bad = resealed(load(NEGATIVE), steps=with_step(0, error="decode.no_such_code"))
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "error_code", "decode.no_such_code", "step 1")


def test_engine_error_codes_cannot_be_required(tmp_path: Path) -> None:
    bad = resealed(load(NEGATIVE), steps=with_step(0, error="engine.illegal_emit"))
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "error_code", "engine.illegal_emit")


def test_mismatched_path(tmp_path: Path) -> None:
    path = write_as(tmp_path, "wire/codec/somewhere-else-001", load(NEGATIVE))
    expect_problem(path, "path", NEGATIVE)


def test_mismatched_path_under_a_corpus_root(tmp_path: Path) -> None:
    write_as(tmp_path, "wire/codec/somewhere-else-001", load(NEGATIVE))
    result = invoke("validate", str(tmp_path))
    assert result.exit_code == 1
    assert "[path]" in result.output


def test_not_a_trace(tmp_path: Path) -> None:
    path = tmp_path / "junk.cbor"
    path.write_bytes(b"\xa1\x61a\x01\x00")
    expect_problem(path, "decode", "trailing_bytes")


def test_non_canonical_trace_file(tmp_path: Path) -> None:
    path = write_as(tmp_path, NEGATIVE, load(NEGATIVE))
    data = path.read_bytes()
    path.write_bytes(b"\xb8\x02" + data[1:])  # map count 2 in a one-byte argument
    expect_problem(path, "decode", "non_canonical")


def test_negative_tag_without_an_error(tmp_path: Path) -> None:
    bad = resealed(load(POSITIVE), header=lambda h: h.model_copy(update={"tags": ("negative",)}))
    expect_problem(write_as(tmp_path, POSITIVE, bad), "tag", "no step expects an error")


def test_error_without_the_negative_tag(tmp_path: Path) -> None:
    bad = resealed(load(NEGATIVE), header=lambda h: h.model_copy(update={"tags": ("edge",)}))
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "tag", "lack 'negative'")


def test_negative_without_flags(tmp_path: Path) -> None:
    bad = resealed(load(NEGATIVE), header=lambda h: h.model_copy(update={"flags": ()}))
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "flag", "at least one flag")


def test_time_running_backwards(tmp_path: Path) -> None:
    def backwards(steps: tuple[Step, ...]) -> tuple[Step, ...]:
        return (steps[0].model_copy(update={"at": 10}), steps[1].model_copy(update={"at": 9}))

    bad = resealed(load(POSITIVE), steps=backwards)
    expect_problem(write_as(tmp_path, POSITIVE, bad), "time", "step 2")


def test_positional_case_id(tmp_path: Path) -> None:
    bad = resealed(
        load(NEGATIVE), header=lambda h: h.model_copy(update={"case_id": "wire/codec/17"})
    )
    expect_problem(write_as(tmp_path, "wire/codec/17", bad), "case_id", "positional")


def test_rejection_that_changes_the_state(tmp_path: Path) -> None:
    state = load(POSITIVE).content.steps[0].expect.state
    assert state is not None
    original = load("wire/replay/same-frame-twice-001")
    bad = resealed(original, steps=with_step(1, state=state))
    path = write_as(tmp_path, "wire/replay/same-frame-twice-001", bad)
    expect_problem(path, "expect", "unchanged")


def test_error_with_outputs(tmp_path: Path) -> None:
    """The Expect model refuses it, so a file holding one does not even decode."""
    outputs = load(POSITIVE).content.steps[0].expect.outputs
    bad = resealed(load(NEGATIVE), steps=with_step(0, outputs=outputs))
    expect_problem(
        write_as(tmp_path, NEGATIVE, bad), "decode", "steps[0].expect", "outputs at once"
    )


def test_repeated_flag(tmp_path: Path) -> None:
    flags = ("NonShortestInteger", "NonShortestInteger")
    good = load(NEGATIVE)
    bad = unchecked(good, good.content.header.model_copy(update={"flags": flags}))
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "decode", "flags repeat")


def test_repeated_tag(tmp_path: Path) -> None:
    tags = ("negative", "adversarial", "negative")
    good = load(NEGATIVE)
    bad = unchecked(good, good.content.header.model_copy(update={"tags": tags}))
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "decode", "tags repeat")


def test_validate_trace_still_checks_what_the_models_refuse() -> None:
    """``model_copy`` skips validators, so an in-memory trace can break the models' rules."""
    outputs = load(POSITIVE).content.steps[0].expect.outputs
    flags = ("NonShortestInteger", "NonShortestInteger")
    tags = ("negative", "negative")
    with_outputs = resealed(load(NEGATIVE), steps=with_step(0, outputs=outputs))
    header = with_outputs.content.header.model_copy(update={"flags": flags, "tags": tags})
    bad = unchecked(with_outputs, header)
    kinds = {problem.kind for problem in tracefile.validate_trace(bad)}
    assert {"expect", "flag", "tag"} <= kinds


# -- the trace models refuse what no trace may say ----------------------------------------------


def test_the_expect_model_refuses_an_error_with_outputs() -> None:
    outputs = load(POSITIVE).content.steps[0].expect.outputs
    with pytest.raises(ValidationError, match="outputs at once"):
        Expect(outputs=outputs, error="decode.malformed", state=None)
    assert Expect(outputs=(), error="decode.malformed", state=None).error == "decode.malformed"
    assert Expect(outputs=outputs, error=None, state=None).outputs == outputs


@pytest.mark.parametrize(
    ("field", "value"),
    [("tags", ("negative", "negative")), ("flags", ("TagUsed", "BadMapKey", "TagUsed"))],
)
def test_the_header_model_refuses_repeats(field: str, value: tuple[str, ...]) -> None:
    fields = load(NEGATIVE).content.header.model_dump()
    with pytest.raises(ValidationError, match=f"{field} repeat"):
        TraceHeader.model_validate({**fields, field: value})
    assert TraceHeader.model_validate(fields) == load(NEGATIVE).content.header


def test_a_model_rule_is_a_typed_decode_error() -> None:
    header = to_value(load(NEGATIVE).content.header)
    with pytest.raises(PeerMarketError) as caught:
        from_value(TraceHeader, {**header, "flags": ("TagUsed", "TagUsed")})
    assert caught.value.code == DECODE_BAD_VALUE


def test_state_that_is_not_the_observable_model(tmp_path: Path) -> None:
    bad = resealed(load(POSITIVE), steps=with_step(0, state=b"\xa1\x61x\x01"))
    expect_problem(write_as(tmp_path, POSITIVE, bad), "encoding", "expected state")


def test_unknown_node(tmp_path: Path) -> None:
    def elsewhere(steps: tuple[Step, ...]) -> tuple[Step, ...]:
        return (steps[0].model_copy(update={"node": "zz"}),)

    bad = resealed(load(NEGATIVE), steps=elsewhere)
    expect_problem(write_as(tmp_path, NEGATIVE, bad), "node", "'zz'")


def test_validate_reports_every_file(tmp_path: Path) -> None:
    bad = write_as(tmp_path, "wire/codec/somewhere-else-001", load(NEGATIVE))
    result = invoke("validate", str(path_of(POSITIVE)), str(bad))
    assert result.exit_code == 1
    assert f"ok {path_of(POSITIVE)}" in result.output
    assert "1 of 2 files invalid" in result.output


def test_every_problem_kind_is_documented() -> None:
    source = Path(tracefile.__file__).read_text("utf-8")
    for kind in tracefile.PROBLEM_KINDS:
        assert f'"{kind}"' in source
    prose = (Path(__file__).parents[1] / "spec" / "v1" / "prose" / "traces.md").read_text("utf-8")
    for kind in tracefile.PROBLEM_KINDS:
        assert f"`{kind}`" in prose, f"traces.md does not document problem kind {kind}"


def test_every_flag_is_documented_with_its_bug_type() -> None:
    prose = (Path(__file__).parents[1] / "spec" / "v1" / "prose" / "traces.md").read_text("utf-8")
    documented = {
        cells[1].strip("` "): cells[2].strip("` ")
        for line in prose.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) == 5
    }
    for flag in FLAGS:
        assert documented.get(flag.name) == flag.bug_type, f"traces.md: flag {flag.name}"


# -- show -------------------------------------------------------------------------------------


def test_show_renders_a_negative_case_for_people() -> None:
    result = invoke("show", str(path_of(NEGATIVE)))
    assert result.exit_code == 0, result.output
    out = result.output
    assert NEGATIVE in out
    assert "NonShortestInteger" in out
    assert "malleability" in out  # from the flag's description
    assert "decode.non_canonical" in out
    assert "Integer or length not in its shortest form." in out  # the code's summary
    assert "does not decode" in out and "@5" in out
    assert "verified" in out


def test_show_decodes_envelopes_bodies_commands_and_state() -> None:
    result = invoke("show", str(path_of(POSITIVE)))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "command ping" in out
    assert '"nonce-a1"' in out
    assert "body (wire/ping" in out and "body (wire/pong" in out
    assert "sent_at" in out and "ping_sent_at" in out
    assert "next_seq" in out and "pending" in out
    assert "[bold]" not in out  # markup never leaks


def test_show_points_at_a_defect_in_command_arguments() -> None:
    result = invoke("show", str(path_of(COMMAND_ERROR)))
    assert result.exit_code == 0, result.output
    assert "args does not decode" in result.output
    assert "read leniently" in result.output


def test_show_json() -> None:
    result = invoke("show", "--json", str(path_of(POSITIVE)))
    assert result.exit_code == 0, result.output
    rendered = json.loads(result.output)
    assert rendered["content_hash_valid"] is True
    assert rendered["problems"] == []
    assert rendered["header"]["case_id"] == POSITIVE
    first, second = rendered["steps"]
    assert first["input"]["kind"] == "command"
    assert first["input"]["decoded"]["value"]["nonce"] == b"nonce-a1".hex()
    output = first["expect"]["outputs"][0]
    assert output["to_name"] == "b"
    assert output["decoded"]["envelope"]["value"]["type"] == "ping"
    assert output["decoded"]["body"]["value"]["nonce"] == b"nonce-a1".hex()
    assert bytes.fromhex(output["frame"])  # bytes are hex
    assert second["input"]["link_name"] == "b"
    assert second["expect"]["state_decoded"]["value"]["pending"] == []


def test_show_json_of_a_negative_case() -> None:
    result = invoke("show", "--json", str(path_of(NEGATIVE)))
    rendered = json.loads(result.output)
    flag = rendered["header"]["flags"][0]
    assert flag["name"] == "NonShortestInteger" and flag["description"]
    step = rendered["steps"][0]
    assert step["expect"]["error"] == "decode.non_canonical"
    assert step["expect"]["error_summary"] == "Integer or length not in its shortest form."
    assert step["input"]["decoded"]["envelope"]["error"] == {
        "code": "decode.non_canonical",
        "field": "@5",
        "reason": "argument 1 not in its shortest form",
    }


def test_show_an_oversized_frame() -> None:
    result = invoke("show", str(path_of("wire/codec/oversized-frame-001")))
    assert result.exit_code == 0, result.output
    assert "65537 bytes" in result.output


def test_show_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.cbor"
    path.write_bytes(b"\xff")
    result = invoke("show", str(path))
    assert result.exit_code == 1
    assert "not a trace" in result.output
    result = invoke("show", "--json", str(path))
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["kind"] == "decode"


def test_show_lists_problems_of_a_trace_that_decodes(tmp_path: Path) -> None:
    bad = load(NEGATIVE).model_copy(update={"content_hash": bytes(32)})
    result = invoke("show", str(write_as(tmp_path, NEGATIVE, bad)))
    assert result.exit_code == 0
    assert "MISMATCH" in result.output
    assert "[content_hash]" in result.output


@pytest.mark.parametrize("case_id", [NEGATIVE, POSITIVE, "wire/codec/oversized-frame-001"])
def test_round_trip_of_the_file_bytes(case_id: str) -> None:
    path = path_of(case_id)
    assert tracefile.encode_trace(tracefile.read_trace(path)) == path.read_bytes()


# -- the prose's CDDL -------------------------------------------------------------------------


def prose_cddl() -> str:
    prose = (Path(__file__).parents[1] / "spec" / "v1" / "prose" / "traces.md").read_text("utf-8")
    blocks = prose.split("```cddl\n")
    assert len(blocks) == 2, "traces.md must hold exactly one cddl block"
    return blocks[1].split("```", 1)[0]


def test_the_prose_cddl_accepts_every_corpus_trace() -> None:
    import pycddl

    schema = pycddl.Schema(prose_cddl())
    paths = sorted(CORPUS_DIR.rglob("*.cbor"))
    assert paths
    for path in paths:
        schema.validate_cbor(path.read_bytes())


def test_the_prose_cddl_rejects_a_trace_without_its_hash() -> None:
    import pycddl

    from reference import cbor

    schema = pycddl.Schema(prose_cddl())
    value = cbor.decode(path_of(NEGATIVE).read_bytes(), max_size=tracefile.MAX_TRACE_FILE_BYTES)
    assert isinstance(value, dict)
    with pytest.raises(pycddl.ValidationError):
        schema.validate_cbor(cbor.encode({"content": value["content"]}))
