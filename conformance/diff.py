"""Readable differences between what a trace expects and what the IUT did.

A failure report is only useful if a person can see *what* differs, so
frames are decoded as envelopes (and their bodies as CBOR, checked against
the message registry) and compared field by field, e.g.
``body.nonce: expected 0000000000000001 got 0000000000000002``. Bytes that
do not decode fall back to hex around the first differing offset. An output
is a frame to a neighbour or a ``route`` downcall (its key and the inner
frame), and is shown as one or the other. Every function returns lines of
text; the report indents and joins them.
"""

import difflib
from collections.abc import Mapping, Sequence
from typing import Final

from reference import cbor
from reference.codec import decode_message, from_value
from spec.v1 import driver as D
from spec.v1.envelope import Envelope
from spec.v1.errors import PeerMarketError
from spec.v1.registry import MESSAGES, UPCALLS
from spec.v1.trace import Emitted, RouteOutput, Upcall

BYTES_SHOWN: Final = 16
"""Bytes values longer than this are shown as a window around their first difference."""
HEX_WINDOW: Final = 16
MAX_LINES: Final = 40
"""A diff longer than this is cut, with a note saying how many lines were left out."""
DECODE_LIMIT: Final = D.MAX_DRIVER_FRAME
"""Frames are decoded for display with the driver's limit, so oversized frames still render."""

_MISSING: Final = object()


def _decode(data: bytes) -> tuple[cbor.Value, str]:
    """The CBOR value of ``data`` and "" or (None, why it does not decode)."""
    try:
        return cbor.decode(data, max_size=DECODE_LIMIT), ""
    except PeerMarketError as exc:
        return None, str(exc)


def first_difference(expected: bytes, actual: bytes) -> int | None:
    """Offset of the first differing byte (the shorter length if one is a prefix); None if equal."""
    for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
        if e != a:
            return i
    return None if len(expected) == len(actual) else min(len(expected), len(actual))


def _window(data: bytes, start: int) -> str:
    chunk = data[start : start + HEX_WINDOW]
    text = ("…" if start else "") + chunk.hex()
    return text + ("…" if start + HEX_WINDOW < len(data) else "")


def render_bytes(data: bytes) -> str:
    """Short hex for short bytes, a prefix and the length for long ones."""
    if len(data) <= BYTES_SHOWN:
        return data.hex() or "(empty)"
    return f"{data[:BYTES_SHOWN].hex()}… ({len(data)} bytes)"


def render(value: object) -> str:
    """One value as a person reads it: hex for bytes, JSON-like for the rest."""
    if isinstance(value, bytes):
        return render_bytes(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {render(v)}" for k, v in value.items()) + "}"
    return str(value)


def _bytes_pair(path: str, expected: bytes, actual: bytes) -> str:
    if len(expected) <= BYTES_SHOWN and len(actual) <= BYTES_SHOWN:
        return f"{path}: expected {render_bytes(expected)} got {render_bytes(actual)}"
    at = first_difference(expected, actual) or 0
    start = at - at % HEX_WINDOW
    return (
        f"{path}: {len(expected)} vs {len(actual)} bytes, first difference at byte {at}: "
        f"expected {_window(expected, start)} got {_window(actual, start)}"
    )


def diff_values(expected: object, actual: object, path: str = "") -> list[str]:
    """Every path at which two decoded CBOR values differ, one line each."""
    label = path or "value"
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        lines: list[str] = []
        for key in sorted(set(expected) | set(actual), key=lambda k: (len(str(k)), str(k))):
            sub = f"{path}.{key}" if path else str(key)
            e, a = expected.get(key, _MISSING), actual.get(key, _MISSING)
            if a is _MISSING:
                lines.append(f"{sub}: missing (expected {render(e)})")
            elif e is _MISSING:
                lines.append(f"{sub}: unexpected field (got {render(a)})")
            else:
                lines.extend(diff_values(e, a, sub))
        return lines
    if isinstance(expected, tuple | list) and isinstance(actual, tuple | list):
        return _diff_lists(expected, actual, path)
    if type(expected) is type(actual) and expected == actual:
        return []
    if isinstance(expected, bytes) and isinstance(actual, bytes):
        return [_bytes_pair(label, expected, actual)]
    return [f"{label}: expected {render(expected)} got {render(actual)}"]


def _item_key(value: object) -> bytes:
    """An element's identity for aligning lists: its deterministic CBOR."""
    try:
        return cbor.encode(value)  # type: ignore[arg-type]
    except (PeerMarketError, TypeError, ValueError):
        return repr(value).encode()


