"""``python -m bench.mutation.probe``: a survivor's line applied to a private copy, replayed.

The probe tells whoever writes a trace whether it kills the survivors it aims
at, so it must apply exactly the survivor's mutation, refuse a line that moved,
and report a survivor that still survives as such (never as killed).
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not an installed package

from bench.mutation import REPO
from bench.mutation import report as R
from bench.mutation.probe import apply, main

WIRE = "reference/wire.py"
GUARD = "return (stim.envelope.sender, stim.body.nonce) in data.pending"


def test_apply_keeps_indentation_and_line_ending() -> None:
    text = "def f():\n    if a < b:\r\n        return 1\n"
    want = "def f():\n    if a <= b:\r\n        return 1\n"
    assert apply(text, 2, "if a < b:", "if a <= b:") == want


@pytest.mark.parametrize("line", [0, 1, 4])
def test_apply_refuses_a_line_that_does_not_read_the_source(line: int) -> None:
    assert apply("x = 1\ny = 2\nz = 3\n", line, "y = 2", "y = 3") is None


def _line_of(source: str) -> int:
    lines = (REPO / WIRE).read_text("utf-8").splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.strip() == source)


def test_a_real_change_is_killed_and_a_no_op_survives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _line_of(GUARD)
    entries = [
        R.Entry(WIRE, "core/NotIn", GUARD, 0, line, GUARD.replace(" in ", " not in "), "open"),
        R.Entry(WIRE, "core/Same", GUARD, 0, line, GUARD, "open"),
        R.Entry(WIRE, "core/Moved", "no such line", 0, line, "x", "open"),
    ]
    survivors = tmp_path / "survivors.toml"
    survivors.write_text(R.dumps(R.Survivors(entries=entries)), "utf-8")
    verdicts = tmp_path / "verdicts.json"
    args = ["--modules", WIRE, "--survivors", str(survivors), "--work", str(tmp_path / "w")]
    assert main([*args, "--json", str(verdicts)]) == 0
    out = capsys.readouterr().out
    assert "1 of 3 killed" in out, out
    got = {v["where"].split()[1]: v["verdict"] for v in json.loads(verdicts.read_text("utf-8"))}
    assert got == {"core/NotIn": "killed", "core/Same": "survived", "core/Moved": "skipped"}
    assert (REPO / WIRE).read_text("utf-8").count(GUARD) == 1, "the real tree was touched"
