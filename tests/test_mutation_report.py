"""The mutation report (bench/mutation/report.py) on tiny fake sessions: no mutant is run.

A fake session is a sqlite file with the three tables of cosmic-ray's session
schema that the report reads, beside the ``.json`` and ``.py`` that
``python -m bench.mutation`` writes next to it.
"""

import json
import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not an installed package

from bench.mutation import REPO, TARGETS, expand, protocol_of
from bench.mutation import report as R

SOURCE = """\
def window(last, seq):
    if seq <= last:
        return False
    return seq - last < 64


def other(last, seq):
    if seq <= last:
        return False
    return True
"""

SCHEMA = """
CREATE TABLE work_items (job_id VARCHAR PRIMARY KEY);
CREATE TABLE mutation_specs (
    module_path VARCHAR, operator_name VARCHAR, operator_args JSON, occurrence INTEGER,
    start_pos_row INTEGER, start_pos_col INTEGER, end_pos_row INTEGER, end_pos_col INTEGER,
    definition_name VARCHAR, job_id VARCHAR PRIMARY KEY);
CREATE TABLE work_results (
    worker_outcome VARCHAR, output TEXT, test_outcome VARCHAR, diff TEXT,
    job_id VARCHAR PRIMARY KEY);
"""

LT = "core/ReplaceComparisonOperator_LtE_Lt"
SUB = "core/ReplaceBinaryOperator_Sub_Add"


def _diff(line: str, old: str, new: str) -> str:
    return f"--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-{line}\n+{line.replace(old, new)}\n"


