"""The list of corpus generators, in the order ``corpus generate`` runs them."""

from typing import Final

from reference.corpus import CorpusGenerator
from reference.corpus.auction_generators import AUCTION_CASES, AUCTION_SCENARIOS, AUCTION_STACK
from reference.corpus.overlay_generators import OVERLAY_CASES, OVERLAY_SCENARIOS
from reference.corpus.sla_generators import SLA_CASES, STACK_CASES
from reference.corpus.wire_generators import CODEC_GENERATOR, ENVELOPE_GENERATOR, EXCHANGE_GENERATOR
from reference.corpus.wire_scenarios import WIRE_SCENARIOS

GENERATORS: Final[tuple[CorpusGenerator, ...]] = (
    WIRE_SCENARIOS,
    CODEC_GENERATOR,
    ENVELOPE_GENERATOR,
    EXCHANGE_GENERATOR,
    OVERLAY_CASES,
    OVERLAY_SCENARIOS,
    AUCTION_CASES,
    AUCTION_SCENARIOS,
    AUCTION_STACK,
    SLA_CASES,
    STACK_CASES,
)
"""Every generator. Each later protocol issue appends its own."""
