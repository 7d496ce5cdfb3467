"""The ``overlay`` corpus generators: hand-written cases and simulated scenarios.

Versions:

- ``overlay-cases`` 1: every transition of ``overlay.node`` on its own, the
  refusals of each guard, and attacks on routed frames and node references.
  2: routing-table maintenance (the ``maintain`` timer, ``row_sync``,
  ``row_state``) and its refusals.
  3: the cases that pin the rules the prose left open (``overlay_rule_cases``):
  leaf updates from known nodes, references per table, the failed list's expiry,
  answering before or after considering, repair on use with nobody to ask, the
  order of expiring lookups, re-routed joins, probes of pushed-out nodes and
  oversized command arguments.
  4: the bounded replay window: the node's parameters carry ``replay_senders`` (4096)
  and its states the entries' ``at`` and ``replay_floors``.
  5: adds ``overlay/machine/timer-before-due-001``, a running timer fired one tick early.
  6: adds the neighbourhood set's boundary (``overlay/neighbourhood/*``), departures of
  a stranger and of the node itself, and the boundaries of the announcement test
  (``overlay/ring/announce-*``).
  7: 67 cases found by mutation testing: the leaf set's range and its wrap around 0,
  slot and M boundaries, announcements' edges, maintenance rounds, repair targets,
  failed-list and mending bounds, timers that fire late or early, mismatched
  answers, join positions; and the refill that offers L's own members (which
  changed ``overlay/ring/leaf-list-two-refs-001``).
- ``overlay-scenarios`` 1: rings built by joins over the simulator, lookups,
  a failure with its repair, a departure.
  2: the bounded replay window in parameters and states, as ``overlay-cases`` 4.
"""

from collections.abc import Iterable
from typing import Final

from reference.corpus import CorpusGenerator
from reference.corpus.overlay_cases import overlay_cases
from reference.corpus.overlay_scenarios import SCENARIO_GENERATOR, scenario_traces
from spec.v1.trace import Generator, Trace

CASES: Final = Generator(name="overlay-cases", version="7")


def _cases() -> tuple[Trace, ...]:
    return tuple(overlay_cases(CASES))


def _scenarios() -> Iterable[Trace]:
    return tuple(scenario_traces())


OVERLAY_CASES: Final = CorpusGenerator(CASES.name, CASES.version, _cases)
"""Hand-written overlay cases, each transition and each refusal on its own."""
OVERLAY_SCENARIOS: Final = CorpusGenerator(
    SCENARIO_GENERATOR.name, SCENARIO_GENERATOR.version, _scenarios
)
"""Overlay rings in the simulator, recorded node by node."""