def _diff_lists(expected: Sequence[object], actual: Sequence[object], path: str) -> list[str]:
    """Lists compared by element, not by position: an item missing at the front is one
    line, not one per shifted item, and the same items in another order are one line."""
    label = path or "value"
    keys_e = [_item_key(v) for v in expected]
    keys_a = [_item_key(v) for v in actual]
    if keys_e != keys_a and sorted(keys_e) == sorted(keys_a):
        where: dict[bytes, list[int]] = {}
        for i, key in enumerate(keys_e):
            where.setdefault(key, []).append(i)
        order = [where[key].pop(0) for key in keys_a]
        return [
            f"{label}: the same {len(expected)} items in another order: the actual list has "
            f"the expected items {order}"
        ]
    lines = []
    if len(expected) != len(actual):
        lines.append(f"{label}: expected {len(expected)} items got {len(actual)}")
    matcher = difflib.SequenceMatcher(a=keys_e, b=keys_a, autojunk=False)
    for tag, e0, e1, a0, a1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(e1 - e0, a1 - a0) if tag == "replace" else 0
        for k in range(paired):
            i, j = e0 + k, a0 + k
            sub = f"{path}[{i}]" if i == j else f"{path}[{i}] (actual [{j}])"
            lines.extend(diff_values(expected[i], actual[j], sub))
        for i in range(e0 + paired, e1):
            lines.append(f"{path}[{i}]: missing (expected {render(expected[i])})")
        for j in range(a0 + paired, a1):
            lines.append(f"{path}[{j}]: unexpected item (got {render(actual[j])})")
    return lines


def hex_diff(expected: bytes, actual: bytes, label: str = "bytes") -> list[str]:
    """Where two byte strings part: the first differing offset and both windows there."""
    at = first_difference(expected, actual)
    if at is None:
        return []
    start = at - at % HEX_WINDOW
    return [
        f"{label}: {len(expected)} vs {len(actual)} bytes, first difference at offset {at}",
        f"  expected @{start}: {_window(expected, start)}",
        f"  actual   @{start}: {_window(actual, start)}",
    ]


def _envelope(frame: bytes) -> tuple[Envelope | None, cbor.Value, PeerMarketError | None]:
    """(envelope or None, the CBOR value or None, the error that stopped decoding)."""
    try:
        value = cbor.decode(frame, max_size=DECODE_LIMIT)
    except PeerMarketError as exc:
        return None, None, exc
    try:
        return from_value(Envelope, value), value, None
    except PeerMarketError as exc:
        return None, value, exc


def _why(value: cbor.Value, error: PeerMarketError | None) -> str:
    if error is None:
        return ""
    kind = "not deterministic CBOR" if value is None else "not an envelope"
    return f"{kind}: {error}"


def _body_problem(envelope: Envelope) -> str:
    """Why the body is not a valid message of its registered type ("" when it is)."""
    model = MESSAGES.get((envelope.protocol, envelope.type))
    if model is None:
        return f"{envelope.protocol}/{envelope.type} is not a registered message type"
    try:
        decode_message(model, envelope.body, "body")
    except PeerMarketError as exc:
        return f"body is not a valid {envelope.protocol}/{envelope.type}: {exc}"
    return ""


def describe_frame(frame: bytes) -> str:
    """A one-line summary: ``wire/pong seq=1 from 11b058a1e36b67d8… (170 bytes)``."""
    envelope, value, error = _envelope(frame)
    if envelope is None:
        kind = "not deterministic CBOR" if value is None else "CBOR, not an envelope"
        where = f"{error.code} at {error.field or '$'}" if error is not None else "?"
        return f"{len(frame)} bytes ({kind}: {where})"
    return (
        f"{envelope.protocol}/{envelope.type} seq={envelope.seq} "
        f"from {render_bytes(envelope.sender)} ({len(frame)} bytes)"
    )


def diff_frame(expected: bytes, actual: bytes) -> list[str]:
    """Field-level differences of two frames; hex when either is not CBOR."""
    if expected == actual:
        return []
    exp_env, exp_value, exp_error = _envelope(expected)
    act_env, act_value, act_error = _envelope(actual)
    exp_why, act_why = _why(exp_value, exp_error), _why(act_value, act_error)
    lines: list[str] = []
    if exp_why:
        lines.append(f"expected frame is {exp_why}")
    if act_why:
        lines.append(f"actual frame is {act_why}")
    if exp_value is None or act_value is None:
        return [*lines, *hex_diff(expected, actual, "frame")]
    if exp_env is None or act_env is None:
        return [*lines, *diff_values(exp_value, act_value)]
    for name in Envelope.model_fields:
        e, a = getattr(exp_env, name), getattr(act_env, name)
        if name == "body" and e != a:
            lines.extend(_diff_body(exp_env, act_env))
        elif e != a:
            lines.extend(diff_values(e, a, name))
    return lines


def _diff_body(expected: Envelope, actual: Envelope) -> list[str]:
    lines = []
    problem = _body_problem(actual)
    if problem and not _body_problem(expected):
        lines.append(f"actual {problem}")
    exp_value, exp_why = _decode(expected.body)
    act_value, act_why = _decode(actual.body)
    if exp_why or act_why:
        return [*lines, *hex_diff(expected.body, actual.body, "body")]
    return [*lines, *diff_values(exp_value, act_value, "body")]


def describe_output(output: Emitted) -> str:
    """``to 11b0…, wire/pong seq=1 …`` for a frame; ``route to key fdfd…, auction/locate …``
    for a ``route`` downcall."""
    if isinstance(output, RouteOutput):
        return f"route to key {render_bytes(output.key)}, {describe_frame(output.frame)}"
    return f"to {render_bytes(output.to)}, {describe_frame(output.frame)}"


