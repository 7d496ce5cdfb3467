"""A trace as one line per step: tick, node, input, number of outputs, error, state, note.

The outline ``peermarket corpus show ID`` prints below a trace's header, so a
trace of hundreds of steps fits on a screen or two and a reader can pick the
step to show in full (``--step N``, numbered from 1 as in the failure report).
Plain aligned text, never wrapped, so it can be searched with grep. The
outputs column counts frames and ``route`` downcalls alike.
"""

from collections.abc import Collection, Mapping, Sequence
from typing import Final

from conformance import diff
from conformance.tracedecode import node_names, view_frame, view_upcall
from spec.v1.trace import Command, FireTimer, Input, Trace, Upcall

OUTLINE_COLUMNS: Final = ("step", "tick", "node", "input", "outputs", "error", "state", "note")


def _name(node_id: bytes, names: Mapping[bytes, str]) -> str:
    return names.get(node_id) or node_id.hex()[:8] + "…"


def _frame_kind(frame: bytes, names: Mapping[bytes, str]) -> str | None:
    """``wire/pong seq=1`` (with ``by <signer>`` when the signer is named), or None when the
    frame is not an envelope map."""
    envelope = view_frame(frame).envelope.value
    if not isinstance(envelope, Mapping):
        return None
    protocol, type_, seq, sender = (envelope.get(k) for k in ("protocol", "type", "seq", "sender"))
    if not (isinstance(protocol, str) and isinstance(type_, str)):
        return None
    at = f" seq={seq}" if isinstance(seq, int) else ""
    by = f" by {names[sender]}" if isinstance(sender, bytes) and sender in names else ""
    return f"{protocol}/{type_}{at}{by}"


def describe_upcall(item: Upcall, names: Mapping[bytes, str]) -> str:
    """``upcall deliver auction/locate seq=0 by b for fdfdfdfd…``, ``upcall forward ... next c``,
    ``upcall update c joined``, or what is wrong with arguments that do not decode."""
    view = view_upcall(item)
    args = view.args.value
    if not isinstance(args, Mapping):
        return f"upcall {item.name} ({len(item.args)} argument bytes, not a CBOR map)"
    parts = [f"upcall {item.name}"]
    if view.frame is not None:
        parts.append(_frame_kind(view.frame, names) or diff.describe_frame(view.frame))
    key, next_hop, node, joined = (args.get(k) for k in ("key", "next_hop", "node", "joined"))
    if isinstance(key, bytes):
        parts.append(f"for {_name(key, names)}")
    if isinstance(next_hop, bytes):
        parts.append(f"next {_name(next_hop, names)}")
    if isinstance(node, bytes):
        parts.append(_name(node, names))
    if isinstance(joined, bool):
        parts.append("joined" if joined else "left")
    return " ".join(parts)


def describe_input(item: Input, names: Mapping[bytes, str]) -> str:
    """``command ping``, ``timer probe``, ``deliver wire/pong seq=1 from b`` (the link's name),
    an upcall (:func:`describe_upcall`), or what is wrong with a frame that does not decode."""
    if isinstance(item, Command):
        return f"command {item.name}"
    if isinstance(item, FireTimer):
        return f"timer {item.name}"
    if isinstance(item, Upcall):
        return describe_upcall(item, names)
    link = _name(item.link, names)
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
