"""Reports of a run (JUnit XML, JSON, terminal) and the ``conform`` command."""

import io
import json
import shlex
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from broken_iuts import kit
from click.testing import CliRunner
from rich.console import Console
from runner_kit import (  # tests/ is on sys.path under pytest
    IDS,
    failing_outcome,
    failing_outcome_impl,
    reference,
    with_reply,
)

from conformance.cli_conform import conform
from conformance.report import (
    SCHEMA_PATH,
    TerminalReport,
    format_failure,
    json_report,
    junit_xml,
    print_summary,
    xml_text,
)
from conformance.runner import DEFAULT_TRACES, CaseResult, ExitCode, RunOutcome, run_corpus


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return loaded


# -- reports --


def test_junit_xml_parses_with_the_right_counts(corpus: Path) -> None:
    outcome = failing_outcome(corpus)
    outcome.results.append(
        CaseResult(
            case_id="auction/x/unsupported-001",
            protocol="auction",
            verdict="unsupported",
            message="the IUT does not implement auction\x01",
        )
    )
    root = ET.fromstring(junit_xml(outcome))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("6", "4", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"wire", "auction"}
    wire = suites["wire"]
    assert (wire.get("tests"), wire.get("failures"), wire.get("errors")) == ("5", "4", "0")
    names = [case.get("name", "") for case in wire.iter("testcase")]
    assert sorted(names) == IDS
    failure = next(wire.iter("failure"))
    assert (failure.get("message") or "").startswith("step 1: deliver")
    assert "sender_key" in (failure.text or "")
    assert f"--step 1 --traces {corpus}" in (failure.text or "")
    skipped = next(suites["auction"].iter("skipped"))
    assert skipped.get("message") == "the IUT does not implement auction\\x01"


def test_junit_for_an_unusable_iut_has_an_error(corpus: Path) -> None:
    outcome = RunOutcome(exit_code=ExitCode.IUT_UNUSABLE, error="hello handshake failed: x")
    root = ET.fromstring(junit_xml(outcome))
    assert (root.get("tests"), root.get("errors")) == ("1", "1")
    assert next(root.iter("error")).get("type") == "iut_unusable"


def test_xml_text_escapes_what_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x1bc\td\n") == "a\\x00b\\x1bc\td\n"


def test_json_reports_validate_against_the_schema(
    corpus: Path, tmp_path: Path, schema: dict[str, Any]
) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    outcomes = [
        run_corpus(reference(), corpus),
        failing_outcome(corpus),
        run_corpus(reference(), corpus, patterns=["none"]),
        run_corpus(reference(), tmp_path / "absent"),
        run_corpus(
            with_reply(lambda q, r: {"op": "ok"} if q["op"] == "create_node" else r), corpus
        ),
    ]
    assert [int(o.exit_code) for o in outcomes] == [0, 1, 3, 2, 4]
    for outcome in outcomes:
        report = json.loads(json.dumps(json_report(outcome)))
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    failed = json_report(outcomes[1])
    assert failed["summary"]["failed"] == 4 and failed["outcome"] == "failed"
    case = next(c for c in failed["cases"] if c["verdict"] == "fail")
    assert case["step"] == 1 and case["phase"] == "step" and case["diff"]
    assert case["show_command"] == (
        f"peermarket corpus show {case['case_id']} --step 1 --traces {corpus}"
    )
    assert all("show_command" not in c for c in failed["cases"] if c["verdict"] == "pass")
    # a report written before show_command existed still validates
    for c in failed["cases"]:
        c.pop("show_command", None)
    jsonschema.validate(failed, schema, cls=jsonschema.Draft202012Validator)


def test_schema_rejects_a_report_with_an_unknown_verdict(
    corpus: Path, schema: dict[str, Any]
) -> None:
    report = json_report(run_corpus(reference(), corpus))
    report["cases"][0]["verdict"] = "skipped"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)


# -- the command --


def invoke(*args: str) -> Any:
    return CliRunner().invoke(conform, list(args), catch_exceptions=False)


