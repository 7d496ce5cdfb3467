"""A trace as one line per step: tick, node, input, number of outputs, error, state, note.

The outline ``peermarket corpus show ID`` prints below a trace's header, so a
trace of hundreds of steps fits on a screen or two and a reader can pick the
step to show in full (``--step N``, numbered from 1 as in the failure report).
Plain aligned text, never wrapped, so it can be searched with grep.
"""

from collections.abc import Collection, Mapping, Sequence
from typing import Final

from conformance import diff
from conformance.tracedecode import node_names, view_frame
from spec.v1.trace import Command, FireTimer, Input, Trace

OUTLINE_COLUMNS: Final = ("step", "tick", "node", "input", "outputs", "error", "state", "note")


def describe_input(item: Input, names: Mapping[bytes, str]) -> str:
    """``command ping``, ``timer probe``, ``deliver wire/pong seq=1 from b`` (the link's name),
    or what is wrong with a frame that does not decode."""
    if isinstance(item, Command):
        return f"command {item.name}"
    if isinstance(item, FireTimer):
        return f"timer {item.name}"
    link = names.get(item.link) or item.link.hex()[:8] + "…"
    envelope = view_frame(item.frame).envelope.value
    if isinstance(envelope, Mapping):
        protocol, type_, seq = (envelope.get(k) for k in ("protocol", "type", "seq"))
        if isinstance(protocol, str) and isinstance(type_, str):
            at = f" seq={seq}" if isinstance(seq, int) else ""
            return f"deliver {protocol}/{type_}{at} from {link}"
    return f"deliver {diff.describe_frame(item.frame)} from {link}"


def outline_rows(trace: Trace) -> list[tuple[str, ...]]:
    """One row per step, in :data:`OUTLINE_COLUMNS` order."""
    names = node_names(trace)
    rows: list[tuple[str, ...]] = []
    for number, step in enumerate(trace.content.steps, start=1):
        expect = step.expect
        rows.append(
            (
                str(number),
                str(step.at),
                step.node,
                describe_input(step.input, names),
                "-" if expect.error is not None else str(len(expect.outputs)),
                expect.error or "-",
                "checked" if expect.state is not None else "-",
                step.note,
            )
        )
    return rows


def align(rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """``rows`` as plain-text lines: columns two spaces apart, padded to their widest cell
    (right-aligned for the column numbers in ``right``), the last column unpadded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row[:-1], widths, strict=True))
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


def outline_lines(trace: Trace) -> list[str]:
    """The outline as aligned plain-text lines (a heading, then one line per step)."""
    return align([OUTLINE_COLUMNS, *outline_rows(trace)], right={0, 1, 4})
