"""``peermarket corpus list`` and ``corpus show``: find cases, and read one by its id.

A failing case in ``peermarket conform``'s report is named by its case id and
step; ``corpus show CASE_ID --step N`` shows exactly that step, decoded, with
the trace file's path at the top, so an implementer with only the installed
wheel never has to look for the file. Without ``--step`` it prints the header
and one line per step. ``trace show FILE`` (:mod:`conformance.cli_corpus`)
shares :func:`show_trace_file`.

Steps are numbered from 1, as in the failure report.

Exit codes: 0 success; 1 the trace file is unreadable; 2 usage errors (an
unknown case id, protocol or flag, ``--step`` out of range, an unusable
corpus).
"""

import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, get_args

import click
from rich.console import Console
from rich.markup import escape

from conformance import cases, paths, tracedecode, tracefile, traceview
from conformance.traceoutline import align
from spec.v1.flags import BY_NAME
from spec.v1.trace import Tag

EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
TRACES_HELP: Final = (
    "Corpus root directory (holding MANIFEST.json), e.g. the traces/v1 folder of an "
    "unpacked `corpus export` archive."
)
TRACES_DEFAULT: Final = "the installed corpus"


def traces_option(function: Any) -> Any:
    """``--traces DIR``, defaulting to the installed corpus (as ``conform --traces``)."""
    return click.option(
        "--traces",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=paths.installed_corpus,
        show_default=TRACES_DEFAULT,
        help=TRACES_HELP,
    )(function)


def show_trace_file(
    path: Path,
    *,
    step: int | None,
    as_json: bool,
    outline: bool = False,
    hint: str | None = None,
) -> None:
    """Print the trace at ``path``: step ``step`` (1-based) in full, else its outline (with
    ``hint`` below) or, unless ``outline``, every step in full; JSON with ``as_json``."""
    console = Console(highlight=False)
    try:
        loaded = tracefile.read_trace(path)
    except tracefile.TraceFileError as exc:
        if as_json:
            click.echo(
                json.dumps({"file": str(path), "error": {"kind": exc.kind, "message": exc.message}})
            )
        else:
            console.print(f"[red]{escape(str(path))}: {escape(str(exc))}[/]", soft_wrap=True)
        sys.exit(EXIT_INVALID)
    count = len(loaded.content.steps)
    if step is not None and not 1 <= step <= count:
        raise click.BadParameter(
            f"{step} is out of range: {loaded.content.header.case_id} has {count} step"
            f"{'s' if count != 1 else ''}, numbered 1 to {count} (as in conform's report)",
            param_hint="'--step'",
        )
    if as_json:
        click.echo(json.dumps(tracedecode.trace_json(loaded, path, step), indent=2))
    elif step is not None:
        traceview.print_step(console, loaded, step, path)
    elif outline:
        traceview.print_outline(console, loaded, path, hint)
    else:
        traceview.print_trace(console, loaded, path)


@click.command("show")
@click.argument("case_id")
@click.option(
    "--step",
    type=int,
    metavar="N",
    help="Show only step N (numbered from 1, as conform's failure report numbers them) in "
    "full: its input, expected outputs, error and state, decoded.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON rendering (bytes as hex).")
@traces_option
def corpus_show(case_id: str, step: int | None, as_json: bool, traces: Path) -> None:
    """Show case CASE_ID (e.g. wire/ping/answer-001) and the path of its trace file.

    Without --step: the header, the nodes, and one line per step (tick, node,
    input, outputs, expected error, whether the state is checked). With
    --step N: the header and step N in full. Exit 2 for an unknown id (close
    ids are suggested; `peermarket corpus list` lists them all) or a step out
    of range.
    """
    try:
        path = cases.find_case(traces, case_id)
    except cases.UnknownCase as exc:
        lines = [str(exc)]
        if exc.suggestions:
            lines += ["did you mean:", *(f"  {s}" for s in exc.suggestions)]
        if Path(case_id).is_file():
            lines.append(f"to show a trace file by its path: peermarket trace show {case_id}")
        lines.append("(`peermarket corpus list` lists every case id)")
        raise click.UsageError("\n".join(lines)) from None
    found = cases.normalize_case_id(case_id)
    hint = f"show one step in full: {paths.show_command(found, 'N', traces)}"
    show_trace_file(path, step=step, as_json=as_json, outline=True, hint=hint)


