"""The ``auction`` corpus generator: hand-written cases of one auction node run alone.

Versions:

- ``auction-scenarios`` 1: markets in the simulator (honest, with equivocating or
  inventing peers), one root, broker or trader recorded.
- ``auction-stack`` 1: whole stacks (``auction_stack``) on rings built by joins: a market,
  churn (a broker crashes, a node joins next to the service), a root whose auction is
  silent (the fallback over the real path and the takeover), a trader that is the root of a
  service it locates; and hand-written cases of one stack: the route downcall in every
  overlay state, an upcall given as an input, the broker's refusals, a late root.
- ``auction-cases`` 1: every row of ``auction.node`` and ``auction.service``: locating,
  prices, offers and their settlement at the trader; opening a service, notices, traders'
  offers and each refusal, slots, candidates (held, taken, refused) and the global match at
  the broker; update and forward upcalls; the root fallback (the fallback locate, the path's
  reports and their refusals, the takeover request and giving up at the trader, reporting a
  hop on the path, taking over or refusing to at the node asked).
"""

from collections.abc import Iterator
from typing import Final

from reference.corpus import CorpusGenerator
from reference.corpus.auction_broker_cases import broker_cases
from reference.corpus.auction_fallback_cases import fallback_cases
from reference.corpus.auction_mutant_broker_cases import mutant_broker_cases
from reference.corpus.auction_mutant_trader_cases import mutant_trader_cases
from reference.corpus.auction_scenarios import SCENARIO_GENERATOR, scenario_traces
from reference.corpus.auction_stack_cases import stack_cases
from reference.corpus.auction_stack_scenarios import GENERATOR as STACK_GENERATOR
from reference.corpus.auction_stack_scenarios import stack_traces
from reference.corpus.auction_trader_cases import trader_cases
from spec.v1.trace import Generator, Trace

CASES: Final = Generator(name="auction-cases", version="1")


def auction_cases(generator: Generator = CASES) -> Iterator[Trace]:
    yield from trader_cases(generator)
    yield from broker_cases(generator)
    yield from fallback_cases(generator)
    yield from mutant_broker_cases(generator)
    yield from mutant_trader_cases(generator)


def _scenarios() -> tuple[Trace, ...]:
    return tuple(scenario_traces())


AUCTION_SCENARIOS: Final = CorpusGenerator(
    SCENARIO_GENERATOR.name, SCENARIO_GENERATOR.version, _scenarios
)
"""Whole markets in the simulator, one broker or trader recorded."""

AUCTION_CASES: Final = CorpusGenerator(CASES.name, CASES.version, lambda: tuple(auction_cases()))
"""Hand-written auction cases, each transition and each refusal."""

AUCTION_STACK: Final = CorpusGenerator(
    STACK_GENERATOR.name,
    STACK_GENERATOR.version,
    lambda: (*stack_traces(), *stack_cases(STACK_GENERATOR)),
)
"""Whole stacks: rings built by joins with some nodes recorded, and hand-written cases."""
