"""The test command of a mutant: replay the corpus, stop at the first failing case.

``python -P -m bench.mutation.replay --traces DIR [--iut-tree TREE] [--cache FILE]``

It is what ``peermarket conform --in-process -x`` does, less the report, so the
score measures the corpus and nothing else. Exit 0: every case passed (the
mutant survived); 1: a case failed, or was ``unsupported`` (the reference
implements every protocol of the corpus, so a mutant that stops declaring one
is caught); 2: the corpus or harness was unusable; 3: the IUT was unusable;
4: the replay crashed (typically: the mutant broke an import). cosmic-ray
counts any non-zero exit as killed. One line on stdout says which (cosmic-ray
stores it with the result), e.g.
``killed: wire/codec/reject-004 step 2 (step): outputs differ``.

Where the code comes from is checked, not assumed: every ``spec``,
``reference``, ``conformance`` and ``bench`` module this process loaded must
come from the tree that holds this file (the scratch copy cosmic-ray mutates),
never from the editable install of the real tree. Run it with ``-P`` and
``PYTHONPATH=<tree>``.

Two ways to run the IUT:

- in this process (the default), when the harness does not import the mutated
  module at all: fastest;
- ``--iut-tree TREE``: the mutated reference runs as a driver-protocol
  subprocess from TREE (:mod:`bench.mutation.iut`) while this process, the
  harness, runs from an unmutated tree. That is for the modules the harness
  itself imports (the CBOR codec: it decodes the trace files and speaks the
  driver protocol), so that a mutant is killed only by what a third-party
  implementation would meet: the corpus, not a broken trace loader.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import resource
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TextIO

TREE: Final = Path(__file__).resolve().parents[2]
"""The tree this file (and so every module this process should load) lives in."""
CHECKED_PACKAGES: Final = ("spec", "reference", "conformance", "bench")
MEMORY_LIMIT: Final = 4 << 30
"""Address-space limit: a mutant that allocates without bound fails fast, not the machine."""


def foreign_modules(tree: Path = TREE) -> list[str]:
    """Loaded project modules whose file is not under ``tree`` (must be empty)."""
    bad = []
    for name, module in list(sys.modules.items()):
        if name.split(".", 1)[0] not in CHECKED_PACKAGES:
            continue
        file = getattr(module, "__file__", None)
        if file is None:  # a namespace package (the corpus folders): no code
            continue
        if not Path(file).resolve().is_relative_to(tree):
            bad.append(f"{name} from {file}")
    return sorted(bad)


def check_origin(tree: Path = TREE, out: TextIO | None = None) -> None:
    """Exit 2 when any project module was imported from outside ``tree``."""
    bad = foreign_modules(tree)
    if bad:
        print(
            f"error: modules loaded from outside {tree}: {'; '.join(bad[:5])}",
            file=out or sys.stdout,
            flush=True,
        )
        sys.exit(2)


def limit_memory(limit: int = MEMORY_LIMIT) -> None:
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def import_harness() -> None:
    """Import what the harness (runner, adapters; not the IUT) needs, as :func:`replay` does."""
    import conformance.adapters
    import conformance.runner
    import conformance.subprocess_adapter  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and replay; any exception (the mutant broke an import) is a kill."""
    try:
        return replay(argv)
    except Exception as exc:
        print(f"killed: crashed: {type(exc).__name__}: {str(exc)[:240]}", flush=True)
        return 4


def replay(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -P -m bench.mutation.replay")
    parser.add_argument("--traces", type=Path, required=True, help="corpus root (traces/v1)")
    parser.add_argument("--iut-tree", type=Path, help="run the IUT as a subprocess from this tree")
    parser.add_argument("--step-timeout", type=float, default=10.0, help="subprocess IUT only")
    parser.add_argument("--cache", type=Path, help="the corpus, pickled by --write-cache")
    parser.add_argument("--write-cache", type=Path, help="load and check the corpus, pickle it")
    args = parser.parse_args(argv)
    limit_memory()

    from conformance.adapters import Implementation, InProcessAdapter
    from conformance.runner import Case, CorpusError, ExitCode, load_corpus, run
    from conformance.subprocess_adapter import SubprocessAdapter

    cases: list[Case]
    if args.cache is not None and args.write_cache is None:
        cases = pickle.loads(args.cache.read_bytes())
    else:
        try:
            cases = list(load_corpus(args.traces))
        except CorpusError as exc:
            print(f"error: the corpus is not usable: {'; '.join(exc.problems)[:300]}", flush=True)
            return 2
    if args.write_cache is not None:
        check_origin()
        args.write_cache.write_bytes(pickle.dumps(cases, protocol=pickle.HIGHEST_PROTOCOL))
        print(f"cached {len(cases)} cases", flush=True)
        return 0

    impl: Implementation
    if args.iut_tree is None:
        from reference.driver import Driver

        impl = InProcessAdapter(Driver().handle_frame, "mutated reference")
    else:
        env = {**os.environ, "PYTHONPATH": str(args.iut_tree.resolve())}
        impl = SubprocessAdapter(
            [sys.executable, "-P", "-m", "bench.mutation.iut"],
            step_timeout=args.step_timeout,
            env=env,
        )
    check_origin()
    with impl:
        outcome = run(impl, cases, exitfirst=True)
    failed = [r for r in outcome.results if r.verdict != "pass"]
    if failed:
        first = failed[0]
        message = (first.message.splitlines() or [""])[0][:240]
        print(f"killed: {first.case_id} step {first.step} ({first.phase}): {message}", flush=True)
        return 1
    if outcome.exit_code != ExitCode.PASSED:
        print(f"killed: exit {int(outcome.exit_code)}: {outcome.error[:300]}", flush=True)
        return 3 if outcome.exit_code == ExitCode.IUT_UNUSABLE else 2
    print(f"survived: {len(outcome.results)} cases passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
