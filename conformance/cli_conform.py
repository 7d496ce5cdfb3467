"""``peermarket conform``: replay the conformance corpus against an implementation.

Registered on the ``peermarket`` group by ``conformance/cli.py``. This is
composition: with ``--in-process`` it imports the reference's driver
directly; otherwise it only starts a command.
"""

import shlex
import sys
from pathlib import Path

import click
from rich.console import Console

from conformance.adapters import Implementation, InProcessAdapter
from conformance.report import TerminalReport, print_summary, write_json, write_junit
from conformance.runner import DEFAULT_TRACES, ExitCode, run_corpus
from conformance.subprocess_adapter import DEFAULT_STEP_TIMEOUT, SubprocessAdapter

REFERENCE_COMMAND = f"{shlex.quote(sys.executable)} -m conformance.refdriver"

EPILOG = """\b
Exit codes:
  0  every executed case passed (cases of protocols the IUT did not
     declare in hello are 'unsupported' and do not fail the run)
  1  at least one case failed
  2  usage error: bad options, a --protocol no case has, traces directory
     missing (or a sub-folder of the corpus), invalid trace
  3  zero cases executed: the selection matched nothing, or every
     selected case was unsupported (a run without coverage is never green)
  4  the IUT is unusable: it did not start, failed the hello handshake
     (e.g. wrong driver version), or did not answer 'unsupported' for
     an unknown protocol (it claims to implement everything)

\b
Examples:
  peermarket conform
  peermarket conform --impl "./my-node --driver" --select 'wire/*' -x
  peermarket conform --in-process --junit conform.xml --json conform.json
  peermarket conform --impl "./my-node --driver" --select wire/ping/answer-001 --full

\b
Each failure in the report ends with the command that shows its step:
  peermarket corpus show wire/ping/answer-001 --step 1
"""


@click.command("conform", epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--impl",
    "impl_command",
    metavar="CMD",
    default=None,
    help="Command that starts the IUT (split shell-style, run without a shell). It speaks the "
    "driver protocol on stdin/stdout. Default: the reference, through its subprocess driver.",
)
@click.option(
    "--in-process",
    is_flag=True,
    help="Run the reference in this process instead of a subprocess (faster; no timeouts).",
)
@click.option(
    "--select",
    "patterns",
    metavar="GLOB",
    multiple=True,
    help="Only cases whose id matches GLOB ('*' also matches '/'); repeatable.",
)
@click.option(
    "--protocol",
    "protocols",
    metavar="P",
    multiple=True,
    help="Only cases of protocol P; repeatable. Exit 2 if no case has protocol P.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a JUnit XML report (a testsuite per protocol) to FILE.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write a JSON report (schema: conformance/report_schema.json) to FILE.",
)
@click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failing case.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.01),
    default=DEFAULT_STEP_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Seconds the IUT has to answer each request before it is killed (and restarted for "
    "the next case). A freshly started IUT has max(SECONDS, 30) to answer hello.",
)
@click.option(
    "--traces",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_TRACES,
    show_default="the installed corpus, conformance/traces/v1",
    help="Corpus root: the directory of trace files (*.cbor) and MANIFEST.json, e.g. the "
    "traces/v1 folder of an unpacked `peermarket corpus export` archive. Case ids are the "
    "paths below it without .cbor, so pass the root, not a sub-folder (choose cases with "
    "--select or --protocol).",
)
@click.option(
    "--full",
    is_flag=True,
    help="With each failure, print the failing step's expected and actual frames (and "
    "states, when they differ) whole: hex, and the envelope decoded with its body.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; only the summary.")
def conform(
    impl_command: str | None,
    in_process: bool,
    patterns: tuple[str, ...],
    protocols: tuple[str, ...],
    junit: Path | None,
    json_path: Path | None,
    exitfirst: bool,
    timeout: float,
    traces: Path,
    full: bool,
    quiet: bool,
) -> None:
    """Replay the conformance traces against an implementation under test (IUT).

    Each case is replayed step by step: the IUT's outputs (recipients, or the
    keys of route downcalls, and frame bytes, in order) or its error code must
    equal the trace's, and so
    must its observable state where the trace records one. A failing case
    stops at its first failing step and reports a diff of decoded fields.
    """
    console = Console(highlight=False)
    if impl_command is not None and in_process:
        raise click.UsageError("--impl and --in-process exclude each other")
    impl: Implementation
    if in_process:
        from reference.driver import Driver

        impl = InProcessAdapter(Driver().handle_frame, "reference.driver.Driver")
    else:
        command = impl_command if impl_command is not None else REFERENCE_COMMAND
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise click.UsageError(f"--impl: {exc}") from None
        if not argv:
            raise click.UsageError("--impl: empty command")
        impl = SubprocessAdapter(argv, step_timeout=timeout)
    terminal = TerminalReport(console, quiet=quiet)
    try:
        with impl:
            outcome = run_corpus(
                impl,
                traces,
                patterns=patterns,
                protocols=protocols,
                exitfirst=exitfirst,
                listener=terminal,
            )
    finally:
        terminal.stop()
    outcome.warnings.extend(impl.warnings)
    print_summary(console, outcome, full)
    try:
        if junit is not None:
            write_junit(junit, outcome)
        if json_path is not None:
            write_json(json_path, outcome)
    except OSError as exc:
        console.print(f"[red]error:[/] cannot write report: {exc}")
        sys.exit(ExitCode.USAGE)
    sys.exit(int(outcome.exit_code))
