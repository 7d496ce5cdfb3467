"""Reports of a conformance run: the terminal, JUnit XML for CI, and JSON.

The terminal shows a progress bar while cases run (only on a terminal, and
not with ``--quiet``), then a table per protocol and every failure with its
case id, step and diff, and the command that shows the failing step
(``peermarket corpus show <case id> --step <n>``, steps numbered from 1).
JUnit XML has one ``testsuite`` per protocol and one ``testcase`` per case
id. The JSON report follows ``conformance/report_schema.json``.
"""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from conformance import paths
from conformance.adapters import RUNNER_NAME
from conformance.evidence import evidence_lines
from conformance.runner import CaseResult, ExitCode, Listener, RunOutcome
from spec.v1 import SPEC_VERSION
from spec.v1.driver import DRIVER_VERSION

REPORT_FORMAT: Final = 1
"""Version of the JSON report layout (``report_format`` in the file)."""
SCHEMA_PATH: Final = Path(__file__).resolve().parent / "report_schema.json"

OUTCOME_NAMES: Final = {
    ExitCode.PASSED: "passed",
    ExitCode.FAILED: "failed",
    ExitCode.USAGE: "usage_error",
    ExitCode.NO_CASES: "no_cases",
    ExitCode.IUT_UNUSABLE: "iut_unusable",
}

_VERDICT_STYLE: Final = {"pass": "green", "fail": "red", "unsupported": "yellow"}


def format_failure(result: CaseResult, traces: str | None = None, full: bool = False) -> str:
    """A failed case as plain text: case id, step, what differed, the step's note, the
    diff, with ``full`` every expected and actual frame of the step in hex and decoded,
    then the command that shows the failing step (with ``--traces`` unless ``traces`` is
    the installed corpus)."""
    lines = [f"FAIL {result.case_id} {failure_headline(result)}"]
    if result.note:
        lines.append(f"    the step: {result.note}")
    lines.extend(f"    {line}" for line in result.diff)
    if full and result.evidence is not None:
        lines.extend(f"    {line}" for line in evidence_lines(result.evidence))
    what = "the case" if result.step is None else "the step"
    lines.append(f"    show {what}: {show_command(result, traces)}")
    return "\n".join(lines)


def show_command(result: CaseResult, traces: str | None = None) -> str:
    """``peermarket corpus show <case id> --step <n>`` for the case's failing step (no
    ``--step`` when it failed in set-up), with ``--traces`` for a corpus other than the
    installed one."""
    return paths.show_command(result.case_id, result.step, traces or None)


def failure_headline(result: CaseResult) -> str:
    """``step 3: <what happened>`` (or ``setup: ...``): where a case failed and why."""
    where = f"step {result.step}" if result.step is not None else result.phase or "setup"
    return f"{where}: {result.message}"


class TerminalReport(Listener):
    """Progress while running, failures as they happen (when not quiet)."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self._progress: Progress | None = None
        self._task: Any = None

    def run_started(self, total: int) -> None:
        if self.quiet or not self.console.is_terminal:
            return
        self._progress = Progress(
            TextColumn("[bold]conform[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("", total=total)

    def case_finished(self, result: CaseResult) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=escape(result.case_id))
        if result.verdict == "fail" and not self.quiet:
            self.console.print(
                f"[red]FAIL[/] {escape(result.case_id)}", highlight=False, soft_wrap=True
            )

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def print_summary(console: Console, outcome: RunOutcome, full: bool = False) -> None:
    """The IUT, a table per protocol, every failure with its diff (and with ``full`` its
    frames in full), and the totals."""
    hello = outcome.implementation
    if hello is not None:
        console.print(
            f"IUT [bold]{escape(hello.implementation)}[/] via the {outcome.adapter} adapter "
            f"({escape(outcome.command)}), driver v{hello.version}, "
            f"protocols: {escape(', '.join(hello.protocols)) or '(none)'}",
            highlight=False,
        )
    if outcome.results:
        table = Table(title=f"PeerMarket conformance (spec {SPEC_VERSION})")
        table.add_column("protocol")
        for name, style in (("passed", "green"), ("failed", "red"), ("unsupported", "yellow")):
            table.add_column(name, justify="right", style=style)
        table.add_column("total", justify="right")
        for protocol, counts in outcome.by_protocol().items():
            table.add_row(
                protocol,
                str(counts["pass"]),
                str(counts["fail"]),
                str(counts["unsupported"]),
                str(sum(counts.values())),
            )
        console.print(table)
    for result in outcome.results:
        if result.verdict == "fail":
            console.print(
                escape(format_failure(result, outcome.traces, full)),
                highlight=False,
                soft_wrap=True,
            )
    for warning in outcome.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if outcome.error:
        console.print(f"[red]error:[/] {escape(outcome.error)}", highlight=False, soft_wrap=True)
    parts = [
        f"{outcome.count('pass')} passed",
        f"{outcome.count('fail')} failed",
        f"{outcome.count('unsupported')} unsupported",
    ]
    if outcome.stopped_early:
        parts.append(f"{outcome.not_run} not run (stopped at the first failure, -x)")
    elif outcome.not_run:
        parts.append(f"{outcome.not_run} not run")
    if outcome.restarts:
        parts.append(f"IUT restarted {outcome.restarts} time(s)")
    style = "green" if outcome.exit_code == ExitCode.PASSED else "red"
    console.print(
        f"[{style}]{', '.join(parts)} in {outcome.duration:.2f} s; "
        f"exit code {int(outcome.exit_code)} ({OUTCOME_NAMES[outcome.exit_code]})[/]",
        highlight=False,
    )


# -- JUnit XML --

_XML_INVALID: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by a visible escape."""
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(outcome: RunOutcome) -> bytes:
    """JUnit XML: a testsuite per protocol, a testcase per case id."""
    root = ET.Element("testsuites", name="peermarket-conform")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites: dict[str, list[tuple[str, CaseResult | None]]] = {}
    for result in outcome.results:
        suites.setdefault(result.protocol, []).append((result.case_id, result))
    for case_id, protocol in outcome.not_run_cases:
        suites.setdefault(protocol, []).append((case_id, None))
    for protocol in sorted(suites):
        entries = suites[protocol]
        suite = ET.SubElement(root, "testsuite", name=protocol)
        counts = {"tests": len(entries), "failures": 0, "errors": 0, "skipped": 0}
        time_total = 0.0
        for case_id, entry in entries:
            testcase = ET.SubElement(
                suite, "testcase", name=case_id, classname=f"peermarket.{protocol}"
            )
            if entry is None:
                testcase.set("time", "0.000")
                ET.SubElement(
                    testcase, "skipped", message="not run: the run stopped at a failure (-x)"
                )
                counts["skipped"] += 1
                continue
            result = entry
            time_total += result.duration
            testcase.set("time", f"{result.duration:.3f}")
            if result.verdict == "fail":
                failure = ET.SubElement(
                    testcase,
                    "failure",
                    message=xml_text(failure_headline(result)),
                    type=result.iut_error or "mismatch",
                )
                failure.text = xml_text(format_failure(result, outcome.traces))
                counts["failures"] += 1
            elif result.verdict == "unsupported":
                ET.SubElement(testcase, "skipped", message=xml_text(result.message))
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{time_total:.3f}")
    if outcome.error:
        suite = ET.SubElement(
            root, "testsuite", name="peermarket", tests="1", failures="0", errors="1", skipped="0"
        )
        suite.set("time", "0.000")
        testcase = ET.SubElement(suite, "testcase", name="run", classname="peermarket.run")
        error = ET.SubElement(
            testcase,
            "error",
            message=xml_text(outcome.error.splitlines()[0]),
            type=OUTCOME_NAMES[outcome.exit_code],
        )
        error.text = xml_text(outcome.error)
        totals["tests"] += 1
        totals["errors"] += 1
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{outcome.duration:.3f}")
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


