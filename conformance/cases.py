"""The corpus as cases: load a traces directory, check it, select from it, find one case.

A case id is the trace file's path relative to the corpus root, without
``.cbor`` (``wire/envelope/bad-sig-001``). Everything that reads a corpus
for running or browsing it (``peermarket conform``, ``corpus list``,
``corpus show``, ``corpus export``) goes through here, so they agree on what
a usable corpus is: every trace valid (:func:`conformance.tracefile.validate_trace`)
and at its case id, and, when the directory has a ``MANIFEST.json``, every
listed case present with its hash and every present case listed.
"""

import difflib
import fnmatch
import json
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from conformance import tracefile
from spec.v1.trace import Trace

TRACE_SUFFIX: Final = tracefile.TRACE_SUFFIX
SUGGESTIONS: Final = 5
"""How many close case ids an unknown id's error suggests."""


class CorpusError(Exception):
    """The corpus cannot be used: every problem found, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Case:
    """One trace of the corpus and where it came from."""

    case_id: str
    path: Path | None
    """The trace file (None for a case built in memory, e.g. by a benchmark)."""
    trace: Trace

    @property
    def protocol(self) -> str:
        return self.trace.content.header.protocol


def check_trace(trace: Trace, case_id: str) -> list[str]:
    """Every way ``trace`` breaks the corpus rules (empty when it is usable as case ``case_id``).

    The trace format's own rules are :func:`conformance.tracefile.validate_trace`'s (content
    hash, format and spec version, registered flags and error codes, negative tag iff some
    step expects an error, flags on every negative case, nodes, time, encodings), so the
    runner and ``peermarket trace validate`` never disagree; the runner adds the case id.
    """
    problems = [str(problem) for problem in tracefile.validate_trace(trace)]
    if trace.content.header.case_id != case_id:
        problems.append(
            f"[path] case id {trace.content.header.case_id!r} differs from its path {case_id!r}"
        )
    return problems


def read_manifest(root: Path) -> dict[str, Any] | None:
    """``root/MANIFEST.json`` parsed, None when there is none; :class:`CorpusError` when it
    is unreadable or not a manifest of :data:`~conformance.tracefile.MANIFEST_FORMAT`."""
    path = root / tracefile.MANIFEST_NAME
    if not path.is_file():
        return None
    name = tracefile.MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError([f"{name}: unreadable: {exc}"]) from None
    if not isinstance(manifest, dict) or manifest.get("manifest_format") != (
        tracefile.MANIFEST_FORMAT
    ):
        raise CorpusError([f"{name}: not a manifest of format {tracefile.MANIFEST_FORMAT}"])
    return manifest


def check_manifest(root: Path, cases: Sequence[Case]) -> list[str]:
    """When ``root`` has a ``MANIFEST.json``: every case it lists is on disk with its hash,
    and every case on disk is listed. A deleted trace must fail the run, not shrink it."""
    name = tracefile.MANIFEST_NAME
    try:
        manifest = read_manifest(root)
    except CorpusError as exc:
        return exc.problems
    if manifest is None:
        return []
    listed: dict[str, str] = {}
    for entry in manifest.get("cases", ()):
        if not isinstance(entry, dict) or not isinstance(entry.get("case_id"), str):
            return [f"{name}: malformed case entry {entry!r:.100}"]
        listed[entry["case_id"]] = str(entry.get("content_hash"))
    problems: list[str] = []
    on_disk = {case.case_id: case for case in cases}
    for case_id in sorted(set(listed) - set(on_disk)):
        problems.append(f"{name} lists {case_id!r} but {case_id}{TRACE_SUFFIX} is missing")
    for case_id in sorted(set(on_disk) - set(listed)):
        problems.append(f"{case_id}{TRACE_SUFFIX} is not listed in {name}")
    for case_id in sorted(set(listed) & set(on_disk)):
        actual = on_disk[case_id].trace.content_hash.hex()
        if listed[case_id] != actual:
            problems.append(
                f"{case_id}{TRACE_SUFFIX}: content hash {actual} differs from {name} "
                f"({listed[case_id]})"
            )
    return problems


def subfolder_prefix(cases: Sequence[Case]) -> str | None:
    """The case-id prefix every case's path lacks when ``root`` is a sub-folder of a corpus.

    Case ids are paths relative to the corpus *root*: read from ``<root>/wire``, the case
    ``wire/ping/answer-001`` sits at ``ping/answer-001`` and every case id mismatches its
    path by the same leading ``wire/``. Returns that prefix, or None when some case does
    not fit this pattern (or there are no cases).
    """
    prefixes = set()
    for case in cases:
        declared = case.trace.content.header.case_id
        if not declared.endswith("/" + case.case_id):
            return None
        prefixes.add(declared[: -len(case.case_id) - 1])
    return prefixes.pop() if len(prefixes) == 1 else None


def subfolder_hint(root: Path, prefix: str, cases: Sequence[Case]) -> str:
    """One problem line telling the user to pass the corpus root and select instead."""
    corpus_root = root
    for _ in prefix.split("/"):
        corpus_root = corpus_root.parent
    protocols = {case.protocol for case in cases}
    return (
        f"{root} is the sub-folder {prefix}/ of a corpus, and case ids are paths relative to "
        f"the corpus root (its {len(cases)} traces all have ids starting with {prefix}/): "
        f"pass the root, --traces {shlex.quote(str(corpus_root))}, and choose the cases "
        f"with --select '{prefix}/*'"
        + (f" or --protocol {prefix}" if protocols == {prefix} else "")
    )


def load_corpus(root: Path) -> list[Case]:
    """Every ``*.cbor`` under ``root``, checked; :class:`CorpusError` lists all problems.

    When ``root`` is a sub-folder of a corpus (see :func:`subfolder_prefix`), the one
    problem is a hint to pass the root instead, not one id mismatch per trace.
    """
    if not root.is_dir():
        raise CorpusError([f"traces directory not found: {root}"])
    cases: list[Case] = []
    problems: list[str] = []
    path_problems: list[str] = []
    for path in sorted(root.rglob(f"*{TRACE_SUFFIX}")):
        if not path.is_file():
            continue
        case_id = tracefile.case_id_of_path(path, root)
        where = path.relative_to(root).as_posix()
        try:
            trace = tracefile.read_trace(path)
        except tracefile.TraceFileError as exc:
            problems.append(f"{where}: {exc}")
            continue
        for problem in check_trace(trace, case_id):
            (path_problems if problem.startswith("[path]") else problems).append(
                f"{where}: {problem}"
            )
        cases.append(Case(case_id, path, trace))
    prefix = subfolder_prefix(cases) if path_problems else None
    if prefix is not None:
        raise CorpusError([subfolder_hint(root, prefix, cases), *problems])
    problems.extend(path_problems)
    problems.extend(check_manifest(root, cases))
    if problems:
        raise CorpusError(problems)
    return cases


def select_cases(
    cases: Iterable[Case], patterns: Sequence[str] = (), protocols: Sequence[str] = ()
) -> list[Case]:
    """Cases whose id matches any glob of ``patterns`` and whose protocol is in ``protocols``.

    An empty sequence means "no restriction". Globs are :mod:`fnmatch` style
    and ``*`` also matches ``/``: ``wire/*`` selects every wire case.
    """
    return [
        case
        for case in cases
        if (not patterns or any(fnmatch.fnmatchcase(case.case_id, p) for p in patterns))
        and (not protocols or case.protocol in protocols)
    ]


def unknown_protocols(cases: Sequence[Case], protocols: Sequence[str], root: Path) -> str:
    """Empty when every name of ``protocols`` is the protocol of some case, else an error
    naming the unknown ones and the protocols the corpus in ``root`` has."""
    known = sorted({case.protocol for case in cases})
    unknown = [p for p in protocols if p not in known]
    if not unknown:
        return ""
    close = [m for p in unknown for m in difflib.get_close_matches(p, known, n=1)]
    return (
        f"unknown protocol {', '.join(repr(p) for p in unknown)}: the corpus in {root} has "
        f"the protocols {', '.join(known) or '(none)'}"
        + (f" (did you mean {', '.join(close)}?)" if close else "")
    )


# -- one case by id --


class UnknownCase(LookupError):
    """No trace file for ``case_id`` under the corpus root; ``suggestions`` are close ids."""

    def __init__(self, case_id: str, root: Path, suggestions: Sequence[str]) -> None:
        super().__init__(f"no case {case_id!r} in {root}")
        self.case_id = case_id
        self.root = root
        self.suggestions = list(suggestions)


def case_ids_on_disk(root: Path) -> list[str]:
    """The ids of every trace file under ``root`` (without reading them), sorted."""
    if not root.is_dir():
        return []
    return sorted(
        tracefile.case_id_of_path(p, root) for p in root.rglob(f"*{TRACE_SUFFIX}") if p.is_file()
    )


def suggest(case_id: str, ids: Sequence[str], n: int = SUGGESTIONS) -> list[str]:
    """Ids close to ``case_id``, at most ``n``: an id it ends with (a path was given),
    difflib's closest, then ids containing it."""
    suffix = [i for i in ids if case_id.endswith("/" + i)]
    close = difflib.get_close_matches(case_id, ids, n=n, cutoff=0.6)
    containing = [i for i in ids if case_id and case_id in i]
    return list(dict.fromkeys(suffix + close + containing))[:n]


def normalize_case_id(given: str) -> str:
    """``given`` as a case id: without a leading ``./`` or ``/`` and a trailing ``.cbor``."""
    text = given.strip().removeprefix("./").strip("/")
    return text.removesuffix(TRACE_SUFFIX)


def find_case(root: Path, given: str) -> Path:
    """The trace file of case ``given`` under ``root``; :class:`UnknownCase` when none."""
    case_id = normalize_case_id(given)
    if case_id and ".." not in case_id.split("/"):
        path = tracefile.trace_path(root, case_id)
        if path.is_file():
            return path
    raise UnknownCase(case_id, root, suggest(case_id, case_ids_on_disk(root)))
