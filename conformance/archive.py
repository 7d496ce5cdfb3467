"""The conformance corpus and the schemas as one versioned, reproducible ``.tar.gz``.

For implementers who want the test vectors without Python (as Ethereum's
consensus-spec-tests ships its release tarballs), and for the docs site,
which offers the archive for download::

    from conformance.archive import build_archive
    from conformance.paths import installed_corpus, installed_schemas

    name, data = build_archive(installed_corpus(), installed_schemas())
    (out_dir / name).write_bytes(data)   # peermarket-conformance-<spec version>.tar.gz

:func:`build_archive` is pure apart from reading the two directories: the
same files give the same bytes, on any machine and at any time. Entries are
sorted, every mtime is 0, owner and group are 0 with no names, modes are
0644 (files) and 0755 (directories), and the gzip header has mtime 0, no
file name and the OS byte 255 ("unknown"). Layout, under one top folder
``peermarket-conformance-<spec version>/``:

``README``
    what this is, and how to check and use it;
``MANIFEST.json``
    ``archive_format``, ``name``, ``spec_version``, ``trace_format``, the
    ``package`` that built it (name, version), the corpus ``generators``,
    the ``cases`` count, the ``release_fingerprint`` of the schemas and
    corpus (:func:`fingerprint`; look it up in ``spec.v1.releases``), the
    ``layout`` and every other file with its size and SHA-256;
``SHA256SUMS``
    ``sha256sum -c SHA256SUMS`` checks every other file;
``traces/v1/``
    the corpus exactly as ``peermarket conform --traces`` reads it (every
    ``<case_id>.cbor`` and the corpus's own ``MANIFEST.json``);
``schemas/``
    every file of the schemas directory: ``json/*.schema.json`` (JSON
    Schema 2020-12), the CDDL (RFC 8610) and the registries.

The corpus is loaded and checked as ``peermarket conform`` would before it
is packed (:class:`ArchiveError` otherwise): a broken corpus is never
published.
"""

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any, Final

from conformance import cases, tracefile
from conformance.fingerprint import SCHEMAS_AREA, TRACES_AREA, combine
from spec.v1 import SPEC_VERSION
from spec.v1.trace import TRACE_FORMAT

ARCHIVE_FORMAT: Final = 1
"""Version of the archive's layout (``archive_format`` in its ``MANIFEST.json``)."""
PACKAGE: Final = "peermarket"
TRACES_DIR: Final = TRACES_AREA
SCHEMAS_DIR: Final = SCHEMAS_AREA
REQUIRED_SCHEMAS: Final = ("json/*.schema.json", "*.cddl")
"""What a schemas directory must hold (every file in it is packed)."""
MANIFEST: Final = "MANIFEST.json"
SUMS: Final = "SHA256SUMS"
README: Final = "README"
MTIME: Final = 0


class ArchiveError(Exception):
    """The directories do not make a publishable archive; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def archive_stem(spec_version: str = SPEC_VERSION) -> str:
    """``peermarket-conformance-<spec version>``: the top folder's name."""
    return f"{PACKAGE}-conformance-{spec_version}"


def archive_name(spec_version: str = SPEC_VERSION) -> str:
    """``peermarket-conformance-<spec version>.tar.gz``."""
    return archive_stem(spec_version) + ".tar.gz"


def package_version() -> str:
    """The installed ``peermarket`` distribution's version (``unknown`` when not installed)."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def _read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (but ``__pycache__``) by POSIX relative path, as the
    release fingerprint (:mod:`conformance.fingerprint`) counts them."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.relative_to(root).parts
    }


def fingerprint(files: Mapping[str, bytes]) -> str:
    """The release fingerprint (:mod:`conformance.fingerprint`) of the packed ``schemas/``
    and ``traces/v1/`` files, equal to ``release_fingerprint`` of the directories they
    came from, so a reader can look up which release an archive holds in
    ``spec.v1.releases``."""
    return combine(
        {
            name: hashlib.sha256(data).hexdigest()
            for name, data in files.items()
            if name.startswith((f"{SCHEMAS_DIR}/", f"{TRACES_DIR}/"))
        }
    )


def collect(traces_dir: Path, schemas_dir: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The corpus manifest and the files to pack, by path inside the top folder."""
    try:
        loaded = cases.load_corpus(traces_dir)
        manifest = cases.read_manifest(traces_dir)
    except cases.CorpusError as exc:
        raise ArchiveError([f"the corpus in {traces_dir} is not usable:", *exc.problems]) from None
    problems = []
    if manifest is None:
        problems.append(f"{traces_dir} has no {tracefile.MANIFEST_NAME}")
    elif manifest.get("spec_version") != SPEC_VERSION:
        problems.append(
            f"the corpus in {traces_dir} is for spec {manifest.get('spec_version')}, this is "
            f"spec {SPEC_VERSION}: regenerate it (peermarket corpus generate)"
        )
    if not loaded:
        problems.append(f"{traces_dir} holds no traces")
    files = {f"{TRACES_DIR}/{name}": data for name, data in _read_tree(traces_dir).items()}
    schema_files = _read_tree(schemas_dir)
    for pattern in REQUIRED_SCHEMAS:
        if not any(PurePosixPath(name).match(pattern) for name in schema_files):
            problems.append(f"{schemas_dir} has no {pattern}")
    files.update({f"{SCHEMAS_DIR}/{name}": data for name, data in schema_files.items()})
    if problems:
        raise ArchiveError(problems)
    assert manifest is not None
    return manifest, files


