"""Building the spec site from tests: one function, the same command as ``make docs``."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def build_site(root: Path, docs: Path = DOCS) -> subprocess.CompletedProcess[str]:
    """Build ``docs`` into ``root/html`` (doctrees beside it) with warnings as errors."""
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(root / "doctrees"), str(docs), str(root / "html")],
        cwd=docs.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
