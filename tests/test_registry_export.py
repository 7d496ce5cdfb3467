"""The registry files of ``spec export`` say exactly what the Python registries say."""

import json

from spec.v1 import SPEC_VERSION
from spec.v1.errors import ERROR_CODES
from spec.v1.export import render_all
from spec.v1.export.registries import ERRORS_FILE, FLAGS_FILE, TABLES_FILE
from spec.v1.flags import FLAGS
from spec.v1.machine import MachineTable
from spec.v1.registry import TABLES


def _load(name: str) -> dict[str, object]:
    parsed = json.loads(render_all()[name])
    assert isinstance(parsed, dict)
    assert parsed["spec_version"] == SPEC_VERSION
    return parsed


def test_tables_json_rebuilds_every_table_row_for_row() -> None:
    tables = _load(TABLES_FILE)["tables"]
    assert isinstance(tables, list)
    # One entry per table, protocols sorted, a protocol's tables in their registered order.
    assert [(t["protocol"], t["name"]) for t in tables] == [
        (protocol, table.name) for protocol in sorted(TABLES) for table in TABLES[protocol]
    ]
    rebuilt: dict[str, list[MachineTable]] = {}
    for entry in tables:
        protocol = entry.pop("protocol")
        table = MachineTable.model_validate(
            {
                **entry,
                "states": tuple(entry["states"]),
                "transitions": tuple(
                    {**row, "emits": tuple(row["emits"])} for row in entry["transitions"]
                ),
            }
        )
        rebuilt.setdefault(protocol, []).append(table)
        # Row order is normative (first fitting row fires), so the file keeps it.
        assert [r["id"] for r in entry["transitions"]] == [r.id for r in table.transitions]
    assert {p: tuple(ts) for p, ts in rebuilt.items()} == dict(TABLES)


def test_tables_json_states_every_refusing_row() -> None:
    tables = _load(TABLES_FILE)["tables"]
    assert isinstance(tables, list)
    rows = [row for entry in tables for row in entry["transitions"]]
    assert all("refuses" in row for row in rows)
    refusing = [row for row in rows if row["refuses"] is not None]
    expected = [row for ts in TABLES.values() for t in ts for row in t.transitions if row.refuses]
    assert len(refusing) == len(expected)
    codes = {e.code for e in ERROR_CODES}
    for row in refusing:
        assert row["refuses"] in codes, row["id"]
        assert row["action"] is None and row["emits"] == [] and row["target"] == row["source"]


def test_errors_json_lists_every_code_in_taxonomy_order() -> None:
    errors = _load(ERRORS_FILE)["errors"]
    assert errors == [
        {"category": e.category, "code": e.code, "detail": e.detail, "summary": e.summary}
        for e in ERROR_CODES
    ]


def test_flags_json_lists_every_flag() -> None:
    flags = _load(FLAGS_FILE)["flags"]
    assert flags == [
        {"bug_type": f.bug_type, "description": f.description, "name": f.name} for f in FLAGS
    ]
