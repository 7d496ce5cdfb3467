"""The README tells the truth: its versions, counts and commands are the project's own.

A newcomer reads the README first; a stale number or a command that does
not exist there costs more than anywhere else.
"""

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from conformance.cli import main
from spec.v1 import SPEC_VERSION
from spec.v1.registry import TABLES

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text("utf-8")
MANIFEST = json.loads((REPO / "conformance" / "traces" / "v1" / "MANIFEST.json").read_text())


def test_versions_are_the_current_ones() -> None:
    assert f"Spec version **{SPEC_VERSION}**" in README
    assert f"peermarket-conformance-{SPEC_VERSION}.tar.gz" in README
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert f"peermarket-{version}-py3-none-any.whl" in README


def test_case_counts_are_the_corpus_counts() -> None:
    counts = Counter(case["case_id"].split("/", 1)[0] for case in MANIFEST["cases"])
    for protocol, count in counts.items():
        row = next(line for line in README.splitlines() if line.startswith(f"| `{protocol}` |"))
        assert f"{count} conformance cases" in row, row
    assert f"`{sum(counts.values())} passed, 0 failed" in README


def test_status_marks_exactly_the_protocols_with_tables_implemented_or_in_progress() -> None:
    rows = re.findall(r"^\| `(\w+)` \| .* \| \*\*(\w[\w ]*)\*\*", README, flags=re.MULTILINE)
    status = dict(rows)
    assert set(status.values()) <= {"implemented", "in progress", "planned"}, status
    started = {p for p, s in status.items() if s in ("implemented", "in progress")}
    assert started == set(TABLES)
    assert {"insurance"} <= {p for p, s in status.items() if s == "planned"}


def test_every_command_is_shown_and_every_shown_command_exists() -> None:
    result = CliRunner().invoke(main, ["--help"])
    commands = re.findall(r"^  (\w+)\s", result.output.split("Commands:", 1)[1], re.MULTILINE)
    for command in commands:
        assert f"peermarket {command}" in README, command
    for shown in sorted(set(re.findall(r"peermarket ((?:\w+ )?\w+)", README))):
        words = shown.split()
        if words[0] not in commands:
            continue  # e.g. "peermarket conformance" in prose, or a wheel file name
        assert CliRunner().invoke(main, [*words, "--help"]).exit_code == 0, shown
