"""``peermarket corpus export`` and :func:`conformance.archive.build_archive`.

The archive must be the same bytes for the same corpus, hold every case of the
manifest with its hash and every schema, say which versions it is, and be a
corpus ``peermarket conform`` runs once unpacked.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance import archive, paths, tracefile
from conformance.cli import main
from spec.v1 import SPEC_VERSION
from spec.v1.trace import TRACE_FORMAT

STEM = f"peermarket-conformance-{SPEC_VERSION}"
NAME = f"{STEM}.tar.gz"


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the installed corpus and schemas (stable while the tests read them)."""
    top = tmp_path_factory.mktemp("sources")
    traces, schemas = top / "traces" / "v1", top / "schemas"
    shutil.copytree(paths.installed_corpus(), traces)
    shutil.copytree(paths.installed_schemas(), schemas)
    return traces, schemas


@pytest.fixture(scope="module")
def built(sources: tuple[Path, Path]) -> tuple[str, bytes]:
    return archive.build_archive(*sources)


def members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {info.name: info for info in tar.getmembers()}


def contents(data: bytes) -> dict[str, bytes]:
    """Every regular file, by its path under the top folder."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for info in tar.getmembers():
            if info.isfile():
                extracted = tar.extractfile(info)
                assert extracted is not None
                out[info.name.removeprefix(STEM + "/")] = extracted.read()
    return out


def export(*args: str) -> Result:
    return CliRunner().invoke(main, ["corpus", "export", *args])


def test_the_name_is_versioned(built: tuple[str, bytes]) -> None:
    name, _ = built
    assert name == NAME == archive.archive_name()


def test_the_same_corpus_gives_the_same_bytes(
    sources: tuple[Path, Path], built: tuple[str, bytes], tmp_path: Path
) -> None:
    assert archive.build_archive(*sources) == built
    # a copy with other mtimes and another path gives the same bytes too
    again = tmp_path / "elsewhere"
    shutil.copytree(sources[0], again / "v1")
    shutil.copytree(sources[1], again / "s")
    for path in again.rglob("*"):
        if path.is_file():
            path.touch()
    assert archive.build_archive(again / "v1", again / "s") == built


def test_other_processes_build_the_same_bytes(
    sources: tuple[Path, Path], built: tuple[str, bytes]
) -> None:
    script = (
        "import hashlib, sys; from pathlib import Path; "
        "from conformance.archive import build_archive; "
        "print(hashlib.sha256(build_archive(Path(sys.argv[1]), Path(sys.argv[2]))[1]).hexdigest())"
    )
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script, str(sources[0]), str(sources[1])],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == hashlib.sha256(built[1]).hexdigest()


def test_the_archive_holds_every_case_of_the_manifest_with_its_hash(
    sources: tuple[Path, Path], built: tuple[str, bytes]
) -> None:
    files = contents(built[1])
    corpus_manifest = json.loads(files["traces/v1/MANIFEST.json"])
    assert corpus_manifest == json.loads((sources[0] / "MANIFEST.json").read_text("utf-8"))
    cases = corpus_manifest["cases"]
    assert cases
    for entry in cases:
        data = files[f"traces/v1/{entry['file']}"]
        assert hashlib.sha256(data).hexdigest() == entry["file_sha256"], entry["case_id"]
        assert tracefile.decode_trace(data).content_hash.hex() == entry["content_hash"]
    traces = [name for name in files if name.startswith("traces/")]
    assert len(traces) == len(cases) + 1  # and the manifest, nothing else


def test_the_archive_holds_every_schema(
    sources: tuple[Path, Path], built: tuple[str, bytes]
) -> None:
    files = contents(built[1])
    schemas = sources[1]
    expected = {
        f"schemas/{p.relative_to(schemas).as_posix()}": p.read_bytes()
        for p in schemas.rglob("*")
        if p.is_file()
    }
    assert any(name.endswith(".cddl") for name in expected)
    assert any(name.endswith(".schema.json") for name in expected)
    assert {name: data for name, data in files.items() if name.startswith("schemas/")} == expected


def test_the_archive_names_the_release_fingerprint_of_what_it_holds(
    sources: tuple[Path, Path], built: tuple[str, bytes]
) -> None:
    from conformance.fingerprint import release_fingerprint

    top = json.loads(contents(built[1])["MANIFEST.json"])
    assert top["release_fingerprint"] == release_fingerprint(sources[1], sources[0])


def test_the_top_manifest_names_the_versions_and_every_file(built: tuple[str, bytes]) -> None:
    files = contents(built[1])
    top: dict[str, Any] = json.loads(files["MANIFEST.json"])
    corpus_manifest = json.loads(files["traces/v1/MANIFEST.json"])
    assert top["archive_format"] == archive.ARCHIVE_FORMAT
    assert top["name"] == STEM
    assert top["spec_version"] == SPEC_VERSION == corpus_manifest["spec_version"]
    assert top["trace_format"] == TRACE_FORMAT
    assert top["package"]["name"] == "peermarket" and top["package"]["version"]
    assert top["cases"] == len(corpus_manifest["cases"])
    assert top["generators"] == corpus_manifest["generators"]
    listed = {entry["path"]: entry for entry in top["files"]}
    assert set(listed) == set(files) - {"MANIFEST.json", "SHA256SUMS"}
    for path, entry in listed.items():
        assert entry["size"] == len(files[path])
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
    assert SPEC_VERSION in files["README"].decode()


def test_sha256sums_checks_every_other_file(built: tuple[str, bytes]) -> None:
    files = contents(built[1])
    sums = {}
    for line in files["SHA256SUMS"].decode("ascii").splitlines():
        digest, path = line.split("  ", 1)
        sums[path] = digest
    assert set(sums) == set(files) - {"SHA256SUMS"}
    for path, digest in sums.items():
        assert hashlib.sha256(files[path]).hexdigest() == digest, path


def test_the_archive_carries_no_time_owner_or_name(built: tuple[str, bytes]) -> None:
    data = built[1]
    # gzip: magic, deflate, no flags (so no file name), mtime 0, OS "unknown"
    assert data[:4] == b"\x1f\x8b\x08\x00"
    assert data[4:8] == bytes(4)
    assert data[9] == 0xFF
    infos = members(data)
    names = list(infos)
    assert names[0] == STEM and all(n == STEM or n.startswith(STEM + "/") for n in names)
    assert names == sorted(names, key=lambda n: n.split("/"))
    for info in infos.values():
        assert (info.mtime, info.uid, info.gid, info.uname, info.gname) == (0, 0, 0, "", "")
        assert info.mode == (0o755 if info.isdir() else 0o644)
        assert info.isdir() or info.isfile()
    with gzip.open(io.BytesIO(data)) as raw:
        assert b"peermarket-conformance" in raw.read(512)


def test_export_writes_the_archive_atomically_into_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["--traces", str(sources[0]), "--schemas", str(sources[1])]
    result = export(*args)
    assert result.exit_code == 0, result.output
    assert f"wrote {NAME}" in result.output
    first = (tmp_path / NAME).read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [NAME]  # no temporary file left
    assert export(*args).exit_code == 0
    assert (tmp_path / NAME).read_bytes() == first
    (tmp_path / "dist").mkdir()
    assert export(*args, "--out", "dist").exit_code == 0
    assert (tmp_path / "dist" / NAME).read_bytes() == first
    assert export(*args, "--out", "named.tar.gz").exit_code == 0
    assert (tmp_path / "named.tar.gz").read_bytes() == first


def test_export_defaults_to_the_installed_corpus(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    result = export()
    assert result.exit_code == 0, result.output
    files = contents((tmp_path / NAME).read_bytes())
    installed = json.loads((paths.installed_corpus() / "MANIFEST.json").read_text("utf-8"))
    assert json.loads(files["traces/v1/MANIFEST.json"])["cases"] == installed["cases"]


def test_conform_runs_the_unpacked_archive(built: tuple[str, bytes], tmp_path: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(built[1]), mode="r:gz") as tar:
        tar.extractall(tmp_path, filter="data")
    traces = tmp_path / STEM / "traces" / "v1"
    count = len(json.loads((traces / "MANIFEST.json").read_text("utf-8"))["cases"])
    result = CliRunner().invoke(
        main, ["conform", "--in-process", "--quiet", "--traces", str(traces)]
    )
    assert result.exit_code == 0, result.output
    assert f"{count} passed, 0 failed, 0 unsupported" in result.output


def test_a_corpus_that_is_not_usable_is_not_exported(
    sources: tuple[Path, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "v1"
    shutil.copytree(sources[0], broken)
    victim = next(broken.rglob("*.cbor"))
    victim.unlink()
    with pytest.raises(archive.ArchiveError, match="is missing"):
        archive.build_archive(broken, sources[1])
    result = export("--traces", str(broken), "--schemas", str(sources[1]), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert not (tmp_path / NAME).exists()


def test_a_corpus_without_a_manifest_or_of_another_version_is_not_exported(
    sources: tuple[Path, Path], tmp_path: Path
) -> None:
    other = tmp_path / "v1"
    shutil.copytree(sources[0], other)
    manifest = other / "MANIFEST.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["spec_version"] = "0.0.1"
    manifest.write_text(json.dumps(data), "utf-8")
    with pytest.raises(archive.ArchiveError, match=r"is for spec 0\.0\.1"):
        archive.build_archive(other, sources[1])
    manifest.unlink()
    with pytest.raises(archive.ArchiveError, match=r"has no MANIFEST\.json"):
        archive.build_archive(other, sources[1])
    with pytest.raises(archive.ArchiveError, match=r"has no \*\.cddl"):
        archive.build_archive(sources[0], sources[1] / "json")
