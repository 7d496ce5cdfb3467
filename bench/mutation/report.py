"""The mutation report: figures and score per module and protocol, and the survivors file.

``python -m bench.mutation.report`` (run by ``make mutate`` after every module)
reads the sessions in ``build/mutation/sessions``, merges them into the
checked-in :data:`bench.mutation.SURVIVORS` and writes the figures to
:data:`bench.mutation.RESULTS`. Only the standard library and ``rich``: the
sessions are read as the sqlite files they are (cosmic-ray's schema:
``mutation_specs``, ``work_results``), so neither this module nor the docs
that render the survivors file need cosmic-ray installed.

Outcomes. ``killed``: the replay failed (a case failed, or the replay could
not even start); ``timeout``: it ran past the timeout (a hang: killed too);
``survived``: every case passed; ``incompetent``: cosmic-ray could not run
the test (no verdict); ``pending``: not run yet.

Score. ``(killed + timeout) / (killed + timeout + survived - equivalent)``:
the share of the mutants that *could* be noticed which the corpus does
notice. Incompetent and pending mutants are left out, and so are the
survivors marked ``equivalent`` (no implementation could be told apart by
its behaviour).

A survivor's identity is ``(module, operator, source, nth)``: the mutated
module, cosmic-ray's operator, the text of the mutated line (stripped of
indentation) and the index among the mutants of that operator on lines with
that same text. Unlike a line number or cosmic-ray's occurrence (counted
over the whole module), it survives edits elsewhere in the module. ``line``
and ``mutant`` (the mutated line) are kept for reading, not for matching.

Status, the field people edit (with ``note``, free text kept across merges):
``open`` (not looked at), ``equivalent: <why, one line>``, or ``killed-by:
<case id>`` (a trace meant to kill it).
Merging keeps the status of a survivor that still survives (a ``killed-by``
that did not kill is reopened, with a warning), drops entries whose mutant is
now killed or no longer exists, adds new survivors as ``open``, and leaves
modules without a session alone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sqlite3
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from bench.mutation import RESULTS, SESSIONS, SURVIVORS, protocol_of

KILLED: Final = "killed"
TIMEOUT: Final = "timeout"
SURVIVED: Final = "survived"
INCOMPETENT: Final = "incompetent"
PENDING: Final = "pending"
OUTCOMES: Final = (KILLED, TIMEOUT, SURVIVED, INCOMPETENT, PENDING)

OPEN: Final = "open"
STATUS: Final = re.compile(r"^(open|equivalent: \S.*|killed-by: \S+)$")
"""``open``, ``equivalent: <reason>`` or ``killed-by: <case id>``."""
KILLER: Final = re.compile(r"^killed: (\S+) step ")


def classify(test_outcome: object, output: str | None, worker_outcome: object = "normal") -> str:
    """One of :data:`OUTCOMES` for a cosmic-ray result (enums, or their names as stored)."""
    test = _name(test_outcome)
    if test == "":
        return PENDING if _name(worker_outcome) in ("", "skipped") else INCOMPETENT
    if test == "killed":
        return TIMEOUT if (output or "").strip() == "timeout" else KILLED
    if test == "survived":
        return SURVIVED
    return INCOMPETENT


def _name(value: object) -> str:
    if value is None:
        return ""
    text = str(getattr(value, "value", value)).lower()
    return text.rsplit(".", 1)[-1].replace("_", "-")


def killer(output: str | None) -> str | None:
    """The case that killed a mutant, from the replay's line (``killed: <case> step ...``)."""
    for line in (output or "").splitlines():
        found = KILLER.match(line.strip())
        if found:
            return found.group(1)
    return None


def mutated_lines(diff: str | None) -> tuple[str, str]:
    """The removed and the added lines of cosmic-ray's unified diff, each stripped and joined."""
    before, after = [], []
    for line in (diff or "").splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            before.append(line[1:].strip())
        elif line.startswith("+"):
            after.append(line[1:].strip())
    return " ".join(before), " ".join(after)


# -- sessions --


@dataclass(frozen=True)
class Mutant:
    module: str
    operator: str
    occurrence: int
    line: int
    source: str
    mutant: str
    outcome: str
    killer: str | None = None
    nth: int = 0

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.module, self.operator, self.source, self.nth)


