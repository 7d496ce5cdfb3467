"""``python -m bench.mutation`` (``make mutate``): mutate the reference, replay the corpus.

cosmic-ray does the mutating: its operators, its occurrences, its session
files (sqlite: a work item per mutant, a result once it ran) and its
``mutate_and_test`` (apply one mutation to a file, run the test command under
a timeout, put the file back). This module only arranges where that happens:

1. **Scratch trees.** cosmic-ray rewrites the module under test in place, so
   it never touches the real tree (other people run tests in it). Every run
   copies :data:`bench.mutation.TREE_PARTS` into ``build/mutation/pristine``
   (never mutated: sessions are created from it, and a harness that must not
   run mutated code runs from it) and into one ``build/mutation/worker-N``
   per job (each worker mutates its own copy). The copies are refreshed at
   every start, so a run killed mid-mutant leaves nothing behind.
2. **Baseline.** The unmutated copy must pass the replay (else: abort); its
   median time, times ``--timeout-factor``, is the per-mutant timeout.
3. **Sessions**, one per module in ``build/mutation/sessions``: ``<module>.sqlite``
   (cosmic-ray's), ``.toml`` (its config), ``.py`` (the source the mutants were
   made from) and ``.json`` (ours: source hash, corpus, seconds spent). A
   session is resumed when it exists, made anew with ``--fresh`` or when the
   module's source changed (its mutants would no longer apply). When the
   corpus changed since the results were recorded, the survivors are replayed
   again (new traces may kill them).
4. **Execution** of the pending mutants by ``--jobs`` (at most 2) threads, each
   with its own worker tree; results go to the session as they arrive (so
   Ctrl-C loses at most the running mutants), with a progress line.
5. **Report** after every module: :mod:`bench.mutation.report`.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import fcntl
import hashlib
import json
import os
import py_compile
import queue
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench.mutation import REPO, SESSIONS, TARGETS, TREE_PARTS, WORK, Module, expand, protocol_of
from bench.mutation import report as report_mod

MAX_JOBS: Final = 2
"""The machine has two cores, shared: never more workers than that."""
CORPUS: Final = Path("conformance") / "traces" / "v1"
IN_PROCESS: Final = "in-process"
SUBPROCESS: Final = "subprocess"
PROGRESS_EVERY: Final = 15.0
"""Seconds between progress lines."""


@dataclass(frozen=True)
class Layout:
    """Where the scratch trees and the sessions are."""

    work: Path = WORK
    sessions: Path = SESSIONS

    @property
    def pristine(self) -> Path:
        return self.work / "pristine"

    def worker(self, index: int) -> Path:
        return self.work / f"worker-{index}"

    @property
    def cache(self) -> Path:
        return self.work / "corpus.pickle"

    def session(self, module: Module, suffix: str) -> Path:
        return self.sessions / f"{module.slug}{suffix}"


def log(message: str) -> None:
    print(message, flush=True)


# -- trees --


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or n.endswith((".pyc", ".pyo"))}


def make_tree(source: Path, dest: Path) -> None:
    """``dest`` becomes a fresh copy of :data:`TREE_PARTS` of ``source``, byte-compiled.

    The bytecode is checked-hash: a mutated source never runs stale bytecode, and the
    restored source is matched by its bytecode again (mutant runs write none).
    """
    if dest.exists():
        shutil.rmtree(dest)
    for part in TREE_PARTS:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=_ignore)
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    compileall.compile_dir(
        dest, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH
    )


def corpus_fingerprint(tree: Path) -> str:
    """SHA-256 (first 16 hex digits) of the corpus manifest: which corpus killed what."""
    return hashlib.sha256((tree / CORPUS / "MANIFEST.json").read_bytes()).hexdigest()[:16]


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- commands --


def test_command(layout: Layout, mode: str, tree: Path, step_timeout: float) -> str:
    """The test command cosmic-ray runs for a mutant applied to ``tree``."""
    python = shlex.quote(sys.executable)
    traces = shlex.quote(str(layout.pristine / CORPUS))
    cache = shlex.quote(str(layout.cache))
    common = f"-P -m bench.mutation.replay --traces {traces} --cache {cache}"
    if mode == IN_PROCESS:
        return f"env PYTHONPATH={shlex.quote(str(tree))} {python} {common}"
    return (
        f"env PYTHONPATH={shlex.quote(str(layout.pristine))} {python} {common} "
        f"--iut-tree {shlex.quote(str(tree))} --step-timeout {step_timeout:.1f}"
    )


def _python(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-P", "-m", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def harness_modules(pristine: Path) -> set[str]:
    """The ``reference`` modules the replay harness imports itself (without the IUT).

    A mutant of one of them must not run inside the harness: those modules are
    mutated in a subprocess IUT, with the harness running the unmutated copy.
    """
    code = (
        "import sys, bench.mutation.replay as r; r.import_harness(); "
        "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
        "if n.startswith('reference') and getattr(m, '__file__', None)))"
    )
    env = {**os.environ, "PYTHONPATH": str(pristine), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return {
        Path(line).resolve().relative_to(pristine.resolve()).as_posix()
        for line in done.stdout.splitlines()
        if line
    }


# -- sessions --


def read_meta(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text("utf-8"))
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", "utf-8")
    tmp.replace(path)


def cosmic_ray_command() -> list[str]:
    beside = Path(sys.executable).with_name("cosmic-ray")
    found = str(beside) if beside.is_file() else shutil.which("cosmic-ray")
    if found is None:
        raise SystemExit("cosmic-ray is not installed: pip install -e '.[mutate]' (make mutate)")
    return [found]


def write_config(path: Path, module: Module, command: str, timeout: float) -> None:
    """cosmic-ray's own config: what ``cosmic-ray exec`` would run (from ``worker-0``)."""
    text = (
        "# Written by python -m bench.mutation; regenerated on every run.\n"
        "# By hand (one worker): cd build/mutation/worker-0 && cosmic-ray exec <this> <session>\n"
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(module.path)}\n"
        f"timeout = {timeout:.1f}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )
    path.write_text(text, "utf-8")