# -- JSON --


def json_report(outcome: RunOutcome) -> dict[str, Any]:
    """The JSON report as a dict (see ``report_schema.json``)."""
    hello = outcome.implementation
    return {
        "report_format": REPORT_FORMAT,
        "runner": {
            "name": RUNNER_NAME,
            "spec_version": SPEC_VERSION,
            "driver_version": DRIVER_VERSION,
        },
        "implementation": {
            "adapter": outcome.adapter,
            "command": outcome.command,
            "name": hello.implementation if hello else None,
            "driver_version": hello.version if hello else None,
            "protocols": list(hello.protocols) if hello else None,
            "restarts": outcome.restarts,
        },
        "selection": {
            "traces": outcome.traces,
            "select": list(outcome.patterns),
            "protocols": list(outcome.protocols),
            "exitfirst": outcome.exitfirst,
        },
        "exit_code": int(outcome.exit_code),
        "outcome": OUTCOME_NAMES[outcome.exit_code],
        "error": outcome.error or None,
        "duration_seconds": round(outcome.duration, 6),
        "summary": {
            "selected": outcome.selected,
            "executed": outcome.executed,
            "passed": outcome.count("pass"),
            "failed": outcome.count("fail"),
            "unsupported": outcome.count("unsupported"),
            "not_run": outcome.not_run,
            "steps": outcome.steps,
        },
        "protocols": {
            protocol: {
                "passed": counts["pass"],
                "failed": counts["fail"],
                "unsupported": counts["unsupported"],
            }
            for protocol, counts in outcome.by_protocol().items()
        },
        "cases": [_case_json(result, outcome.traces) for result in outcome.results],
        "not_run": [case_id for case_id, _ in outcome.not_run_cases],
        "warnings": list(outcome.warnings),
    }


def _case_json(result: CaseResult, traces: str) -> dict[str, Any]:
    case: dict[str, Any] = {
        "case_id": result.case_id,
        "protocol": result.protocol,
        "verdict": result.verdict,
        "step": result.step,
        "phase": result.phase or None,
        "message": result.message,
        "diff": list(result.diff),
        "iut_error": result.iut_error,
        "duration_seconds": round(result.duration, 6),
        "steps_run": result.steps_run,
        "tags": list(result.tags),
        "flags": list(result.flags),
    }
    if result.verdict == "fail":
        case["show_command"] = show_command(result, traces)
        if result.note:
            case["note"] = result.note
    return case


def write_json(path: Path, outcome: RunOutcome) -> None:
    """Write the JSON report (UTF-8, sorted keys, trailing newline)."""
    text = json.dumps(json_report(outcome), indent=2, sort_keys=True, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_junit(path: Path, outcome: RunOutcome) -> None:
    """Write the JUnit XML report."""
    path.write_bytes(junit_xml(outcome))
