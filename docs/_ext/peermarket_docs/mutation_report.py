"""The mutation figures, rendered from the checked-in survivors file when the site is built.

The file (``bench/mutation/survivors.toml``) holds the counts of the last
``make mutate`` per module and the status of every survivor; the score is
computed here by the same code as ``make mutate``'s report
(:func:`bench.mutation.report.figures`), so hand-edited statuses (a survivor
marked equivalent) show on the next build, and page and report cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from docutils import nodes

from peermarket_docs.docnodes import data_table, lit, para

HEADERS = (
    "module",
    "mutants",
    "killed",
    "timeout",
    "survived",
    "equivalent",
    "open",
    "incompetent",
    "pending",
    "score",
    "minutes",
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def mutation_report_nodes(path: Path) -> list[nodes.Node]:
    """Tables of the figures per module, per protocol and overall, from the survivors file."""
    from bench.mutation import report

    survivors = report.load(path)
    if not survivors.modules:
        return [para("No mutation run is recorded in ", lit(path.name), " yet.")]
    figs = report.figures(survivors)
    open_ = Counter(e.module for e in survivors.entries if e.status == report.OPEN)
    protocol_of = {f.path: f.protocol for f in survivors.modules}

    def row(score: report.Score, opened: int, name: nodes.Node | str) -> list[nodes.Node | str]:
        counts = (score.mutants, score.killed, score.timeout, score.survived, score.equivalent)
        rest = (opened, score.incompetent, score.pending)
        return [
            name,
            *map(str, counts),
            *map(str, rest),
            _pct(score.score),
            f"{score.seconds / 60:.1f}",
        ]

    out: list[nodes.Node] = []
    module_rows = [
        (row(s, open_[s.name], lit(s.name)), None)
        for s in sorted(figs.modules, key=lambda s: (protocol_of[s.name], s.name))
    ]
    protocol_rows = [
        (row(s, sum(n for m, n in open_.items() if protocol_of.get(m) == s.name), s.name), None)
        for s in figs.protocols
    ]
    total = figs.total
    protocol_rows.append((row(total, sum(open_.values()), "all"), None))
    widths = (30, *(8,) * (len(HEADERS) - 1))
    out.append(data_table(HEADERS, module_rows, widths, classes=["peermarket-mutation"]))
    out.append(para("Per protocol, and overall:"))
    out.append(data_table(("protocol", *HEADERS[1:]), protocol_rows, widths))
    corpora = sorted({f.corpus for f in survivors.modules if f.corpus})
    out.append(
        para(
            "From ",
            lit(f"bench/mutation/{path.name}"),
            f": {len(survivors.entries)} survivors listed; corpus manifest "
            + ", ".join(corpora or ["unknown"])
            + " (SHA-256 prefix of MANIFEST.json at the run).",
        )
    )
    return out
