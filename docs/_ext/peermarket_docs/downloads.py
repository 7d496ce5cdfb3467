"""Downloads: the conformance archive and the schema files, built with the site.

The archive is what ``peermarket corpus export`` writes, made by the same
function (:func:`conformance.archive.build_archive`) from the corpus and the
schemas this site documents, so a reader without Python gets the very bytes
the runner replays. The page lists each file with its size and SHA-256; the
files are written into the HTML output when the build finishes.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

from peermarket_docs.docnodes import data_table, inline, lit, para

DOWNLOAD_DIR = "downloads"
"""Folder of the HTML output that holds the files."""


@functools.cache
def download_files() -> tuple[tuple[str, str, bytes], ...]:
    """(file name, what it is, bytes) of every download, in page order."""
    from conformance.archive import build_archive
    from conformance.paths import installed_corpus, installed_schemas
    from spec.v1.export import CDDL_FILE
    from spec.v1.export.registries import TABLES_FILE

    name, archive = build_archive(installed_corpus(), installed_schemas())
    schemas = installed_schemas()
    return (
        (
            name,
            "the conformance archive: every trace with the corpus manifest, every schema "
            "and registry file, a MANIFEST.json and SHA256SUMS (what "
            "`peermarket corpus export` writes)",
            archive,
        ),
        (
            Path(CDDL_FILE).name,
            "the CDDL (RFC 8610) of every message, command, state and driver frame",
            (schemas / CDDL_FILE).read_bytes(),
        ),
        (
            Path(TABLES_FILE).name,
            "every protocol's state-machine table as JSON, row by row in table order",
            (schemas / TABLES_FILE).read_bytes(),
        ),
    )


def _size(count: int) -> str:
    return f"{count:,} bytes" if count < 10_000 else f"{count / 1024:,.0f} KiB"


def download_nodes(docname: str) -> list[nodes.Node]:
    """The table of downloads, with links relative to the page ``docname``."""
    here = posixpath.dirname(docname)
    rows = []
    for name, what, data in download_files():
        target = posixpath.relpath(f"{DOWNLOAD_DIR}/{name}", here or ".")
        link = nodes.reference("", "", nodes.literal(text=name), refuri=target, internal=False)
        rows.append(
            (
                [
                    para(link),
                    para(*inline(what)),
                    para(_size(len(data))),
                    para(lit(hashlib.sha256(data).hexdigest())),
                ],
                None,
            )
        )
    return [data_table(["file", "what it holds", "size", "SHA-256"], rows, [24, 38, 10, 28])]


def write_downloads(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: put the files where the page's links point."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / DOWNLOAD_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name, _what, data in download_files():
        path = out / name
        if not path.is_file() or path.read_bytes() != data:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