def archive_manifest(corpus_manifest: Mapping[str, Any], files: Mapping[str, bytes]) -> bytes:
    """The top-level ``MANIFEST.json``: deterministic JSON, one newline at the end."""
    described = {
        "archive_format": ARCHIVE_FORMAT,
        "name": archive_stem(),
        "spec_version": SPEC_VERSION,
        "trace_format": TRACE_FORMAT,
        "package": {"name": PACKAGE, "version": package_version()},
        "generators": corpus_manifest.get("generators", []),
        "cases": len(corpus_manifest.get("cases", [])),
        "release_fingerprint": fingerprint(files),
        "layout": {"traces": TRACES_DIR, "schemas": SCHEMAS_DIR},
        "files": [
            {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for path, data in sorted(files.items())
        ],
    }
    return (json.dumps(described, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def readme(cases_count: int) -> bytes:
    """The archive's ``README``: no dates or machine details, so it is reproducible too."""
    return f"""PeerMarket conformance corpus, spec version {SPEC_VERSION}
(trace format {TRACE_FORMAT}, built by {PACKAGE} {package_version()})

{TRACES_DIR}/      {cases_count} conformance cases, one per <case_id>.cbor (the deterministic
                CBOR of a trace; the format is spec/v1/prose/traces.md in the spec's
                sources), and MANIFEST.json naming each case with its hashes
{SCHEMAS_DIR}/        JSON Schema (json/*.schema.json) and CDDL of every message, and the
                registries of error codes, flags and machine tables
{MANIFEST}   the versions, the case count, the release fingerprint (look it up
                in the spec's release record), every file's size and SHA-256
{SUMS}      check every file: sha256sum -c {SUMS}

In this folder:
  peermarket conform --traces {TRACES_DIR} --impl "<the command that starts your node>"
  peermarket corpus show <case_id> --step N --traces {TRACES_DIR}
""".encode()


def _tar_entry(name: str, data: bytes | None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if data is None:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = len(data)
        info.mode = 0o644
    return info


def pack(stem: str, files: Mapping[str, bytes]) -> bytes:
    """``files`` under the top folder ``stem`` as a reproducible ``.tar.gz``."""
    directories = {stem}
    for path in files:
        directories.update(f"{stem}/{parent}" for parent in PurePosixPath(path).parents)
    directories.discard(f"{stem}/.")
    entries: dict[str, bytes | None] = dict.fromkeys(directories)
    entries.update({f"{stem}/{path}": data for path, data in files.items()})
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(entries, key=lambda n: n.split("/")):
            data = entries[name]
            tar.addfile(_tar_entry(name, data), None if data is None else io.BytesIO(data))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=MTIME) as gz:
        gz.write(tar_bytes.getvalue())
    return compressed.getvalue()


def build_archive(traces_dir: Path, schemas_dir: Path) -> tuple[str, bytes]:
    """The archive of the corpus in ``traces_dir`` and the schemas in ``schemas_dir``:
    ``(file name, bytes)``, e.g. ``("peermarket-conformance-1.7.0.tar.gz", b"...")``.

    Raises :class:`ArchiveError` when the corpus is not usable (as ``peermarket conform``
    would judge it), has no manifest or is for another spec version, or a kind of schema
    file is missing.
    """
    corpus_manifest, files = collect(traces_dir, schemas_dir)
    count = len(corpus_manifest.get("cases", []))
    files[README] = readme(count)
    files[MANIFEST] = archive_manifest(corpus_manifest, files)
    files[SUMS] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(files.items())
    ).encode("ascii")
    return archive_name(), pack(archive_stem(), files)
