"""``peermarket corpus`` and ``peermarket trace``: build, browse and export the trace corpus.

``corpus generate`` runs every generator of ``reference.corpus.registry`` and
makes the corpus directory hold exactly their traces and a manifest;
``--check`` writes nothing and fails unless the directory already does, byte
for byte. ``corpus list`` and ``corpus show`` (:mod:`conformance.cli_browse`)
find cases and show one by id. ``corpus export`` writes the corpus and the
schemas as one reproducible archive (:mod:`conformance.archive`). ``trace
show`` renders a trace file for people (or as JSON); ``trace validate``
checks files against the trace format.

Nothing is written into an installed package: outside a source tree
(:func:`conformance.paths.in_source_tree`) ``corpus generate`` writes to
``./traces/v1`` unless ``--out`` says otherwise.

Exit codes: 0 success; 1 the corpus drifted (``--check``) or a trace file is
invalid; 2 usage errors, generators that do not make a valid corpus, or a
corpus that cannot be exported.
"""

import sys
from pathlib import Path
from typing import Final

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance import archive, paths, tracefile
from conformance.cli_browse import corpus_list, corpus_show, show_trace_file, traces_option

CORPUS_DIR: Final = paths.installed_corpus()
"""The corpus shipped with the package (in a source tree: the checked-in corpus)."""

EXIT_DRIFT: Final = 1
EXIT_INVALID: Final = 1
EXIT_BUILD: Final = 2


def _console() -> Console:
    return Console(highlight=False)


@click.group("corpus")
def corpus() -> None:
    """List, show, export, build and check the conformance trace corpus."""


corpus.add_command(corpus_list)
corpus.add_command(corpus_show)


@corpus.command("generate")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    show_default="conformance/traces/v1 in a source checkout, else ./traces/v1; with "
    "--check, the installed corpus",
    help="Corpus directory to write (or to check).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 unless the directory already holds exactly the generated corpus.",
)
def corpus_generate(out: Path | None, check: bool) -> None:
    """Run every corpus generator and write <case_id>.cbor per trace plus MANIFEST.json.

    Stale trace files that no generator produces are removed; each file is
    written atomically. Duplicate case ids across generators are an error.
    Outside a source checkout the default is ./traces/v1: an installed
    package is never written to.
    """
    from reference.corpus.registry import GENERATORS

    if out is None:
        out = paths.corpus_output(check)
    console = _console()
    try:
        built = tracefile.build_corpus(GENERATORS)
    except tracefile.CorpusBuildError as exc:
        for problem in exc.problems:
            console.print(f"[red]error:[/] {escape(problem)}", soft_wrap=True)
        console.print(
            f"[red]the generators do not make a valid corpus ({len(exc.problems)} problems)[/]"
        )
        sys.exit(EXIT_BUILD)
    table = Table(title="corpus generators")
    table.add_column("generator")
    table.add_column("version")
    table.add_column("cases", justify="right")
    for name, version, count in built.counts:
        table.add_row(name, version, str(count))
    console.print(table)
    if check:
        drift = tracefile.compare_corpus(out, built)
        for name in drift.missing:
            console.print(f"[red]missing:[/] {out / name}", soft_wrap=True)
        for name in drift.extra:
            console.print(f"[red]extra (no generator produces it):[/] {out / name}", soft_wrap=True)
        for name in drift.differing:
            console.print(f"[red]differs:[/] {out / name}", soft_wrap=True)
        if not drift.clean:
            console.print(
                f"[red]the corpus in {out} is not what the generators produce[/] "
                f"({len(drift.missing)} missing, {len(drift.extra)} extra, "
                f"{len(drift.differing)} differing): run `peermarket corpus generate`",
                soft_wrap=True,
            )
            sys.exit(EXIT_DRIFT)
        console.print(
            f"[green]{len(built.cases)} traces and the manifest match {out} byte for byte[/]",
            soft_wrap=True,
        )
        return
    result = tracefile.write_corpus(out, built)
    console.print(
        f"{len(built.cases)} traces in {out}: {len(result.written)} files written, "
        f"{len(result.unchanged)} unchanged, {len(result.removed)} stale removed",
        soft_wrap=True,
    )
    for name in result.removed:
        console.print(f"  removed {name}", soft_wrap=True)