@dataclass
class Session:
    """One module's session: its mutants and what our side recorded (``<module>.json``)."""

    module: str
    protocol: str
    mutants: list[Mutant]
    meta: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> Counter[str]:
        return Counter(m.outcome for m in self.mutants)


def number(mutants: Iterable[Mutant]) -> list[Mutant]:
    """Give each mutant its ``nth``: its index among same module, operator and line text."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for m in sorted(mutants, key=lambda m: (m.module, m.operator, m.occurrence)):
        k = (m.module, m.operator, m.source)
        out.append(replace(m, nth=seen[k]))
        seen[k] += 1
    return sorted(out, key=lambda m: (m.line, m.operator, m.occurrence))


def count_mutants(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return int(con.execute("SELECT COUNT(*) FROM work_items").fetchone()[0])


def read_session(db: Path) -> Session:
    """A session file (and its ``.json`` and ``.py`` beside it) as a :class:`Session`."""
    meta_path, source_path = db.with_suffix(".json"), db.with_suffix(".py")
    meta: dict[str, Any] = {}
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text("utf-8"))
    source = source_path.read_text("utf-8").splitlines() if source_path.is_file() else []
    query = (
        "SELECT s.module_path, s.operator_name, s.occurrence, s.start_pos_row,"
        " r.worker_outcome, r.test_outcome, r.output, r.diff"
        " FROM mutation_specs s LEFT JOIN work_results r ON r.job_id = s.job_id"
    )
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        rows = con.execute(query).fetchall()
    module = str(meta.get("module") or (rows[0][0] if rows else db.stem.replace(".", "/") + ".py"))
    mutants = []
    for _path, operator, occurrence, row, worker, test, output, diff in rows:
        line = int(row)
        text = source[line - 1].strip() if 0 < line <= len(source) else ""
        before, after = mutated_lines(diff)
        mutants.append(
            Mutant(
                module=module,
                operator=str(operator),
                occurrence=int(occurrence),
                line=line,
                source=text or before,
                mutant=after,
                outcome=classify(test, output, worker if worker is not None else ""),
                killer=killer(output),
            )
        )
    protocol = str(meta.get("protocol") or protocol_of(module) or "other")
    return Session(module, protocol, number(mutants), meta)


def read_sessions(folder: Path = SESSIONS) -> dict[str, Session]:
    sessions = {}
    for db in sorted(folder.glob("*.sqlite")) if folder.is_dir() else []:
        session = read_session(db)
        sessions[session.module] = session
    return sessions


# -- the survivors file --


@dataclass(frozen=True)
class Entry:
    """A survivor in the checked-in file."""

    module: str
    operator: str
    source: str
    nth: int
    line: int
    mutant: str
    status: str = OPEN
    note: str = ""
    """Free text kept across merges, e.g. what trace would kill an open survivor."""

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.module, self.operator, self.source, self.nth)


@dataclass(frozen=True)
class ModuleFigures:
    """The raw counts of one module's last run (score and equivalents are derived)."""

    path: str
    protocol: str
    mutants: int = 0
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    incompetent: int = 0
    pending: int = 0
    seconds: float = 0.0
    corpus: str = ""
    mode: str = ""


@dataclass
class Survivors:
    modules: list[ModuleFigures] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


def load(path: Path = SURVIVORS) -> Survivors:
    """The survivors file; an empty report when there is none yet. Bad statuses are errors."""
    if not path.is_file():
        return Survivors()
    data = tomllib.loads(path.read_text("utf-8"))
    modules = [ModuleFigures(**table) for table in data.get("module", [])]
    entries = [Entry(**table) for table in data.get("survivor", [])]
    bad = [e for e in entries if not STATUS.match(e.status)]
    if bad:
        raise ValueError(
            f"{path}: bad status {bad[0].status!r} for {bad[0].module}:{bad[0].line} "
            "(want 'open', 'equivalent: <reason>' or 'killed-by: <case id>')"
        )
    return Survivors(modules, entries)