def test_cli_in_process_writes_both_reports(
    corpus: Path, tmp_path: Path, schema: dict[str, Any]
) -> None:
    junit, report = tmp_path / "r.xml", tmp_path / "r.json"
    result = invoke(
        "--in-process", "--traces", str(corpus), "--junit", str(junit), "--json", str(report)
    )
    assert result.exit_code == 0, result.output
    assert "5 passed, 0 failed, 0 unsupported" in result.output
    assert ET.parse(junit).getroot().get("tests") == "5"
    data = json.loads(report.read_text("utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["implementation"]["adapter"] == "in-process"


def test_cli_default_runs_the_reference_subprocess(corpus: Path) -> None:
    result = invoke("--traces", str(corpus), "--quiet", "--select", "wire/ping/*")
    assert result.exit_code == 0, result.output
    assert "via the subprocess adapter" in result.output and "3 passed" in result.output


def test_cli_zero_selected_exits_3(corpus: Path) -> None:
    result = invoke("--in-process", "--traces", str(corpus), "--select", "nope/*")
    assert result.exit_code == 3
    assert "zero cases selected" in result.output


def test_cli_usage_errors_exit_2(corpus: Path, tmp_path: Path) -> None:
    assert invoke("--in-process", "--impl", "x", "--traces", str(corpus)).exit_code == 2
    assert invoke("--in-process", "--traces", str(tmp_path / "absent")).exit_code == 2
    assert invoke("--impl", "'unclosed", "--traces", str(corpus)).exit_code == 2
    unknown = invoke("--in-process", "--traces", str(corpus), "--protocol", "overlay")
    assert unknown.exit_code == 2
    assert "unknown protocol 'overlay'" in unknown.output and "protocols wire" in unknown.output


def test_cli_sub_folder_prints_one_hint_not_one_error_per_trace(corpus: Path) -> None:
    result = invoke("--in-process", "--traces", str(corpus / "wire"))
    assert result.exit_code == 2
    assert result.output.count("sub-folder") == 1
    assert "differs from its path" not in result.output


def test_cli_reports_a_broken_iut(corpus: Path, tmp_path: Path) -> None:
    junit = tmp_path / "broken.xml"
    command = " ".join(kit.script("drop_output"))
    result = invoke("--impl", command, "--traces", str(corpus), "--junit", str(junit), "-q")
    assert result.exit_code == 1
    assert "FAIL wire/ping/answer-001 step 1:" in result.output
    assert "output[0] missing" in result.output
    hint = f"show the step: peermarket corpus show wire/ping/answer-001 --step 1 --traces {corpus}"
    assert f"    {hint}" in result.output.splitlines()
    assert ET.parse(junit).getroot().get("failures") == "4"


def test_cli_help_documents_exit_codes() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for line in ("0  every executed case passed", "3  zero cases executed", "4  the IUT"):
        assert line in result.output


def test_terminal_report_shows_progress_and_failures_on_a_terminal(corpus: Path) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200, color_system=None)
    terminal = TerminalReport(console)
    outcome = run_corpus(failing_outcome_impl(), corpus, listener=terminal)
    terminal.stop()
    print_summary(console, outcome)
    text = out.getvalue()
    assert "FAIL wire/ping/answer-001" in text
    assert "conform" in text  # the progress bar's label
    assert "1 passed, 4 failed, 0 unsupported" in text and "exit code 1 (failed)" in text
    quiet = io.StringIO()
    silent = TerminalReport(Console(file=quiet, force_terminal=True), quiet=True)
    run_corpus(reference(), corpus, listener=silent)
    silent.stop()
    assert quiet.getvalue() == ""


def test_cli_help_has_no_machine_specific_paths() -> None:
    text = invoke("--help").output
    assert str(Path(__file__).resolve().parents[1]) not in text and sys.executable not in text


def test_the_failure_hint_leaves_out_the_installed_corpus() -> None:
    outcome = run_corpus(failing_outcome_impl(), DEFAULT_TRACES, patterns=["wire/ping/answer-001"])
    (result,) = outcome.results
    assert result.verdict == "fail" and result.step == 1
    text = format_failure(result, outcome.traces)
    assert text.splitlines()[-1] == (
        "    show the step: peermarket corpus show wire/ping/answer-001 --step 1"
    )
    assert json_report(outcome)["cases"][0]["show_command"] == (
        "peermarket corpus show wire/ping/answer-001 --step 1"
    )


def test_a_setup_failure_hint_shows_the_case(corpus: Path) -> None:
    result = CaseResult(
        case_id="wire/ping/answer-001", protocol="wire", verdict="fail", phase="setup"
    )
    assert format_failure(result, str(corpus)).splitlines()[-1] == (
        f"    show the case: peermarket corpus show wire/ping/answer-001 --traces {corpus}"
    )


def test_the_hint_shows_the_step_the_report_names(corpus: Path) -> None:
    """The hint's --step is the report's 1-based step, and corpus show shows that step."""
    from conformance.cli import main

    outcome = run_corpus(failing_outcome_impl(), corpus, patterns=["wire/ping/two-nodes-001"])
    (result,) = outcome.results
    assert result.step is not None
    command = shlex.split(json_report(outcome)["cases"][0]["show_command"])
    assert command[:3] == ["peermarket", "corpus", "show"]
    shown = CliRunner().invoke(main, command[1:])
    assert shown.exit_code == 0, shown.output
    assert f"step {result.step}  node" in shown.output