def init_session(layout: Layout, module: Module, config: Path) -> None:
    """A new session (cosmic-ray init, from the pristine tree) and a copy of its source."""
    db = layout.session(module, ".sqlite")
    db.unlink(missing_ok=True)
    subprocess.run(
        [*cosmic_ray_command(), "init", str(config), str(db), "--force"],
        cwd=layout.pristine,
        check=True,
    )
    shutil.copy2(layout.pristine / module.path, layout.session(module, ".py"))


def jobs_with(db: Path, survived: bool = True, timed_out: bool = False) -> list[str]:
    """The jobs of ``db`` that survived and/or timed out."""
    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute("SELECT job_id, test_outcome, output FROM work_results").fetchall()
    wanted = {report_mod.SURVIVED} if survived else set()
    if timed_out:
        wanted.add(report_mod.TIMEOUT)
    return [job for job, test, output in rows if report_mod.classify(test, output) in wanted]


def forget_results(db: Path, jobs: Sequence[str]) -> None:
    """Make ``jobs`` pending again (cosmic-ray runs every job without a result)."""
    with contextlib.closing(sqlite3.connect(db)) as con, con:
        con.executemany("DELETE FROM work_results WHERE job_id = ?", [(j,) for j in jobs])


# -- execution --


@dataclass
class Tally:
    """Counts of one module's run, for the progress line."""

    total: int
    done: int
    started: float
    ran: int = 0
    outcomes: Counter[str] | None = None

    def line(self, module: Module) -> str:
        outcomes = self.outcomes or Counter()
        elapsed = time.monotonic() - self.started
        rate = elapsed / self.ran if self.ran else 0.0
        left = (self.total - self.done) * rate
        parts = " ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        return (
            f"  {module.path}: {self.done}/{self.total} ({parts or 'starting'})"
            f"  {rate:.2f} s/mutant, {_duration(left)} left"
        )


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def run_pending(
    db: Path,
    module: Module,
    commands: Sequence[tuple[Path, str]],
    timeout: float,
    stop: threading.Event,
) -> tuple[int, float]:
    """Run every pending mutant of the session ``db`` on the workers; (mutants run, seconds)."""
    import attrs
    from cosmic_ray.mutating import mutate_and_test  # type: ignore[import-untyped]
    from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped]
    from cosmic_ray.work_item import WorkItem, WorkResult  # type: ignore[import-untyped]

    with use_db(str(db), WorkDB.Mode.open) as work_db:
        pending = list(work_db.pending_work_items)
        total = work_db.num_work_items
        tally = Tally(total, total - len(pending), time.monotonic(), outcomes=Counter())
        if not pending:
            return 0, 0.0
        todo: queue.Queue[WorkItem] = queue.Queue()
        for item in pending:
            todo.put(item)
        done: queue.Queue[tuple[str, WorkResult] | tuple[()] | None] = queue.Queue()

        def work(tree: Path, command: str) -> None:
            try:
                while not stop.is_set():
                    try:
                        item = todo.get_nowait()
                    except queue.Empty:
                        return
                    mutations = [
                        attrs.evolve(m, module_path=tree / m.module_path) for m in item.mutations
                    ]
                    done.put((item.job_id, mutate_and_test(mutations, command, timeout)))
            finally:
                done.put(None)

        threads = [
            threading.Thread(target=work, args=(tree, command), daemon=True)
            for tree, command in commands
        ]
        for thread in threads:
            thread.start()
        running = len(threads)
        last = time.monotonic()
        while running:
            try:
                got = done.get(timeout=1.0)
            except queue.Empty:
                got = ()
            except KeyboardInterrupt:
                stop.set()
                log("  interrupted: waiting for the running mutants (their files are restored)")
                continue
            if got is None:
                running -= 1
                continue
            if got:
                job_id, result = got
                work_db.set_result(job_id, result)
                tally.done += 1
                tally.ran += 1
                assert tally.outcomes is not None
                tally.outcomes[report_mod.classify(result.test_outcome, result.output)] += 1
            if time.monotonic() - last >= PROGRESS_EVERY or tally.done == total:
                last = time.monotonic()
                log(tally.line(module))
        for thread in threads:
            thread.join()
        return tally.ran, time.monotonic() - tally.started


