"""The ``peermarket`` command: its help lists the commands, and the self-check passes."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from conformance.cli import main


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:", 1)[1]
    assert "selfcheck" in commands
    assert "spec" in commands


def test_help_is_a_map_of_the_cli_for_newcomers() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    intro = result.output.split("Options:", 1)[0]
    for command in (
        "peermarket selfcheck",
        "peermarket conform",
        "peermarket corpus list",
        "peermarket corpus show ID --step N",
        "peermarket corpus export",
        "peermarket spec export",
        "peermarket experiment overlay",
    ):
        assert command in intro, command
    assert "peermarket[experiment]" in intro
    assert max(len(line) for line in intro.splitlines()) <= 80


def test_corpus_group_help_lists_its_commands() -> None:
    result = CliRunner().invoke(main, ["corpus", "--help"])
    assert result.exit_code == 0, result.output
    commands = result.output.split("Commands:", 1)[1].split()
    for name in ("list", "show", "export", "generate"):
        assert name in commands


def test_spec_group_help_lists_export() -> None:
    result = CliRunner().invoke(main, ["spec", "--help"])
    assert result.exit_code == 0, result.output
    assert "export" in result.output


def test_selfcheck_passes() -> None:
    result = CliRunner().invoke(main, ["selfcheck"])
    assert result.exit_code == 0, result.output
    assert "checks passed" in result.output
    assert "FAIL" not in result.output


def test_selfcheck_fails_when_a_check_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import conformance.selfcheck as selfcheck

    def broken() -> list[tuple[str, bool, str]]:
        return [("ok one", True, ""), ("broken one", False, "mismatch")]

    monkeypatch.setattr(selfcheck, "run_selfcheck", broken)
    result = CliRunner().invoke(main, ["selfcheck"])
    assert result.exit_code == 1
    assert "1 of 2 checks failed" in result.output


def test_unknown_command_is_an_error() -> None:
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code != 0


def test_python_dash_m_conformance_is_the_same_command() -> None:
    """Without the console script on PATH, ``python -m conformance`` must still work."""
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "corpus", "list", "--protocol", "wire", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"wire/' in done.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "conformance", "--help"], capture_output=True, text=True, check=False
    )
    assert usage.stdout.startswith("Usage: peermarket "), usage.stdout[:80]
