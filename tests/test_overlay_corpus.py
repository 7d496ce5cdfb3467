"""The overlay corpus generators: they fail loudly, and their traces say what they test."""

import pytest

from conformance import tracefile
from conformance.cli_corpus import CORPUS_DIR
from reference.corpus.casekit import CaseError
from reference.corpus.overlay_casekit import OverlayCase, ring
from reference.corpus.overlay_generators import CASES
from reference.overlay.ring import make_ref
from reference.overlay.routing import next_hop_id
from reference.overlay.tables import consider, empty
from spec.v1 import errors as E
from spec.v1.overlay import TABLE
from spec.v1.overlay.messages import RouteAck

OVERLAY = sorted((CORPUS_DIR / "overlay").rglob(f"*{tracefile.TRACE_SUFFIX}"))


def test_an_accepted_negative_step_fails_the_case() -> None:
    case = OverlayCase(CASES, "overlay/x/y", "d", ("negative", "adversarial"), ("BadValue",))
    with pytest.raises(CaseError, match="accepted but meant to be rejected"):
        ring(case, "b")  # b's announce is accepted, and
        from spec.v1.overlay.commands import LeaveCommand

        case.command("leave", LeaveCommand(), "leave", error=E.MACHINE_NO_TRANSITION)


def test_a_refusal_with_another_code_fails_the_case() -> None:
    case = OverlayCase(CASES, "overlay/x/y", "d", ("negative", "adversarial"), ("BadValue",))
    ring(case)
    with pytest.raises(CaseError, match=r"intended machine\.no_transition"):
        case.send("b", RouteAck(token=1), "ack", error=E.MACHINE_NO_TRANSITION)


def test_tags_must_match_the_expectations() -> None:
    case = OverlayCase(CASES, "overlay/x/y", "d", ("positive",))
    ring(case)
    case.send("b", RouteAck(token=1), "ack", error=E.MACHINE_GUARD_REJECTED)
    with pytest.raises(CaseError, match="do not match"):
        case.trace()


def test_the_overlay_corpus_has_every_kind_of_case() -> None:
    traces = [tracefile.read_trace(path) for path in OVERLAY]
    assert len(traces) >= 50
    flags = {flag for t in traces for flag in t.content.header.flags}
    assert {"Misrouted", "ForgedReference", "BadSignature", "StaleSequence"} <= flags
    assert any("scenario" in t.content.header.tags for t in traces)
    for t in traces:
        assert t.content.header.protocol == "overlay"
        assert t.content.header.case_id.startswith("overlay/")


def test_every_row_of_the_overlay_table_is_documented_in_the_prose() -> None:
    from pathlib import Path

    prose = (Path(__file__).parents[1] / "spec" / "v1" / "prose" / "overlay.md").read_text()
    rows = {
        cells[0]: cells
        for line in prose.splitlines()
        if line.startswith("| `") and len(cells := [c.strip() for c in line.split("|")[1:-1]]) == 7
    }
    ids = {f"`{row.id}`" for row in TABLE.transitions}
    assert {key for key in rows if key.strip("`").islower()} == ids
    for row in TABLE.transitions:
        cells = [c.strip("`") for c in rows[f"`{row.id}`"]]
        assert cells[1:6] == [
            row.source,
            row.trigger.key,
            row.guard or "—",
            row.action or "—",
            row.target,
        ], row.id
        emitted = [] if cells[6] == "—" else [c.strip().strip("`") for c in cells[6].split(",")]
        assert emitted == list(row.emits), row.id


def test_next_hop_by_bytes() -> None:
    me = make_ref(bytes(16), 0, 0)
    other = make_ref(b"\x80" + bytes(15), 0, 0)
    tables = consider(empty(me), other)
    assert next_hop_id(tables, b"\x7f" + bytes(15)) == other[3].id
    assert next_hop_id(tables, bytes(15) + b"\x01") is None
