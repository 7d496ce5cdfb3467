"""``python -m bench [GROUP ...] [--quick] [--strict]``: run benchmarks, print, write JSON."""

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import Report, Settings, load_all

RESULTS = Path(__file__).resolve().parent / "results"


def render(report: Report, console: Console) -> None:
    table = Table(title=f"bench: {report.group}")
    table.add_column("operation")
    table.add_column("best /s", justify="right")
    table.add_column("median /s", justify="right")
    table.add_column("µs per op (best)", justify="right")
    table.add_column("runs", justify="right")
    for rate in report.rates:
        table.add_row(
            rate.name,
            f"{rate.best:,.0f}",
            f"{rate.median:,.0f}",
            f"{1e6 / rate.best:.2f}",
            f"{rate.repeats}x{rate.number}",
        )
    console.print(table)
    figures = Table(title=f"bench: {report.group} (derived)")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    figures.add_column("target", justify="right")
    figures.add_column("")
    for fig in report.figures:
        verdict = {None: "", True: "[green]met[/]", False: "[red]MISSED[/]"}[fig.met]
        target = "" if fig.target is None else f">= {fig.target:.2f}"
        figures.add_row(fig.name, f"{fig.value:.3f}", target, verdict)
    console.print(figures)


def main(argv: list[str] | None = None) -> int:
    registry = load_all()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "groups", nargs="*", help=f"groups to run (default: all of {sorted(registry)})"
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repetitions")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for <group>.json")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.groups) - set(registry))
    if unknown:
        parser.error(f"unknown groups {unknown}; known: {sorted(registry)}")
    settings = (
        Settings(repeats=3, target_seconds=0.05, warmup_seconds=0.05) if args.quick else Settings()
    )
    console = Console()
    args.out.mkdir(parents=True, exist_ok=True)
    missed = 0
    for group in args.groups or sorted(registry):
        report = registry[group](settings)
        render(report, console)
        path = args.out / f"{group}.json"
        path.write_text(json.dumps(report.to_json(), indent=2) + "\n", "utf-8")
        console.print(f"wrote {path}")
        missed += sum(1 for fig in report.figures if fig.met is False)
    if missed:
        console.print(f"[yellow]{missed} target(s) missed[/]")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
