"""Sphinx configuration of the PeerMarket spec site (MyST Markdown, furo)."""

import importlib
import json
import sys
from collections import Counter
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]

SPEC_VERSION: str = importlib.import_module("spec.v1").SPEC_VERSION

project = "PeerMarket"
author = "the PeerMarket authors"
copyright = "PeerMarket authors"
version = SPEC_VERSION
release = SPEC_VERSION

extensions = [
    "myst_parser",
    "sphinxcontrib.mermaid",
    "peermarket_docs",
    # Draws the diagrams with the vendored mermaid (docs/_static/vendor/mermaid),
    # not sphinxcontrib-mermaid's CDN module: the site renders offline and from file://.
    "peermarket_docs.machine_diagrams",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "_vendor", "Thumbs.db", ".DS_Store"]

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "substitution"]


def _case_counts() -> dict[str, str]:
    """``cases_<protocol>`` and ``cases_all`` from the corpus manifest, for the status tables."""
    manifest = json.loads(
        (DOCS.parent / "conformance" / "traces" / "v1" / "MANIFEST.json").read_text("utf-8")
    )
    counts = Counter(case["case_id"].split("/", 1)[0] for case in manifest["cases"])
    return {f"cases_{p}": str(n) for p, n in sorted(counts.items())} | {
        "cases_all": str(sum(counts.values()))
    }


myst_substitutions = {"spec_version": SPEC_VERSION, **_case_counts()}

html_theme = "furo"
html_title = f"PeerMarket {SPEC_VERSION}"
html_copy_source = False
html_show_sourcelink = False
html_static_path = ["_static"]
# Wide transition tables scroll inside the page; code blocks wrap or scroll.
html_css_files = ["peermarket.css"]
