"""The release fingerprint: one hash of everything an implementation is tested against.

A spec version names a fixed set of schemas (JSON Schema, CDDL, the registry
files with the machine tables, error codes and flags) and a fixed corpus. The
fingerprint hashes both, file by file, so a test can tell when either changed
without a new version (``spec/v1/prose/versioning.md``), and a reader of an
exported archive can tell which release it holds.

Definition (normative for the release record ``spec.v1.releases``): list every
file under the schemas directory as ``schemas/<relative path>`` and every file
under the corpus directory as ``traces/v1/<relative path>`` (POSIX separators),
sort the names bytewise, and hash with SHA-256 the concatenation of
``<name> NUL <lowercase hex SHA-256 of the file's bytes> LF`` for each.
"""

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from conformance.paths import installed_corpus, installed_schemas

SCHEMA_DIR: Final = installed_schemas()
"""The schemas of this installation (package data; read only)."""
CORPUS_DIR: Final = installed_corpus()
"""The corpus of this installation (package data; read only)."""

SCHEMAS_AREA: Final = "schemas"
TRACES_AREA: Final = "traces/v1"


def file_digests(schemas_dir: Path, corpus_dir: Path) -> dict[str, str]:
    """Name -> hex SHA-256 of every file the fingerprint covers, sorted by name."""
    digests: dict[str, str] = {}
    for area, root in ((SCHEMAS_AREA, schemas_dir), (TRACES_AREA, corpus_dir)):
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: not a directory")
        for path in root.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                name = f"{area}/{path.relative_to(root).as_posix()}"
                digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(digests.items(), key=lambda item: item[0].encode("utf-8")))


def combine(digests: Mapping[str, str]) -> str:
    """The fingerprint of named files, given each file's hex SHA-256 (in any order)."""
    names = sorted(digests, key=lambda name: name.encode("utf-8"))
    lines = b"".join(f"{name}\0{digests[name]}\n".encode() for name in names)
    return hashlib.sha256(lines).hexdigest()


def release_fingerprint(schemas_dir: Path = SCHEMA_DIR, corpus_dir: Path = CORPUS_DIR) -> str:
    """The fingerprint of the schemas and corpus in these directories (lowercase hex)."""
    return combine(file_digests(schemas_dir, corpus_dir))