def _close(given: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(given, known, n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def case_summary(case: cases.Case) -> dict[str, Any]:
    """One case as ``corpus list --json`` prints it."""
    header = case.trace.content.header
    steps = case.trace.content.steps
    errors = list(dict.fromkeys(s.expect.error for s in steps if s.expect.error is not None))
    return {
        "case_id": case.case_id,
        "protocol": header.protocol,
        "tags": list(header.tags),
        "flags": list(header.flags),
        "steps": len(steps),
        "errors": errors,
        "description": header.description,
        "file": None if case.path is None else str(case.path),
    }


LIST_COLUMNS: Final = ("case", "protocol", "tags", "flags", "steps", "errors")


def list_lines(summaries: Sequence[dict[str, Any]]) -> list[str]:
    """The listing as aligned plain-text lines, never wrapped (so grep finds whole rows)."""
    rows: list[Sequence[str]] = [LIST_COLUMNS]
    for s in summaries:
        rows.append(
            (
                s["case_id"],
                s["protocol"],
                ",".join(s["tags"]),
                ",".join(s["flags"]) or "-",
                str(s["steps"]),
                ",".join(s["errors"]) or "-",
            )
        )
    return align(rows, right={4})


@click.command("list")
@click.option("--protocol", "protocols", metavar="P", multiple=True, help="Only cases of P.")
@click.option(
    "--select",
    "patterns",
    metavar="GLOB",
    multiple=True,
    help="Only cases whose id matches GLOB ('*' also matches '/'), as in conform.",
)
@click.option(
    "--tag",
    "tags",
    type=click.Choice(get_args(Tag)),
    metavar="T",
    multiple=True,
    help=f"Only cases with tag T: {', '.join(get_args(Tag))}.",
)
@click.option("--flag", "flags", metavar="F", multiple=True, help="Only cases with flag F.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the filters' result.")
@traces_option
def corpus_list(
    protocols: tuple[str, ...],
    patterns: tuple[str, ...],
    tags: tuple[str, ...],
    flags: tuple[str, ...],
    as_json: bool,
    traces: Path,
) -> None:
    """List the cases: id, protocol, tags, flags, steps and the expected error codes.

    Each option is repeatable; a case is listed when it matches any value of
    each option given (e.g. --tag negative --tag edge: either tag). The
    corpus is checked as conform checks it; exit 2 if it is not usable.
    """
    for flag in flags:
        if flag not in BY_NAME:
            raise click.BadParameter(
                f"{flag!r} is not in the flag registry{_close(flag, list(BY_NAME))}",
                param_hint="'--flag'",
            )
    try:
        loaded = cases.load_corpus(traces)
    except cases.CorpusError as exc:
        err = Console(stderr=True, highlight=False)
        err.print(f"[red]error:[/] the corpus in {escape(str(traces))} is not usable:")
        for problem in exc.problems:
            err.print(f"  {escape(problem)}", soft_wrap=True)
        sys.exit(EXIT_USAGE)
    unknown = cases.unknown_protocols(loaded, protocols, traces)
    if unknown:
        raise click.BadParameter(unknown, param_hint="'--protocol'")
    chosen = [
        case
        for case in cases.select_cases(loaded, patterns, protocols)
        if (not tags or set(tags) & set(case.trace.content.header.tags))
        and (not flags or set(flags) & set(case.trace.content.header.flags))
    ]
    summaries = [case_summary(case) for case in chosen]
    if as_json:
        listing = {
            "traces": str(traces),
            "total": len(loaded),
            "count": len(summaries),
            "cases": summaries,
        }
        click.echo(json.dumps(listing, indent=2))
        return
    for line in list_lines(summaries):
        click.echo(line)
    per_protocol: dict[str, int] = {}
    for s in summaries:
        per_protocol[s["protocol"]] = per_protocol.get(s["protocol"], 0) + 1
    counts = ", ".join(f"{p} {n}" for p, n in sorted(per_protocol.items()))
    of = f" of {len(loaded)}" if len(summaries) != len(loaded) else ""
    click.echo(f"{len(summaries)}{of} cases" + (f" ({counts})" if counts else ""))