# -- the command --


def select(root: Path, wanted: Sequence[str]) -> list[Module]:
    """The modules of ``wanted`` (paths or globs relative to the root), or all of TARGETS."""
    every = expand(root)
    if not wanted:
        return every
    chosen: dict[str, Module] = {}
    for pattern in wanted:
        pattern = pattern.removeprefix("./")
        matched = [m for m in every if Path(m.path).match(pattern) or m.path == pattern]
        if not matched:
            protocol = protocol_of(pattern, TARGETS)
            hint = "" if protocol else f" (TARGETS covers: {', '.join(t.pattern for t in TARGETS)})"
            raise SystemExit(f"--modules: {pattern!r} matches no module to mutate{hint}")
        for module in matched:
            chosen.setdefault(module.path, module)
    return [m for m in every if m.path in chosen]


@contextlib.contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """One mutation run at a time per checkout (they share the scratch trees)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"another mutation run holds {lock}") from None
        yield


def baseline(command: str, runs: int = 3) -> float:
    """Median seconds of the unmutated replay; exit when it does not pass."""
    from cosmic_ray.testing import run_tests  # type: ignore[import-untyped]
    from cosmic_ray.work_item import TestOutcome

    times = []
    for _ in range(runs):
        started = time.monotonic()
        outcome, output = run_tests(command, 600)
        times.append(time.monotonic() - started)
        if outcome != TestOutcome.SURVIVED:
            raise SystemExit(
                f"baseline failed: the unmutated reference does not pass the corpus replay\n"
                f"  command: {command}\n  output: {output.strip()[-2000:]}"
            )
    return statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutation", description=__doc__)
    parser.add_argument(
        "--modules",
        nargs="+",
        default=[],
        metavar="PATH",
        help="modules (paths or globs, e.g. reference/cbor.py 'reference/overlay/*.py'); "
        "default: all of bench.mutation.TARGETS",
    )
    parser.add_argument("--fresh", action="store_true", help="restart the selected sessions")
    parser.add_argument("--jobs", type=int, default=MAX_JOBS, help=f"workers, 1..{MAX_JOBS}")
    parser.add_argument(
        "--timeout-factor", type=float, default=10.0, help="timeout = factor x baseline"
    )
    parser.add_argument("--min-timeout", type=float, default=5.0, help="seconds, at least")
    parser.add_argument(
        "--retest-survivors", action="store_true", help="replay the survivors again first"
    )
    parser.add_argument(
        "--retest-timeouts",
        action="store_true",
        help="run the timed-out mutants again (e.g. after a run on a loaded machine)",
    )
    parser.add_argument(
        "--count", action="store_true", help="only create the sessions and count the mutants"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="no mutants: the report from the sessions"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.jobs <= MAX_JOBS:
        parser.error(f"--jobs must be 1..{MAX_JOBS} (two cores, shared)")
    layout = Layout()
    if args.report_only:
        report_mod.main([])
        return 0
    modules = select(REPO, args.modules)
    with exclusive(layout.work / "lock"):
        return _run(args, layout, modules)


def _run(args: argparse.Namespace, layout: Layout, modules: list[Module]) -> int:
    layout.sessions.mkdir(parents=True, exist_ok=True)
    log(f"scratch trees in {layout.work} (pristine + {args.jobs} worker(s))")
    make_tree(REPO, layout.pristine)
    workers = [layout.worker(i) for i in range(args.jobs)]
    for tree in workers:
        make_tree(layout.pristine, tree)
    corpus = corpus_fingerprint(layout.pristine)
    done = _python(
        layout.pristine,
        "bench.mutation.replay",
        "--traces",
        str(layout.pristine / CORPUS),
        "--write-cache",
        str(layout.cache),
    )
    if done.returncode != 0:
        raise SystemExit(f"the corpus does not load: {done.stdout}{done.stderr}")
    in_harness = harness_modules(layout.pristine)
    modes = {m.path: SUBPROCESS if m.path in in_harness else IN_PROCESS for m in modules}
    log(
        f"corpus {corpus}; the harness itself imports {', '.join(sorted(in_harness))}: "
        "their mutants run in a subprocess IUT, with the harness unmutated"
    )

    timeouts: dict[str, tuple[float, float]] = {}
    if not args.count:
        for mode in sorted(set(modes.values())):
            seconds = baseline(test_command(layout, mode, workers[0], 10.0))
            timeout = max(args.timeout_factor * seconds, args.min_timeout)
            timeouts[mode] = (seconds, timeout)
            log(f"baseline ({mode}): passes in {seconds:.2f} s; timeout per mutant {timeout:.1f} s")

    stop = threading.Event()
    grand = 0
    for module in modules:
        if stop.is_set():
            break
        mode = modes[module.path]
        seconds, timeout = timeouts.get(mode, (0.0, max(args.min_timeout, 10.0)))
        step_timeout = max(1.0, timeout / 3)
        commands = [(tree, test_command(layout, mode, tree, step_timeout)) for tree in workers]
        config = layout.session(module, ".toml")
        write_config(config, module, commands[0][1], timeout)
        meta_path = layout.session(module, ".json")
        meta = read_meta(meta_path)
        db = layout.session(module, ".sqlite")
        digest = source_hash(layout.pristine / module.path)
        why = (
            "--fresh"
            if args.fresh
            else "new"
            if not db.is_file() or not meta
            else "the source changed"
            if meta.get("source_sha256") != digest
            else "the harness mode changed"
            if meta.get("mode") != mode
            else ""
        )
        if why:
            init_session(layout, module, config)
            meta = {
                "module": module.path,
                "protocol": module.protocol,
                "source_sha256": digest,
                "mode": mode,
                "seconds": 0.0,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            log(f"{module.path}: new session ({why})")
        changed = meta.get("corpus") not in (None, corpus)
        retest = (
            jobs_with(db, args.retest_survivors or changed, args.retest_timeouts)
            if db.is_file()
            else []
        )
        if retest:
            forget_results(db, retest)
            log(f"{module.path}: running {len(retest)} survivor(s)/timeout(s) again")
        meta.update(corpus=corpus, timeout=timeout, baseline=seconds, jobs=args.jobs)
        meta["mutants"] = report_mod.count_mutants(db)
        write_meta(meta_path, meta)
        if args.count:
            log(f"{module.path}: {meta['mutants']} mutants")
            grand += meta["mutants"]
            continue
        ran, spent = run_pending(db, module, commands, timeout, stop)
        meta["seconds"] = float(meta.get("seconds", 0.0)) + spent
        write_meta(meta_path, meta)
        log(
            f"{module.path}: {ran} mutant(s) run in {_duration(spent)} "
            f"({meta['mutants']} in the session, {_duration(meta['seconds'])} in all)"
        )
        report_mod.main(["--quiet"])
    if args.count:
        log(f"{grand} mutants in {len(modules)} module(s)")
        return 0
    report_mod.main([])
    return 130 if stop.is_set() else 0


if __name__ == "__main__":
    sys.exit(main())
