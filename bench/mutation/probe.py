"""``python -m bench.mutation.probe``: replay chosen survivors against the current corpus.

``make mutate`` keeps one set of sessions and takes a lock, so only one run at a
time. While writing traces for survivors one wants a quicker, private answer:
"does my new case kill these mutants?". This tool takes the survivors of
``survivors.toml`` (by module, status and line), applies each one's mutated
line to a private scratch copy of the tree (``--work``, never the real tree
and never ``build/mutation``), replays the corpus of the real tree (or the
one given by ``--traces``: a corpus written by ``corpus generate --out``, so
that trying a new case writes nothing into the tree), and prints
which are killed and by which case. It records nothing: the figures and
statuses come from ``make mutate`` only.

A survivor is applied by replacing its line with its ``mutant`` text (the same
indentation). When the module's line no longer reads the survivor's ``source``
(the module changed since the run), it is skipped and said so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.mutation import REPO, SURVIVORS
from bench.mutation import report as report_mod
from bench.mutation.run import CORPUS, make_tree


def apply(text: str, line: int, source: str, mutant: str) -> str | None:
    """``text`` with its line ``line`` (1-based) replaced by ``mutant``, indented as it was;
    None when that line does not read ``source`` (stripped)."""
    lines = text.splitlines(keepends=True)
    if not 0 < line <= len(lines) or lines[line - 1].strip() != source:
        return None
    old = lines[line - 1]
    indent = old[: len(old) - len(old.lstrip())]
    ending = old[len(old.rstrip("\r\n")) :]
    lines[line - 1] = indent + mutant + ending
    return "".join(lines)


def _replay(tree: Path, traces: Path, cache: Path, timeout: float) -> tuple[str, str]:
    """(verdict, line): verdict is killed, survived or timeout."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [
        sys.executable,
        "-P",
        "-m",
        "bench.mutation.replay",
        "--traces",
        str(traces),
        "--cache",
        str(cache),
    ]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout", f"no verdict in {timeout:.0f} s"
    line = (done.stdout.strip().splitlines() or [done.stderr.strip()[-200:]])[-1]
    return ("survived" if done.returncode == 0 else "killed"), line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mutation.probe",
        description="Replay chosen survivors of survivors.toml against the tree's corpus.",
    )
    parser.add_argument("--modules", nargs="+", required=True, help="paths, e.g. reference/x.py")
    parser.add_argument(
        "--status", default="open", help="status prefix to take (open, equivalent, killed-by, all)"
    )
    parser.add_argument("--lines", type=int, nargs="*", help="only survivors on these lines")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a new temp folder)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant")
    parser.add_argument("--json", type=Path, help="write the verdicts here as JSON")
    parser.add_argument(
        "--traces",
        type=Path,
        help="replay this corpus (e.g. one written by corpus generate --out) instead of the tree's",
    )
    parser.add_argument("--survivors", type=Path, default=SURVIVORS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    survivors = report_mod.load(args.survivors)
    wanted = [
        e
        for e in survivors.entries
        if e.module in args.modules
        and (args.status == "all" or e.status.startswith(args.status))
        and (not args.lines or e.line in args.lines)
    ]
    if not wanted:
        print("no survivor matches", flush=True)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="mutation-probe-"))
    tree = work / "tree"
    make_tree(REPO, tree)
    traces = args.traces.resolve() if args.traces is not None else tree / CORPUS
    cache = work / "corpus.pickle"
    baseline = _python_cache(tree, traces, cache)
    if baseline:
        print(f"error: {baseline}", flush=True)
        return 2
    verdicts: list[dict[str, object]] = []
    started = time.monotonic()
    for n, entry in enumerate(wanted, 1):
        path = tree / entry.module
        original = path.read_text("utf-8")
        where = f"{entry.module}:{entry.line} {entry.operator} nth={entry.nth}"
        mutated = apply(original, entry.line, entry.source, entry.mutant)
        if mutated is None:
            print(f"[{n}/{len(wanted)}] skipped {where}: the line no longer reads the source")
            verdicts.append({"where": where, "verdict": "skipped"})
            continue
        path.write_text(mutated, "utf-8")
        try:
            verdict, line = _replay(tree, traces, cache, args.timeout)
        finally:
            path.write_text(original, "utf-8")
        print(f"[{n}/{len(wanted)}] {verdict}: {where}: {entry.mutant!r} -- {line}", flush=True)
        verdicts.append(
            {"where": where, "mutant": entry.mutant, "verdict": verdict, "output": line}
        )
    killed = sum(1 for v in verdicts if v["verdict"] in ("killed", "timeout"))
    print(
        f"{killed} of {len(wanted)} killed in {time.monotonic() - started:.0f} s (work: {work})",
        flush=True,
    )
    if args.json is not None:
        args.json.write_text(json.dumps(verdicts, indent=2) + "\n", "utf-8")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _python_cache(tree: Path, traces: Path, cache: Path) -> str | None:
    """Pickle the corpus with the unmutated tree and check it passes; an error, or None."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    base = [sys.executable, "-P", "-m", "bench.mutation.replay", "--traces", str(traces)]
    done = subprocess.run(
        [*base, "--write-cache", str(cache)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"the corpus does not load: {done.stdout.strip()[-300:]}"
    verdict, line = _replay(tree, traces, cache, 600.0)
    if verdict != "survived":
        return f"the unmutated tree fails the corpus: {line}"
    return None


if __name__ == "__main__":
    sys.exit(main())
