"""The list of corpus generators, in the order ``corpus generate`` runs them."""

from typing import Final

from reference.corpus import CorpusGenerator

GENERATORS: Final[tuple[CorpusGenerator, ...]] = ()
"""Every generator. Each later protocol issue appends its own."""
