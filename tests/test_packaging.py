"""The distributions: an sdist that builds the site, and a wheel that works on its own.

An implementer installs the wheel, not the checkout. These tests build both
distributions from a copy of the tree (nothing is written into the checkout),
then install the wheel into a fresh virtual environment and run every command
the README shows, in an empty directory, checking afterwards that not one
installed file changed (the wheel's RECORD holds their hashes).
"""

import base64
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from site_kit import build_site

from spec.v1 import SPEC_VERSION

REPO = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((REPO / "conformance" / "traces" / "v1" / "MANIFEST.json").read_text())
PACKAGES = ("spec", "reference", "conformance")
_NOT_SOURCE_PATTERNS = shutil.ignore_patterns(
    ".git",
    ".venv",
    "_build",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    "node_modules",
)


def _not_source(folder: str, names: list[str]) -> set[str]:
    """What a clean checkout does not hold: caches, builds, and bench/results."""
    ignored = set(_NOT_SOURCE_PATTERNS(folder, names))
    if Path(folder).name == "bench":
        ignored.add("results")
    return ignored


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600):
    result = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{argv} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """sdist, then the wheel built from that sdist (``python -m build``'s default)."""
    top = tmp_path_factory.mktemp("dists")
    source = top / "source"
    shutil.copytree(REPO, source, ignore=_not_source)
    out = top / "out"
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), "."], source)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dists(sdist, wheel)


def _tracked(folder: str) -> set[str]:
    """Files of the checkout under ``folder`` (git's list when there is one)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", folder], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = []
    if listed:
        return {name for name in listed if (REPO / name).is_file()}
    return {
        p.relative_to(REPO).as_posix()
        for p in (REPO / folder).rglob("*")
        if p.is_file() and "_build" not in p.parts and "__pycache__" not in p.parts
    }


def test_sdist_holds_the_site_sources_the_makefile_and_the_licence(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as archive:
        top = archive.getnames()[0].split("/", 1)[0]
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    for needed in ("LICENSE", "Makefile", "README.md", "pyproject.toml", "docs/conf.py"):
        assert needed in names, needed
    missing = sorted(_tracked("docs") - names)
    assert not missing, f"docs files not in the sdist: {missing[:10]}"
    assert not [n for n in names if n.startswith("docs/_build/")]
    assert top == dists.sdist.name.removesuffix(".tar.gz")


def test_the_site_builds_from_the_unpacked_sdist(dists: Dists, tmp_path: Path) -> None:
    with tarfile.open(dists.sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (root,) = tmp_path.iterdir()
    result = build_site(tmp_path / "site", root / "docs")
    assert result.returncode == 0, result.stderr
    html = tmp_path / "site" / "html"
    assert SPEC_VERSION in (html / "index.html").read_text("utf-8")
    assert (html / "overlay.html").is_file()


def test_wheel_declares_the_licence_and_ships_the_whole_corpus(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = wheel.read(metadata).decode()
    assert "License-Expression: MIT" in meta
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    traces = {n for n in names if n.startswith("conformance/traces/v1/")}
    assert traces == {f"conformance/traces/v1/{c['file']}" for c in MANIFEST["cases"]} | {
        "conformance/traces/v1/MANIFEST.json"
    }
    for needed in (
        "spec/v1/schemas/peermarket-v1.cddl",
        "spec/v1/schemas/registries/tables.json",
        "spec/v1/prose/overlay.md",
        "conformance/report_schema.json",
    ):
        assert needed in names, needed
    assert not [n for n in names if n.startswith(("tests/", "docs/", "bench/"))]


# ---------------------------------------------------------------- the installed wheel


def _record_hashes(site: Path) -> dict[Path, str]:
    """Installed file -> its RECORD hash (``sha256=<urlsafe b64, no padding>``)."""
    (record,) = site.glob("peermarket-*.dist-info/RECORD")
    hashes = {}
    with record.open(newline="") as handle:
        for name, digest, _size in csv.reader(handle):
            if digest:
                hashes[(site / name).resolve()] = digest
    return hashes


def _digest(path: Path) -> str:
    raw = hashlib.sha256(path.read_bytes()).digest()
    return "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _package_files(site: Path) -> set[Path]:
    return {
        p.resolve()
        for package in PACKAGES
        for p in (site / package).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_installed_wheel_runs_every_documented_command_and_changes_none_of_its_files(
    dists: Dists, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", f"{dists.wheel}[experiment]"], tmp_path)
    site = Path(
        _run([str(python), "-c", "import conformance, pathlib; "
              "print(pathlib.Path(conformance.__file__).parent.parent)"], tmp_path).stdout.strip()
    )  # fmt: skip
    assert ".venv" not in site.parts and REPO not in site.parents
    before = _record_hashes(site)
    files_before = _package_files(site)
    assert files_before <= set(before), "installed files the RECORD does not list"

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    peermarket = str(env_dir / "bin" / "peermarket")
    case = next(c["case_id"] for c in MANIFEST["cases"] if c["case_id"].startswith("wire/"))

    def run(*args: str) -> str:
        return _run([peermarket, *args], work, env).stdout

    assert "checks passed" in run("selfcheck")
    assert "exit code 0" in run("conform", "--quiet")
    assert case in run("corpus", "list")
    shown = run("corpus", "show", case, "--step", "1")
    assert str(site) in shown  # the trace's file is named
    run("corpus", "export")
    assert (work / f"peermarket-conformance-{SPEC_VERSION}.tar.gz").is_file()
    run("spec", "export")
    assert (work / "schemas" / "peermarket-v1.cddl").is_file()
    run("corpus", "generate")
    generated = work / "traces" / "v1" / "MANIFEST.json"
    assert generated.read_bytes() == (site / "conformance/traces/v1/MANIFEST.json").read_bytes()
    run("experiment", "overlay", "--quick")
    assert (work / "build" / "experiments" / "overlay" / "overlay.json").is_file()

    changed = sorted(str(p) for p, digest in before.items() if p.is_file() and _digest(p) != digest)
    assert not changed, f"installed files changed: {changed[:5]}"
    assert _package_files(site) == files_before, "files appeared in the installed package"
