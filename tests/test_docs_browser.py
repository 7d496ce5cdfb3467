"""The built spec site in a real browser, offline: its state diagrams are drawn, and fit.

The site draws its diagrams with the mermaid build vendored in
``docs/_static/vendor/mermaid`` and a classic init script, so that they
render without a network and from ``file://``. These tests build the site
once, then open pages in Debian's headless Chromium with every remote host
unreachable, and read the DOM after the scripts ran (``--dump-dom``).

The Chromium tests skip, saying why, where no ``chromium`` is on PATH
(``.ci/run`` installs it where it can). The tests of the built files
themselves always run.
"""

from __future__ import annotations

import functools
import hashlib
import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_kit import build_site

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
VENDOR = DOCS / "_static" / "vendor" / "mermaid"

OVERLAY_STATES = ("idle", "joining", "active", "departed")

# A page that loads anything from another host would fail here: no name
# resolves (but the loopback address the http test serves on) and the proxy
# goes nowhere; the other flags stop Chromium's own background traffic.
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=127.0.0.1:9",
)


# ---------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module, as ``make docs`` builds it."""
    root = tmp_path_factory.mktemp("site")
    result = build_site(root)
    assert result.returncode == 0, result.stderr
    return root / "html"


def _vendor_note() -> dict[str, str]:
    lines = (VENDOR / "VERSION").read_text("utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines[1:] if ": " in line)


def test_vendored_mermaid_is_the_file_its_note_names() -> None:
    """The vendored build is whole (not a pointer or a truncated copy) and is the one
    ``docs/_vendor/fetch-mermaid.sh`` fetched and verified."""
    note = _vendor_note()
    data = (VENDOR / "mermaid.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == note["sha256"]
    assert f"{len(data)} bytes" == note["size"]
    assert b'globalThis["mermaid"]' in data[-4096:], "the classic build defines window.mermaid"
    assert (VENDOR / "LICENSE").read_text("utf-8").startswith("The MIT License")
    script = (DOCS / "_vendor" / "fetch-mermaid.sh").read_text("utf-8")
    version = (VENDOR / "VERSION").read_text("utf-8").split()[1]
    assert f'VERSION="{version}"' in script
    assert f'INTEGRITY="{note["npm-integrity"]}"' in script


def test_built_pages_load_no_remote_script(site: Path) -> None:
    """No page names a script or stylesheet on another host (no CDN); the pages with a
    diagram load the vendored mermaid and the init script, as classic scripts."""
    remote = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']?(?:https?:)?//""", re.I)
    with_diagrams = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text("utf-8")
        assert not remote.search(text), f"{page.name} loads from another host"
        assert "cdn.jsdelivr.net" not in text, page.name
        assert not re.search(r"<script[^>]*type=.module", text), f"{page.name}: ES module"
        if 'class="mermaid"' in text:
            with_diagrams.append(page.name)
            assert "_static/vendor/mermaid/mermaid.min.js" in text, page.name
            assert "_static/peermarket-mermaid.js" in text, page.name
    assert {"machines.html", "wire.html", "overlay.html"} <= set(with_diagrams)
    assert (site / "_static" / "vendor" / "mermaid" / "mermaid.min.js").is_file()
    assert (site / "_static" / "peermarket.css").is_file()


# ---------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "no `chromium` on PATH: the browser tests need Debian's headless Chromium "
            "(apt-get install chromium; .ci/run installs it where apt-get works)"
        )
    return found


def _dump_dom(chromium: str, url: str, profile: Path, budget_ms: int = 20_000) -> str:
    """The DOM of ``url`` once its scripts ran, from a fresh profile, with no network."""
    result = subprocess.run(
        [
            chromium,
            *OFFLINE_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1400,3000",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "<html" in result.stdout, result.stderr[-3000:]
    return result.stdout


def _visible_text(markup: str) -> str:
    """The text a reader sees: no tags, no script or style bodies."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _assert_overlay_drawn(dom: str) -> None:
    assert 'data-peermarket-mermaid="drawn"' in dom, "the init script did not finish"
    blocks = re.findall(r'<pre\b[^>]*class="mermaid"[^>]*>(.*?)</pre>', dom, flags=re.S)
    assert len(blocks) == 1, "the overlay page has one diagram"
    block = blocks[0].strip()
    assert block.startswith("<svg"), f"not drawn as SVG: {block[:200]!r}"
    words = _visible_text(block).split()
    for state in OVERLAY_STATES:
        assert state in words, f"state {state!r} is not in the SVG"
    text = " ".join(words)
    from spec.v1.overlay.table import ACTIVE, TABLE

    staying = sum(1 for row in TABLE.transitions if row.source == row.target == ACTIVE)
    assert f"active stays on {staying} rows" in text
    assert "command leave / departure" in text
    assert "Syntax error" not in text
    assert "stateDiagram-v2" not in _visible_text(dom), "raw mermaid text is still shown"


def test_overlay_diagram_is_drawn_from_file_url(chromium: str, site: Path, tmp_path: Path) -> None:
    """Opened from disk, where browsers refuse ES modules, with no network at all."""
    _assert_overlay_drawn(_dump_dom(chromium, (site / "overlay.html").as_uri(), tmp_path))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    """The site over http, from a server on a free loopback port, for this test only."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_overlay_diagram_is_drawn_over_http(chromium: str, served: str, tmp_path: Path) -> None:
    _assert_overlay_drawn(_dump_dom(chromium, f"{served}/overlay.html", tmp_path))


_LAYOUT_PROBE = """<script>
window.addEventListener("load", () => {
  const out = {tables: [], code: []};
  for (const table of document.querySelectorAll("table.peermarket-machine")) {
    const box = table.closest(".table-wrapper").getBoundingClientRect();
    const note = table.querySelector("thead th:last-child").getBoundingClientRect();
    out.tables.push({right: table.getBoundingClientRect().right, box: box.right,
                     note: note.right, noteWidth: note.width, window: innerWidth});
  }
  for (const pre of document.querySelectorAll("article .highlight pre")) {
    out.code.push({scroll: pre.scrollWidth, client: pre.clientWidth});
  }
  document.body.setAttribute("data-layout", JSON.stringify(out));
});
</script></body>"""


@pytest.mark.parametrize("page", ["overlay.html", "machines.html", "envelope.html"])
def test_tables_and_code_fit_at_1400px(
    chromium: str, site: Path, tmp_path: Path, page: str
) -> None:
    """At 1400 px every column of a transition table, the note too, is on the page
    without scrolling, and no code block runs past its edge."""
    probe = site / f"layout-probe-{page}"
    probe.write_text((site / page).read_text("utf-8").replace("</body>", _LAYOUT_PROBE, 1), "utf-8")
    try:
        dom = _dump_dom(chromium, probe.as_uri(), tmp_path, budget_ms=5_000)
    finally:
        probe.unlink()
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, "the layout probe did not run"
    layout = json.loads(html.unescape(found[1]))
    if page != "envelope.html":
        assert layout["tables"], "no transition table found"
    for table in layout["tables"]:
        assert table["right"] <= table["box"] + 1, f"table overflows its box: {table}"
        assert table["note"] <= table["box"] + 1, f"note column hidden: {table}"
        assert table["noteWidth"] >= 100, f"note column squeezed: {table}"
    for block in layout["code"]:
        assert block["scroll"] <= block["client"] + 1, f"code block cut off: {block}"
