"""Hand-written ``auction`` cases found by mutation testing (the trader side): each pins a rule
that a surviving mutant of the reference broke without any other trace noticing."""

from collections.abc import Iterator

from spec.v1.trace import Generator, Trace


def mutant_trader_cases(generator: Generator) -> Iterator[Trace]:
    yield from ()