@corpus.command("export")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    metavar="PATH",
    show_default="./peermarket-conformance-<spec version>.tar.gz",
    help="Archive file to write, or an existing directory to write it into.",
)
@traces_option
@click.option(
    "--schemas",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=paths.installed_schemas,
    show_default="the installed schemas",
    help="Schemas directory (json/*.schema.json, the CDDL, registries/), as spec export writes it.",
)
def corpus_export(out: Path | None, traces: Path, schemas: Path) -> None:
    """Write the corpus and the schemas as one versioned, reproducible .tar.gz.

    The archive holds one folder, peermarket-conformance-<spec version>/, with
    traces/v1/ (every trace and the corpus MANIFEST.json), schemas/, a README,
    a MANIFEST.json (spec, trace format and package versions, case count,
    release fingerprint, every file's SHA-256) and SHA256SUMS. The same
    corpus always gives the same bytes. Unpacked, `peermarket conform
    --traces <folder>/traces/v1` runs it. Written atomically; exit 2 if the
    corpus is not usable.
    """
    console = _console()
    try:
        name, data = archive.build_archive(traces, schemas)
    except archive.ArchiveError as exc:
        console.print("[red]error:[/] nothing exported:")
        for problem in exc.problems:
            console.print(f"  {escape(problem)}", soft_wrap=True)
        sys.exit(EXIT_BUILD)
    target = Path(name) if out is None else out / name if out.is_dir() else out
    try:
        tracefile.write_atomically(target, data)
    except OSError as exc:
        console.print(f"[red]error:[/] cannot write {escape(str(target))}: {exc}", soft_wrap=True)
        sys.exit(EXIT_BUILD)
    console.print(f"wrote {escape(str(target))} ({len(data):,} bytes)", soft_wrap=True)


@click.group("trace")
def trace() -> None:
    """Read trace files: render them for people, check them against the format."""


@trace.command("show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--step",
    type=int,
    metavar="N",
    help="Show only step N (numbered from 1, as in conform's failure report) in full.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON rendering (bytes as hex).")
def trace_show(file: Path, step: int | None, as_json: bool) -> None:
    """Render FILE: header, flags, nodes, then each step decoded (exit 1 if unreadable).

    To show a case of a corpus by its id, use `peermarket corpus show CASE_ID`.
    """
    show_trace_file(file, step=step, as_json=as_json)


@trace.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def trace_validate(files: tuple[Path, ...]) -> None:
    """Check each FILE (or every trace under a directory) against the trace format.

    Strict decoding, content hash, known flags and error codes, negative tag iff
    an error is expected, case id matching the path, ticks non-decreasing per
    node. Exits 1 if any file has a problem.
    """
    console = _console()
    checked = 0
    bad = 0
    for given in files:
        targets: list[tuple[Path, Path | None]]
        if given.is_dir():
            targets = [
                (path, given)
                for name, path in tracefile.corpus_files_on_disk(given).items()
                if name != tracefile.MANIFEST_NAME
            ]
            if not targets:
                console.print(f"[red]{given}: no trace files[/]", soft_wrap=True)
                bad += 1
        else:
            targets = [(given, None)]
        for path, root in targets:
            checked += 1
            _, problems = tracefile.validate_file(path, root)
            if problems:
                bad += 1
                for problem in problems:
                    console.print(
                        f"[red]{escape(str(path))}:[/] {escape(str(problem))}", soft_wrap=True
                    )
            else:
                console.print(f"[green]ok[/] {path}", soft_wrap=True)
    if bad:
        console.print(f"[red]{bad} of {checked} files invalid[/]")
        sys.exit(EXIT_INVALID)
    console.print(f"[green]{checked} files valid[/]")
