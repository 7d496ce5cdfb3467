"""Shared test set-up: hypothesis profiles, the shared test vectors, and the kit corpus.

Profiles: ``ci`` (chosen when the ``CI`` environment variable is set) is
derandomized and has no deadline, so a CI run is reproducible and never flaky
on a loaded machine; ``dev`` (the default) keeps hypothesis' random search but
also drops the deadline (first examples pay for pydantic schema building and
Ed25519 set-up). ``HYPOTHESIS_PROFILE`` overrides the choice.
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from broken_iuts import kit
from hypothesis import HealthCheck, settings

from spec.v1.trace import Trace

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)

VECTORS_ENV = "PEERMARKET_VECTORS"


def vectors_dir() -> Path:
    """``$PEERMARKET_VECTORS``, else ``shared/vectors`` beside the clone (as CI lays it out)."""
    override = os.environ.get(VECTORS_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "vectors"


def load_vectors(relative: str) -> Any:
    """The parsed JSON of a vector file; a missing file FAILS the test (never skips it)."""
    path = vectors_dir() / relative
    if not path.is_file():
        pytest.fail(
            f"test vectors not found: {path}. The suite needs the shared vectors beside the "
            f"clone (../shared/vectors) or {VECTORS_ENV}=<dir>; they are required, not optional.",
            pytrace=False,
        )
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def vectors() -> Any:
    """``vectors("cbor/fail.json")``: load a shared vector file or fail the test."""
    return load_vectors


@pytest.fixture(scope="module")
def traces() -> list[Trace]:
    """The five wire cases of ``broken_iuts.kit`` (three positive, two negative)."""
    return kit.build_traces()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, traces: list[Trace]) -> Path:
    """``traces`` written as a corpus directory, once per test module."""
    return kit.write_corpus(tmp_path_factory.mktemp("corpus"), traces)


_BUILT: dict[tuple[int, ...], Any] = {}


@pytest.fixture
def corpus_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``corpus generate`` builds the corpus once per test process, not once per test.

    For tests of what the command does with a built corpus (writing it, checking a
    directory against it, choosing paths). Building it is what
    ``test_check_passes_on_the_checked_in_corpus`` and ``test_generation_is_deterministic``
    test, uncached; a generator list other than the registry's is never cached.
    """
    from conformance import tracefile
    from reference.corpus import registry

    real = tracefile.build_corpus

    def cached(generators: Any) -> Any:
        if tuple(generators) != tuple(registry.GENERATORS):
            return real(generators)
        key = tuple(id(generator) for generator in generators)
        if key not in _BUILT:
            _BUILT[key] = real(generators)
        return _BUILT[key]

    monkeypatch.setattr(tracefile, "build_corpus", cached)
