"""Outputs never go into an installed package: defaults in a source tree and outside one.

"Not a source tree" (an installed wheel) is simulated by monkeypatching the one
function that decides it, :func:`conformance.paths.in_source_tree`; the
commands are then run in an empty directory, and every file under the
package directories must be exactly as before.
"""

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance import paths
from conformance.cli import main
from conformance.cli_experiment import OUT_DIR, overlay
from spec.v1.export import CDDL_FILE

PACKAGE_DIRS = (paths.PACKAGE_DIR, paths.installed_schemas().parents[1])
"""``conformance/`` and ``spec/``: where a wheel's corpus and schemas live."""


def snapshot() -> dict[Path, tuple[int, int]]:
    """Every file under the package directories with its size and mtime."""
    return {
        path: (path.stat().st_size, path.stat().st_mtime_ns)
        for root in PACKAGE_DIRS
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run as from an installed wheel, in an empty current directory (returned)."""
    monkeypatch.setattr(paths, "in_source_tree", lambda: False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_this_checkout_is_a_source_tree() -> None:
    assert paths.in_source_tree()
    assert paths.corpus_output() == paths.installed_corpus()
    assert paths.schemas_output() == paths.installed_schemas()
    assert (paths.installed_corpus() / "MANIFEST.json").is_file()
    assert (paths.installed_schemas() / CDDL_FILE).is_file()


def test_a_directory_without_pyproject_is_not_a_source_tree(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "spec").mkdir()
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    assert not paths.in_source_tree()
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    assert paths.in_source_tree()


def test_outside_a_source_tree_outputs_default_to_the_current_directory(installed: Path) -> None:
    assert paths.corpus_output() == Path("traces") / "v1"
    assert paths.schemas_output() == Path("schemas")
    # checking only reads, so it checks what is installed
    assert paths.corpus_output(check=True) == paths.installed_corpus()
    assert paths.schemas_output(check=True) == paths.installed_schemas()


@pytest.mark.usefixtures("corpus_built_once")
def test_spec_export_and_corpus_generate_write_into_the_current_directory(
    installed: Path,
) -> None:
    before = snapshot()
    result = CliRunner().invoke(main, ["spec", "export"])
    assert result.exit_code == 0, result.output
    assert (installed / "schemas" / CDDL_FILE).is_file()
    assert (installed / "schemas" / "json" / "envelope.schema.json").is_file()
    result = CliRunner().invoke(main, ["corpus", "generate"])
    assert result.exit_code == 0, result.output
    assert (installed / "traces" / "v1" / "MANIFEST.json").is_file()
    assert (installed / "traces" / "v1" / "wire" / "ping" / "answer-001.cbor").is_file()
    assert snapshot() == before, "a command wrote into the package directories"


def test_spec_export_removes_only_stale_generated_files(installed: Path) -> None:
    notes = installed / "schemas" / "NOTES.md"
    stale = installed / "schemas" / "json" / "gone.schema.json"
    stale.parent.mkdir(parents=True)
    notes.write_text("the user's own file")
    stale.write_text("{}")
    result = CliRunner().invoke(main, ["spec", "export"])
    assert result.exit_code == 0, result.output
    assert notes.read_text() == "the user's own file"
    assert not stale.exists()
    assert "removed" in result.output and "gone.schema.json" in result.output


@pytest.mark.usefixtures("corpus_built_once")
def test_check_without_out_reads_the_installed_files_and_writes_nothing(installed: Path) -> None:
    before = snapshot()
    result = CliRunner().invoke(main, ["spec", "export", "--check"])
    assert result.exit_code == 0, result.output
    assert "schema files match the models" in result.output
    result = CliRunner().invoke(main, ["corpus", "generate", "--check"])
    assert result.exit_code == 0, result.output
    assert str(paths.installed_corpus()) in result.output
    assert list(installed.iterdir()) == []
    assert snapshot() == before


def help_text(*args: str) -> str:
    """``--help`` of a command with its line wrapping undone."""
    return " ".join(CliRunner().invoke(main, [*args, "--help"]).output.split())


def test_help_says_where_the_defaults_are() -> None:
    spec_help = help_text("spec", "export")
    assert "spec/v1/schemas in a source checkout, else ./schemas" in spec_help
    corpus_help = help_text("corpus", "generate")
    assert "conformance/traces/v1 in a source checkout, else ./traces/v1" in corpus_help


def test_the_experiment_writes_relative_to_the_current_directory() -> None:
    assert not OUT_DIR.is_absolute()
    out = next(p for p in overlay.params if p.name == "out")
    assert out.default == OUT_DIR


def test_show_command_leaves_out_the_installed_corpus(tmp_path: Path) -> None:
    case = "wire/ping/answer-001"
    assert paths.show_command(case, 3) == f"peermarket corpus show {case} --step 3"
    assert paths.show_command(case) == f"peermarket corpus show {case}"
    installed_again = str(paths.installed_corpus()) + "/"
    assert paths.show_command(case, 1, installed_again) == f"peermarket corpus show {case} --step 1"
    other = tmp_path / "my corpus"
    assert paths.show_command(case, 2, other) == (
        f"peermarket corpus show {case} --step 2 --traces '{other}'"
    )
