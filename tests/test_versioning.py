"""A schema or corpus change cannot land without a new spec version.

The release record (``spec.v1.releases``) pairs each version with the
fingerprint of its schemas and corpus; everything that names the version
(traces, manifest, schemas, prose headers, the history table) must agree.
"""

import json
import re
import shutil
from pathlib import Path

import pytest

from conformance.fingerprint import CORPUS_DIR, SCHEMA_DIR, file_digests, release_fingerprint
from spec.v1 import SPEC_VERSION, WIRE_VERSION
from spec.v1.releases import RELEASES

PROSE = Path(__file__).resolve().parents[1] / "spec" / "v1" / "prose"


def _semver(version: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", version)
    assert match, f"{version!r} is not MAJOR.MINOR.PATCH"
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def test_the_tree_is_the_release_the_version_names() -> None:
    current = release_fingerprint()
    recorded = {r.version: r.fingerprint for r in RELEASES}
    assert recorded.get(SPEC_VERSION) == current, (
        f"the schemas or the corpus changed: their fingerprint is {current}, but spec "
        f"{SPEC_VERSION} was released as {recorded.get(SPEC_VERSION)}. Bump SPEC_VERSION "
        "(spec/v1/__init__.py) as prose/versioning.md says, add its history row, run "
        "`peermarket spec export` and `peermarket corpus generate`, then append "
        "Release(<version>, <new fingerprint>) to spec/v1/releases.py."
    )


def test_releases_are_ordered_distinct_and_end_at_the_current_version() -> None:
    versions = [r.version for r in RELEASES]
    assert versions[-1] == SPEC_VERSION
    keys = [_semver(v) for v in versions]
    assert keys == sorted(set(keys)), "versions must strictly increase"
    assert all(key[0] == WIRE_VERSION for key in keys)
    fingerprints = [r.fingerprint for r in RELEASES]
    assert len(set(fingerprints)) == len(fingerprints), "two releases ship the same bytes"
    assert all(re.fullmatch(r"[0-9a-f]{64}", f) for f in fingerprints)


def test_history_table_has_a_row_for_each_release() -> None:
    text = (PROSE / "versioning.md").read_text("utf-8")
    history = text.split("## History", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+\.\d+\.\d+) \| (.+) \|$", history, flags=re.MULTILINE)
    assert [version for version, _ in rows] == [r.version for r in RELEASES]
    assert all(len(change) > 40 for _, change in rows), "each row says what changed"
    assert f"version **{SPEC_VERSION}**" in text


def test_everything_that_names_the_version_names_the_current_one() -> None:
    manifest = json.loads((CORPUS_DIR / "MANIFEST.json").read_text("utf-8"))
    assert manifest["spec_version"] == SPEC_VERSION
    for path in sorted(PROSE.glob("*.md")):
        for named in re.findall(r"Normative, spec version (\d+\.\d+\.\d+)", path.read_text()):
            assert named == SPEC_VERSION, path.name
    for path in sorted((SCHEMA_DIR / "json").glob("*.json")):
        assert f"PeerMarket spec {SPEC_VERSION}." in path.read_text("utf-8"), path.name


def test_fingerprint_sees_one_changed_byte_and_one_new_file(tmp_path: Path) -> None:
    schemas, corpus = tmp_path / "schemas", tmp_path / "traces"
    shutil.copytree(SCHEMA_DIR, schemas)
    shutil.copytree(CORPUS_DIR, corpus)
    base = release_fingerprint(schemas, corpus)
    assert base == release_fingerprint()  # the copy is the same release

    victim = next(p for p in sorted(corpus.rglob("*.cbor")))
    data = bytearray(victim.read_bytes())
    data[-1] ^= 1
    victim.write_bytes(bytes(data))
    changed = release_fingerprint(schemas, corpus)
    assert changed != base

    (schemas / "extra.json").write_text("{}\n")
    assert release_fingerprint(schemas, corpus) not in {base, changed}
    assert "schemas/extra.json" in file_digests(schemas, corpus)


def test_fingerprint_names_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a directory"):
        release_fingerprint(tmp_path / "nope", CORPUS_DIR)