def _output_key(output: Emitted) -> tuple[str, bytes, bytes]:
    if isinstance(output, RouteOutput):
        return ("route", output.key, output.frame)
    return ("send", output.to, output.frame)


def diff_outputs(expected: Sequence[Emitted], actual: Sequence[Emitted]) -> list[str]:
    """Missing, extra and differing outputs, aligned so one dropped frame reads as one line."""
    lines: list[str] = []
    if len(expected) != len(actual):
        lines.append(f"expected {len(expected)} output(s), got {len(actual)}")
    keys_e = [_output_key(o) for o in expected]
    keys_a = [_output_key(o) for o in actual]
    matcher = difflib.SequenceMatcher(a=keys_e, b=keys_a, autojunk=False)
    for tag, e0, e1, a0, a1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(e1 - e0, a1 - a0) if tag == "replace" else 0
        for k in range(paired):
            lines.extend(_diff_output(e0 + k, expected[e0 + k], a0 + k, actual[a0 + k]))
        for i in range(e0 + paired, e1):
            lines.append(f"output[{i}] missing: {describe_output(expected[i])}")
        for j in range(a0 + paired, a1):
            lines.append(f"output[{j}] unexpected: {describe_output(actual[j])}")
    return lines


def _diff_output(i: int, expected: Emitted, j: int, actual: Emitted) -> list[str]:
    where = f"output[{i}]" if i == j else f"expected output[{i}] vs actual output[{j}]"
    if isinstance(expected, RouteOutput) != isinstance(actual, RouteOutput):
        kinds = ("a route downcall", "a frame to a neighbour")
        if not isinstance(expected, RouteOutput):
            kinds = kinds[::-1]
        lines = [
            f"{where}: expected {kinds[0]}, got {kinds[1]}",
            f"  expected: {describe_output(expected)}",
            f"  actual:   {describe_output(actual)}",
        ]
    elif isinstance(expected, RouteOutput) and isinstance(actual, RouteOutput):
        lines = [f"{where}: route downcall, {describe_frame(expected.frame)}"]
        if expected.key != actual.key:
            lines.append(
                f"  key: expected {render_bytes(expected.key)} got {render_bytes(actual.key)}"
            )
    else:
        assert not isinstance(expected, RouteOutput) and not isinstance(actual, RouteOutput)
        lines = [f"{where}: {describe_frame(expected.frame)}"]
        if expected.to != actual.to:
            lines.append(
                f"  to: expected {render_bytes(expected.to)} got {render_bytes(actual.to)}"
            )
    lines.extend("  " + line for line in diff_frame(expected.frame, actual.frame))
    return lines


def upcall_problem(upcall: Upcall) -> str:
    """Why an upcall's arguments are not a valid upcall of its name ("" when they are)."""
    model = UPCALLS.get(upcall.name)
    if model is None:
        return f"{upcall.name!r} is not an upcall of the stack interface ({', '.join(UPCALLS)})"
    try:
        decode_message(model, upcall.args, "args")
    except PeerMarketError as exc:
        return f"args are not a valid {upcall.name} upcall: {exc}"
    return ""


def describe_upcall(upcall: Upcall) -> str:
    """``upcall 'deliver' {key: fdfd…, frame: auction/locate seq=0 from … (150 bytes)}``."""
    value, why = _decode(upcall.args)
    if why or not isinstance(value, Mapping):
        return f"upcall {upcall.name!r} ({len(upcall.args)} argument bytes, not a CBOR map)"
    parts = []
    for key, item in value.items():
        shown = describe_frame(item) if key == "frame" and isinstance(item, bytes) else render(item)
        parts.append(f"{key}: {shown}")
    return f"upcall {upcall.name!r} {{{', '.join(parts)}}}"


def diff_error(expected: str | None, actual: str | None, actual_outputs: int) -> list[str]:
    """Expected error code vs what the IUT reported."""
    if expected == actual:
        return []
    if expected is None:
        return [f"error: expected none (the input is valid) got {actual}"]
    if actual is None:
        return [
            f"error: expected {expected} got none: the IUT accepted the input "
            f"and sent {actual_outputs} output(s)"
        ]
    return [f"error: expected {expected} got {actual}"]


def diff_state(expected: bytes, actual: bytes) -> list[str]:
    """Paths at which two encoded states differ; hex when either does not decode."""
    if expected == actual:
        return []
    exp_value, exp_why = _decode(expected)
    act_value, act_why = _decode(actual)
    if exp_why or act_why:
        notes = [
            f"{who} state is not deterministic CBOR: {why}"
            for who, why in (("expected", exp_why), ("actual", act_why))
            if why
        ]
        return [*notes, *hex_diff(expected, actual, "state")]
    lines = diff_values(exp_value, act_value, "state")
    return lines or hex_diff(expected, actual, "state")


def clip(lines: list[str], limit: int = MAX_LINES) -> list[str]:
    """At most ``limit`` lines, with a note when some were left out."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"… {len(lines) - limit} more line(s)"]
