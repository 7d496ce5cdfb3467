"""Failure reports an implementer can act on: lists diffed by element, the step's note,
and (``conform --full``) the failing step's frames whole."""

import re

from click.testing import CliRunner

from conformance import diff
from conformance.cli_conform import conform
from conformance.evidence import decoded_frame, evidence_lines
from conformance.outcome import StepEvidence
from conformance.report import format_failure
from conformance.runner import DEFAULT_TRACES, CaseResult
from reference.envelope import seal
from reference.identity import Identity
from spec.v1.trace import Expect, Output
from spec.v1.wire import Pong

FLIP = "tests/broken_iuts/flip_byte.py"


def test_a_reordered_list_is_one_difference() -> None:
    lines = diff.diff_values({"pending": [1, 2, 3, 4, 5, 6]}, {"pending": [6, 1, 2, 3, 4, 5]})
    assert lines == [
        "pending: the same 6 items in another order: the actual list has the expected "
        "items [5, 0, 1, 2, 3, 4]"
    ]


def test_an_item_missing_at_the_front_is_one_difference_not_one_per_shift() -> None:
    lines = diff.diff_values({"p": [1, 2, 3, 4, 5, 6]}, {"p": [2, 3, 4, 5, 6]})
    assert lines == ["p: expected 6 items got 5", "p[0]: missing (expected 1)"]


def test_a_changed_item_is_diffed_inside_at_its_place() -> None:
    lines = diff.diff_values({"p": [{"a": 1}, {"a": 2}, {"a": 3}]}, {"p": [{"a": 1}, {"a": 9}]})
    assert "p[1].a: expected 2 got 9" in lines
    assert "p[2]: missing (expected {a: 3})" in lines


def test_repeated_items_in_another_order_keep_their_positions() -> None:
    lines = diff.diff_values([1, 1, 2], [2, 1, 1])
    assert lines == [
        "value: the same 3 items in another order: the actual list has the expected items [2, 0, 1]"
    ]


def _pong_output(nonce: bytes) -> Output:
    who = Identity.from_label("a")
    frame = seal(who, Pong(nonce=nonce, ping_sent_at=3), 1)
    return Output(to=Identity.from_label("b").node_id, frame=frame)


def test_evidence_shows_both_sides_whole_in_hex_and_decoded() -> None:
    expected = _pong_output(b"expected")
    actual = _pong_output(b"actual!!")
    evidence = StepEvidence(Expect(outputs=(expected,), error=None, state=None), (actual,))
    lines = evidence_lines(evidence)
    text = "\n".join(lines)
    rows = [re.fullmatch(r"\s+\d+  ([0-9a-f]+)", line) for line in lines]
    shown = "".join(row.group(1) for row in rows if row)
    assert shown == expected.frame.hex() + actual.frame.hex()  # both frames, whole, in order
    assert expected.to.hex() in text
    assert b"expected".hex() in text and b"actual!!".hex() in text  # the bodies, decoded
    assert '"ping_sent_at": 3' in text
    assert "expected error: none" in text and "actual error: none" in text


def test_a_frame_that_does_not_decode_says_why() -> None:
    assert decoded_frame(b"\xff")[0].startswith("does not decode: decode.")


def test_failure_text_prints_the_step_note_and_only_with_full_the_frames() -> None:
    evidence = StepEvidence(Expect(outputs=(_pong_output(b"expected"),), error=None, state=None))
    result = CaseResult(
        case_id="wire/ping/answer-001",
        protocol="wire",
        verdict="fail",
        step=1,
        phase="step",
        message="outputs differ",
        note="ping from b, seq 1",
        evidence=evidence,
    )
    short = format_failure(result)
    assert "    the step: ping from b, seq 1" in short
    assert "expected outputs" not in short
    full = format_failure(result, full=True)
    assert "expected outputs (1):" in full and "actual outputs: none" in full


def test_conform_full_prints_expected_and_actual_frames_of_the_failing_step() -> None:
    import sys

    result = CliRunner().invoke(
        conform,
        [
            "--impl",
            f"{sys.executable} {FLIP}",
            "--traces",
            str(DEFAULT_TRACES),
            "--select",
            "wire/ping/answer-001",
            "--full",
            "-q",
        ],
    )
    assert result.exit_code == 1, result.output
    out = result.output
    assert "the step: ping from b, seq 1" in out
    assert "expected outputs (1):" in out and "actual outputs (1):" in out
    assert '"type": "pong"' in out
    # The flipped last byte shows in the actual frame's hex, not in the expected one's.
    assert "15d8f76ea26a9387" in out and "15d8f76ea26a9386" in out