def make_session(
    folder: Path,
    rows: list[tuple[str, int, int, str | None, str]],
    module: str = "reference/replay.py",
    source: str = SOURCE,
) -> Path:
    """rows: (operator, occurrence, line, test outcome or None for pending, output)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / (module.removesuffix(".py").replace("/", ".") + ".sqlite")
    lines = source.splitlines()
    con = sqlite3.connect(db)
    con.executescript(SCHEMA)
    for i, (operator, occurrence, line, outcome, output) in enumerate(rows):
        job = f"job{i}"
        con.execute("INSERT INTO work_items VALUES (?)", (job,))
        con.execute(
            "INSERT INTO mutation_specs VALUES (?, ?, '{}', ?, ?, 4, ?, 6, NULL, ?)",
            (module, operator, occurrence, line, line, job),
        )
        if outcome is not None:
            old, new = ("<=", "<") if operator == LT else ("-", "+")
            con.execute(
                "INSERT INTO work_results VALUES ('NORMAL', ?, ?, ?, ?)",
                (output, outcome, _diff(lines[line - 1], old, new), job),
            )
    con.commit()
    con.close()
    db.with_suffix(".py").write_text(source)
    meta = {"module": module, "protocol": "wire", "seconds": 12.5, "corpus": "c0ffee"}
    db.with_suffix(".json").write_text(json.dumps(meta))
    return db


KILLED_BY = "killed: wire/replay/lower-seq-001 step 2 (step): expected error\n"


def test_classify_every_outcome() -> None:
    assert R.classify("KILLED", KILLED_BY) == R.KILLED
    assert R.classify("KILLED", "timeout") == R.TIMEOUT
    assert R.classify("SURVIVED", "survived: 3 cases passed\n") == R.SURVIVED
    assert R.classify("INCOMPETENT", "Traceback") == R.INCOMPETENT
    assert R.classify(None, None, "NO_TEST") == R.INCOMPETENT
    assert R.classify(None, None, "") == R.PENDING
    assert R.killer(KILLED_BY) == "wire/replay/lower-seq-001"
    assert R.killer("killed: crashed: ImportError: x") is None


def test_session_identity_is_line_text_and_index(tmp_path: Path) -> None:
    db = make_session(
        tmp_path,
        [
            (LT, 0, 2, "SURVIVED", "survived"),
            (LT, 1, 8, "SURVIVED", "survived"),  # the same text on another line: nth 1
            (SUB, 0, 4, "KILLED", KILLED_BY),
            (SUB, 1, 4, None, ""),
        ],
    )
    session = R.read_session(db)
    by_line = {(m.line, m.operator, m.nth): m for m in session.mutants}
    first, second = by_line[(2, LT, 0)], by_line[(8, LT, 1)]
    assert first.key == ("reference/replay.py", LT, "if seq <= last:", 0)
    assert second.key == ("reference/replay.py", LT, "if seq <= last:", 1)
    assert first.mutant == "if seq < last:"
    assert by_line[(4, SUB, 0)].killer == "wire/replay/lower-seq-001"
    assert by_line[(4, SUB, 1)].outcome == R.PENDING
    assert session.counts() == {R.SURVIVED: 2, R.KILLED: 1, R.PENDING: 1}


def _entry(line: int, status: str, source: str = "if seq <= last:", nth: int = 0) -> R.Entry:
    return R.Entry("reference/replay.py", LT, source, nth, line, "x", status)


def test_merge_keeps_reasons_drops_killed_adds_new(tmp_path: Path) -> None:
    shifted = "\n\n" + SOURCE  # every line moved down by two: identities still match
    db = make_session(
        tmp_path,
        [
            (LT, 0, 4, "SURVIVED", "survived"),  # known, equivalent: kept as is
            (LT, 1, 10, "SURVIVED", "survived"),  # claimed killed-by, still survives: reopened
            (SUB, 0, 6, "SURVIVED", "survived"),  # new: open
        ],
        source=shifted,
    )
    old = R.Survivors(
        modules=[R.ModuleFigures("reference/envelope.py", "wire", mutants=3, killed=3)],
        entries=[
            replace(_entry(2, "equivalent: the window is checked again later"), note="kept"),
            _entry(8, "killed-by: wire/replay/new-001", nth=1),
            _entry(3, "open", source="return seq - last < 64 and True"),  # gone: dropped
            R.Entry("reference/envelope.py", LT, "a <= b", 0, 9, "a < b", "open"),  # no session
        ],
    )
    merged, notes = R.merge(old, {"reference/replay.py": R.read_session(db)})
    status = {(e.module, e.line): e.status for e in merged.entries}
    assert status == {
        ("reference/replay.py", 4): "equivalent: the window is checked again later",
        ("reference/replay.py", 10): "open",
        ("reference/replay.py", 6): "open",
        ("reference/envelope.py", 9): "open",
    }
    assert [e.note for e in merged.entries if e.line == 4] == ["kept"]
    assert any(n.startswith("reopened") for n in notes)
    assert any(n.startswith("new survivor") for n in notes)
    assert any(n.startswith("dropped (no such mutant") for n in notes)
    assert {f.path for f in merged.modules} == {"reference/envelope.py", "reference/replay.py"}


def test_merge_drops_entries_killed_now_and_keeps_pending(tmp_path: Path) -> None:
    db = make_session(
        tmp_path,
        [(LT, 0, 2, "KILLED", KILLED_BY), (LT, 1, 8, None, "")],
    )
    old = R.Survivors(
        entries=[_entry(2, "equivalent: wrongly"), _entry(8, "open", nth=1)],
    )
    merged, notes = R.merge(old, {"reference/replay.py": R.read_session(db)})
    assert [(e.line, e.status) for e in merged.entries] == [(8, "open")]
    assert any("now killed by wire/replay/lower-seq-001" in n and "equivalent" in n for n in notes)


def test_score_leaves_out_equivalent_incompetent_and_pending() -> None:
    survivors = R.Survivors(
        modules=[
            R.ModuleFigures(
                "reference/replay.py", "wire", 10, killed=6, timeout=1, survived=2, pending=1
            ),
            R.ModuleFigures("reference/overlay/ring.py", "overlay", 4, killed=2, incompetent=2),
            R.ModuleFigures("reference/node.py", "wire"),  # no mutant at all
        ],
        entries=[_entry(2, "equivalent: why"), _entry(8, "open", nth=1)],
    )
    figs = R.figures(survivors)
    scores = {s.name: s.score for s in [*figs.modules, *figs.protocols, figs.total]}
    assert scores["reference/replay.py"] == pytest.approx(7 / (7 + 2 - 1))
    assert scores["reference/overlay/ring.py"] == 1.0
    assert scores["reference/node.py"] is None
    assert scores["wire"] == pytest.approx(7 / 8)
    assert scores["all"] == pytest.approx(9 / 10)


def test_file_round_trip_and_bad_status(tmp_path: Path) -> None:
    survivors = R.Survivors(
        modules=[R.ModuleFigures("reference/replay.py", "wire", 3, 2, 0, 1, 0, 0, 1.25, "ab")],
        entries=[
            _entry(2, 'equivalent: "quoted" \\ reason, é'),
            replace(_entry(8, "open"), note="n"),
        ],
    )
    path = tmp_path / "survivors.toml"
    path.write_text(R.dumps(survivors))
    again = R.load(path)
    assert again.entries == survivors.entries
    assert again.modules[0].survived == 1
    path.write_text(R.dumps(R.Survivors(entries=[_entry(2, "equivalent")])))
    with pytest.raises(ValueError, match="bad status"):
        R.load(path)


def test_main_writes_file_and_json(tmp_path: Path) -> None:
    make_session(tmp_path / "s", [(LT, 0, 2, "SURVIVED", "survived"), (SUB, 0, 4, "KILLED", "x")])
    survivors, out = tmp_path / "survivors.toml", tmp_path / "r" / "mutation.json"
    args = ["--sessions", str(tmp_path / "s"), "--survivors", str(survivors), "--json", str(out)]
    assert R.main([*args, "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert data["total"]["score"] == 0.5
    assert data["modules"][0]["corpus"] == "c0ffee"
    assert [e.status for e in R.load(survivors).entries] == ["open"]


def test_targets_cover_existing_modules() -> None:
    modules = expand(REPO)
    paths = {m.path for m in modules}
    assert {
        "reference/cbor.py",
        "reference/node.py",
        "reference/overlay/ring.py",
        "reference/auction/book.py",
        "reference/sla/matching.py",
        "reference/instances.py",
    } <= paths
    assert all(protocol_of(m.path) == m.protocol for m in modules)
    assert protocol_of("reference/driver.py") is None
    assert {t.protocol for t in TARGETS} == {"wire", "overlay", "auction", "sla"}
