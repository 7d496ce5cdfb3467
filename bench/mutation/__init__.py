"""Mutation testing of the reference with the conformance corpus as the only test.

``make mutate`` (``python -m bench.mutation``) lets cosmic-ray mutate the
modules of :data:`TARGETS`, one small change at a time, and replays the
checked-in corpus against each mutant (:mod:`bench.mutation.replay`). A
mutant the corpus does not notice *survives*: either it is equivalent (it
cannot change what a node sends, answers or reports) or the corpus has a gap
that a subtly wrong third-party implementation could slip through.

This package holds only data and paths; it imports nothing outside the
standard library, so ``python -m bench`` (which imports every module of
``bench``) works without the ``mutate`` extra. The pieces:

- :mod:`bench.mutation.run` (``python -m bench.mutation``): scratch trees,
  baseline, sessions, the two workers, progress;
- :mod:`bench.mutation.replay`: the test command cosmic-ray runs per mutant;
- :mod:`bench.mutation.iut`: the mutated reference as a subprocess IUT;
- :mod:`bench.mutation.report`: figures, score, and the checked-in survivors file.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Final


@dataclass(frozen=True)
class Target:
    """Modules to mutate (a glob relative to the repository root) and their protocol."""

    pattern: str
    protocol: str


WIRE: Final = "wire"
"""The common layer (codec, envelope, replay window, engine, node) counts for ``wire``: the
corpus protocol whose cases specify it. Overlay cases exercise it too: every mutant meets the
whole corpus."""

TARGETS: Final[tuple[Target, ...]] = (
    Target("reference/cbor.py", WIRE),
    Target("reference/codec.py", WIRE),
    Target("reference/envelope.py", WIRE),
    Target("reference/replay.py", WIRE),
    Target("reference/engine.py", WIRE),
    Target("reference/node.py", WIRE),
    Target("reference/wire.py", WIRE),
    Target("reference/overlay/*.py", "overlay"),
    Target("reference/instances.py", "auction"),
    Target("reference/auction/*.py", "auction"),
    Target("reference/stack.py", "auction"),
    Target("reference/sla/*.py", "sla"),
)
"""What ``make mutate`` mutates: the one place to add a protocol's modules."""

REPO: Final = Path(__file__).resolve().parents[2]
"""The repository root (the real tree: sessions and reports live here, never mutants)."""
PACKAGE: Final = Path(__file__).resolve().parent
SURVIVORS: Final = PACKAGE / "survivors.toml"
"""The checked-in survivors report (and per-module figures), merged on every report."""
RESULTS: Final = REPO / "bench" / "results" / "mutation.json"
"""Machine-readable figures of the last report (git-ignored, as every bench result)."""
WORK: Final = REPO / "build" / "mutation"
"""Scratch space: the copies cosmic-ray mutates, and the sessions (git-ignored)."""
SESSIONS: Final = WORK / "sessions"

TREE_PARTS: Final[tuple[str, ...]] = (
    "spec",
    "reference",
    "conformance",
    "bench/__init__.py",
    "bench/mutation",
)
"""What a scratch tree holds: the packages a replay imports, and the corpus (in conformance)."""


@dataclass(frozen=True)
class Module:
    """One module to mutate: its path relative to the tree root, and its protocol."""

    path: str
    protocol: str

    @property
    def slug(self) -> str:
        """The session's file stem: ``reference/overlay/ring.py`` -> ``reference.overlay.ring``."""
        return self.path.removesuffix(".py").replace("/", ".")


def expand(root: Path, targets: tuple[Target, ...] = TARGETS) -> list[Module]:
    """Every module of ``targets`` in the tree at ``root``, in target order then by name.

    A module without a single mutable statement (such as a package's ``__init__``
    of re-exports) is still listed: its session simply holds no mutant.
    """
    seen: dict[str, Module] = {}
    for target in targets:
        for path in sorted(root.glob(target.pattern)):
            rel = path.relative_to(root).as_posix()
            seen.setdefault(rel, Module(rel, target.protocol))
    return list(seen.values())


def protocol_of(path: str, targets: tuple[Target, ...] = TARGETS) -> str | None:
    """The protocol ``path`` (relative to the root) counts for, or None if no target covers it."""
    for target in targets:
        if fnmatch.fnmatchcase(path, target.pattern):
            return target.protocol
    return None
