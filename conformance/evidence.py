"""A failing step in full: every expected and actual frame, in hex and decoded.

The diff (:mod:`conformance.diff`) says where two results part; sometimes an
implementer needs the whole of both, to decode them with their own tools or
to compare them by eye. ``peermarket conform --full`` prints this for each
failing step: the expected and the actual outputs (recipient, or the key of a
``route`` downcall, then the frame's hex, then the envelope decoded with its
body decoded in place), the
error codes, and, when the state differed, both states decoded.
"""

import json
from collections.abc import Sequence
from typing import Final

from conformance.outcome import StepEvidence
from conformance.tracedecode import decode_for_display, value_json, view_frame
from spec.v1.trace import Emitted, RouteOutput

HEX_PER_LINE: Final = 32
"""Bytes per line of hex."""


def hex_lines(data: bytes) -> list[str]:
    """Lowercase hex, ``HEX_PER_LINE`` bytes a line, each line prefixed with its offset."""
    return [
        f"{offset:6d}  {data[offset : offset + HEX_PER_LINE].hex()}"
        for offset in range(0, len(data), HEX_PER_LINE)
    ] or ["(empty)"]


def decoded_frame(frame: bytes) -> list[str]:
    """The envelope as indented JSON (bytes as hex), its body decoded in place; or why not."""
    view = view_frame(frame)
    if view.envelope.error is not None:
        return [f"does not decode: {view.envelope.error}"]
    shown = value_json(view.envelope.value)
    if view.body is not None and isinstance(shown, dict):
        body = view.body
        shown["body"] = (
            {"does not decode": str(body.error)} if body.error else value_json(body.value)
        )
    return json.dumps(shown, indent=2, ensure_ascii=False).splitlines()


def _outputs(title: str, outputs: Sequence[Emitted]) -> list[str]:
    lines = [f"{title} ({len(outputs)}):" if outputs else f"{title}: none"]
    for i, output in enumerate(outputs):
        if isinstance(output, RouteOutput):
            where = f"route to key {output.key.hex()}"
        else:
            where = f"to {output.to.hex()}"
        lines.append(f"  [{i}] {where}, {len(output.frame)} bytes:")
        lines += ["      " + line for line in hex_lines(output.frame)]
        lines += ["      " + line for line in decoded_frame(output.frame)]
    return lines


def _state(title: str, state: bytes) -> list[str]:
    decoded = decode_for_display(state)
    lines = [f"{title}, {len(state)} bytes:"]
    lines += ["  " + line for line in hex_lines(state)]
    if decoded.error is not None:
        return [*lines, f"  does not decode: {decoded.error}"]
    body = json.dumps(value_json(decoded.value), indent=2, ensure_ascii=False)
    return lines + ["  " + line for line in body.splitlines()]


def evidence_lines(evidence: StepEvidence) -> list[str]:
    """Everything the step required, then everything the IUT did."""
    expected = evidence.expected
    lines = _outputs("expected outputs", expected.outputs)
    lines += _outputs("actual outputs", evidence.outputs)
    lines.append(f"expected error: {expected.error or 'none'}")
    lines.append(f"actual error: {evidence.error or 'none'}")
    if evidence.state is not None and expected.state is not None:
        lines += _state("expected state", expected.state)
        lines += _state("actual state", evidence.state)
    return lines