HEADER: Final = """\
# Mutants of the reference that the conformance corpus does not kill.
# Written by `make mutate` (python -m bench.mutation.report), which MERGES into this file:
# edit `status` only; everything else is regenerated. See docs/mutation.md.
#
# status: "open"                   not looked at yet
#         "equivalent: <reason>"   cannot change observable behaviour (left out of the score)
#         "killed-by: <case id>"   a trace meant to kill it (checked on the next run)
# note:   free text, kept (e.g. which trace would kill an open survivor)
# identity: module + operator + source (the mutated line's text) + nth (index among the
# mutants with the same three); line and mutant (the mutated line) are for reading.
# [[module]]: counts of the last run per module; score = (killed + timeout) /
# (killed + timeout + survived - equivalent).
"""


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return json.dumps(str(value), ensure_ascii=True)  # a valid TOML basic string


def dumps(survivors: Survivors) -> str:
    parts = [HEADER]
    for fig in sorted(survivors.modules, key=lambda f: (f.protocol, f.path)):
        parts.append("\n[[module]]\n")
        parts.extend(f"{k} = {_toml_value(v)}\n" for k, v in vars(fig).items())
    for entry in sorted(survivors.entries, key=lambda e: (e.module, e.line, e.operator, e.nth)):
        parts.append("\n[[survivor]]\n")
        parts.extend(
            f"{k} = {_toml_value(v)}\n" for k, v in vars(entry).items() if v != "" or k != "note"
        )
    return "".join(parts)


def figures_of(session: Session) -> ModuleFigures:
    counts = session.counts()
    return ModuleFigures(
        path=session.module,
        protocol=session.protocol,
        mutants=len(session.mutants),
        killed=counts[KILLED],
        timeout=counts[TIMEOUT],
        survived=counts[SURVIVED],
        incompetent=counts[INCOMPETENT],
        pending=counts[PENDING],
        seconds=float(session.meta.get("seconds", 0.0)),
        corpus=str(session.meta.get("corpus", "")),
        mode=str(session.meta.get("mode", "")),
    )


def merge(old: Survivors, sessions: Mapping[str, Session]) -> tuple[Survivors, list[str]]:
    """The new survivors file, and one line per notable change (see the module docstring)."""
    notes: list[str] = []
    kept = [e for e in old.entries if e.module not in sessions]
    figures = {f.path: f for f in old.modules}
    by_key = {e.key: e for e in old.entries}
    for module, session in sessions.items():
        figures[module] = figures_of(session)
        current = {m.key: m for m in session.mutants}
        for m in session.mutants:
            if m.outcome != SURVIVED:
                continue
            prior = by_key.get(m.key)
            status = prior.status if prior else OPEN
            note = prior.note if prior else ""
            if status.startswith("killed-by:"):
                notes.append(f"reopened (still survives; {status}): {_where(m)}")
                status = OPEN
            elif prior is None:
                notes.append(f"new survivor: {_where(m)}")
            kept.append(
                Entry(m.module, m.operator, m.source, m.nth, m.line, m.mutant, status, note)
            )
        for e in old.entries:
            if e.module != module:
                continue
            now = current.get(e.key)
            if now is None:
                notes.append(f"dropped (no such mutant any more): {e.module}:{e.line} {e.source}")
            elif now.outcome in (KILLED, TIMEOUT):
                by = f" by {now.killer}" if now.killer else f" ({now.outcome})"
                warn = " -- it was marked equivalent!" if e.status.startswith("equivalent") else ""
                notes.append(f"dropped (now killed{by}){warn}: {_where(now)}")
            elif now.outcome != SURVIVED:  # pending or incompetent: no verdict, keep the entry
                kept.append(replace(e, line=now.line))
    return Survivors(sorted(figures.values(), key=lambda f: f.path), kept), notes


def _where(m: Mutant) -> str:
    return f"{m.module}:{m.line} {m.operator}: {m.source} -> {m.mutant}"


# -- figures --


@dataclass(frozen=True)
class Score:
    """Counts and score of a module, a protocol or everything."""

    name: str
    mutants: int
    killed: int
    timeout: int
    survived: int
    equivalent: int
    incompetent: int
    pending: int
    seconds: float

    @property
    def score(self) -> float | None:
        """(killed + timeout) / (killed + timeout + survived - equivalent); None for no mutant."""
        noticed = self.killed + self.timeout
        denominator = noticed + self.survived - self.equivalent
        return noticed / denominator if denominator > 0 else None

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "score": self.score}


