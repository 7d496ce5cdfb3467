"""The prose names the case that pins each rule it made exact: every such case exists.

A rule of ``spec/v1/prose/*.md`` written as "(pinned by `case/id`)" promises an
independent implementer a trace that fails the other reading. A renamed or
retired case would leave the promise empty, so each named case must be in the
corpus manifest, and its trace must name the protocol the id starts with.
"""

import json
import re
from pathlib import Path

from conformance.cli_corpus import CORPUS_DIR

PROSE = Path(__file__).resolve().parents[1] / "spec" / "v1" / "prose"
PINNED = re.compile(r"[Pp]inned\s+by\s+(.*?)(?:\)|\.\s)", re.DOTALL)
CASE_ID = re.compile(r"`([a-z][a-z0-9_]*(?:/[a-z0-9][a-z0-9_.-]*)+)`")


def pins() -> dict[str, list[str]]:
    """Case id -> the prose files that cite it as pinning a rule."""
    found: dict[str, list[str]] = {}
    for page in sorted(PROSE.glob("*.md")):
        for match in PINNED.finditer(page.read_text("utf-8")):
            ids = CASE_ID.findall(match.group(1))
            assert ids, f"{page.name}: 'pinned by' without a case id: {match.group(0)!r}"
            for case_id in ids:
                found.setdefault(case_id, []).append(page.name)
    return found


def test_every_pinning_case_named_in_the_prose_exists() -> None:
    manifest = json.loads((CORPUS_DIR / "MANIFEST.json").read_text("utf-8"))
    known = {case["case_id"] for case in manifest["cases"]}
    cited = pins()
    assert len(cited) >= 15, sorted(cited)
    missing = {case_id: pages for case_id, pages in cited.items() if case_id not in known}
    assert not missing, f"the prose cites cases the corpus does not have: {missing}"


def test_the_pin_pattern_reads_lists_of_case_ids() -> None:
    text = "x (pinned by `a/b/c-001` and `a/b/d-001`). y, pinned by `a/e/f-001`. z"
    ids = [CASE_ID.findall(m.group(1)) for m in PINNED.finditer(text)]
    assert ids == [["a/b/c-001", "a/b/d-001"], ["a/e/f-001"]]
