"""The ``sla`` corpus generator: hand-written cases of one SLA node.

Versions:

- ``sla-cases`` 1: every row of ``sla.node`` and ``sla.agreement`` (spec 1.6.0): offering
  services; at the provider, answering cfps and counter-offers with signed terms or
  refusals, the consumer's acceptance and rejection, the deadline; at the consumer, opening
  a negotiation, the provider's answers, counter-offers, accepting and rejecting, the SLA;
  each refusal of either party; the agreement's life: starting the service, usage
  reports and their charge, the breach rule, completion, termination, the records.
- ``sla-cases`` 2 (spec 1.7.0): every case of version 1 (their requirements, terms, offers
  and records carry the new fields), and settlement: payments, barter pairs; access
  control, standing, pricing; descriptions and search, on the stack interface;
  composition (a provider that consumes another's service to deliver its own).
- ``sla-stack`` 1 (spec 1.7.0): every case of ``sla-cases`` 2 again, against a whole stack
  (``sla_stack``) whose overlay is a ring of one: each upcall of a case is made by the
  overlay from the input that causes it.
"""

from collections.abc import Iterator
from typing import Final

from reference.corpus import CorpusGenerator
from reference.corpus.sla_agreement_cases import agreement_cases
from reference.corpus.sla_casekit import STACK
from reference.corpus.sla_composition_cases import composition_cases
from reference.corpus.sla_consumer_cases import consumer_cases
from reference.corpus.sla_market_cases import market_cases
from reference.corpus.sla_provider_cases import provider_cases
from reference.corpus.sla_search_cases import search_cases
from reference.corpus.sla_settlement_cases import settlement_cases
from reference.corpus.sla_standing_cases import standing_cases
from spec.v1.trace import Generator, Trace

CASES: Final = Generator(name="sla-cases", version="2")


def sla_cases(generator: Generator = CASES) -> Iterator[Trace]:
    yield from provider_cases(generator)
    yield from consumer_cases(generator)
    yield from agreement_cases(generator)
    yield from settlement_cases(generator)
    yield from market_cases(generator)
    yield from search_cases(generator)
    yield from composition_cases(generator)
    yield from standing_cases(generator)


SLA_CASES: Final = CorpusGenerator(CASES.name, CASES.version, lambda: tuple(sla_cases()))
"""Hand-written SLA cases, each transition and each refusal."""


STACK_CASES: Final = CorpusGenerator(STACK.name, STACK.version, lambda: tuple(sla_cases(STACK)))
"""Every hand-written SLA case again, against a whole stack (``sla_stack``)."""