def equivalents(entries: Iterable[Entry]) -> Counter[str]:
    return Counter(e.module for e in entries if e.status.startswith("equivalent"))


def score_of(name: str, figs: Sequence[ModuleFigures], equivalent: int) -> Score:
    return Score(
        name=name,
        mutants=sum(f.mutants for f in figs),
        killed=sum(f.killed for f in figs),
        timeout=sum(f.timeout for f in figs),
        survived=sum(f.survived for f in figs),
        equivalent=equivalent,
        incompetent=sum(f.incompetent for f in figs),
        pending=sum(f.pending for f in figs),
        seconds=sum(f.seconds for f in figs),
    )


@dataclass(frozen=True)
class Figures:
    modules: list[Score]
    protocols: list[Score]
    total: Score


def figures(survivors: Survivors) -> Figures:
    """Scores per module, per protocol and overall, from the file's counts and statuses."""
    eq = equivalents(survivors.entries)
    modules = [score_of(f.path, [f], eq[f.path]) for f in survivors.modules]
    by_protocol: dict[str, list[ModuleFigures]] = {}
    for f in survivors.modules:
        by_protocol.setdefault(f.protocol, []).append(f)
    protocols = [
        score_of(p, figs, sum(eq[f.path] for f in figs)) for p, figs in sorted(by_protocol.items())
    ]
    total = score_of("all", survivors.modules, sum(eq[f.path] for f in survivors.modules))
    return Figures(modules, protocols, total)


def results_json(survivors: Survivors, sessions: Mapping[str, Session]) -> dict[str, Any]:
    figs = figures(survivors)
    protocol_of_module = {f.path: f.protocol for f in survivors.modules}
    status = Counter(e.status.split(":", 1)[0] for e in survivors.entries)
    killers: Counter[str] = Counter()
    for session in sessions.values():
        killers.update(m.killer for m in session.mutants if m.killer)
    return {
        "group": "mutation",
        "score_formula": "(killed + timeout) / (killed + timeout + survived - equivalent)",
        "modules": [
            {**s.to_json(), "protocol": protocol_of_module[s.name]}
            | {k: v for k, v in vars(f).items() if k in ("corpus", "mode")}
            for s, f in zip(figs.modules, survivors.modules, strict=True)
        ],
        "protocols": [s.to_json() for s in figs.protocols],
        "total": figs.total.to_json(),
        "survivor_status": dict(sorted(status.items())),
        "top_killers": killers.most_common(15),
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def print_table(figs: Figures) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="mutation score: the corpus as the only test")
    for column in (
        "module",
        "mutants",
        "killed",
        "timeout",
        "survived",
        "equiv.",
        "incomp.",
        "pending",
        "score",
        "time",
    ):
        table.add_column(column, justify="left" if column == "module" else "right")
    rows = [*figs.modules, *figs.protocols, figs.total]
    for i, s in enumerate(rows):
        if i in (len(figs.modules), len(rows) - 1):
            table.add_section()
        table.add_row(
            s.name if i < len(figs.modules) else f"[b]{s.name}[/]",
            *map(
                str,
                (
                    s.mutants,
                    s.killed,
                    s.timeout,
                    s.survived,
                    s.equivalent,
                    s.incompetent,
                    s.pending,
                ),
            ),
            _pct(s.score),
            f"{s.seconds / 60:.1f} min",
        )
    Console(width=None if sys.stdout.isatty() else 150).print(table)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutation.report", description=__doc__)
    parser.add_argument("--sessions", type=Path, default=SESSIONS)
    parser.add_argument("--survivors", type=Path, default=SURVIVORS)
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("-q", "--quiet", action="store_true", help="no table, no notes")
    args = parser.parse_args(argv)
    sessions = read_sessions(args.sessions)
    merged, notes = merge(load(args.survivors), sessions)
    args.survivors.write_text(dumps(merged), "utf-8")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results_json(merged, sessions), indent=2) + "\n", "utf-8")
    if not args.quiet:
        for note in notes:
            print(note)
        print_table(figures(merged))
        print(f"wrote {args.survivors} and {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
