"""Hand-written cases of the ``overlay`` protocol: each transition on its own, and attacks.

The entry point of generator ``overlay-cases``: it runs the case modules in a
fixed order (the order of the recorded corpus). Each module holds one concept;
what they share (the case builder, the peers, the ring) is in
:mod:`reference.corpus.overlay_casekit`.
"""

from collections.abc import Iterator

from reference.corpus.overlay_announce_cases import announce_cases
from reference.corpus.overlay_attack_cases import routed_attack_cases
from reference.corpus.overlay_forget_cases import forget_cases
from reference.corpus.overlay_forwarding_cases import forwarding_cases
from reference.corpus.overlay_join_cases import join_cases
from reference.corpus.overlay_leafset_cases import leafset_cases
from reference.corpus.overlay_maintenance_cases import maintenance_cases
from reference.corpus.overlay_neighbourhood_cases import neighbourhood_cases
from reference.corpus.overlay_pending_cases import pending_cases
from reference.corpus.overlay_probe_cases import probe_cases
from reference.corpus.overlay_refusal_cases import refusal_cases
from reference.corpus.overlay_repair_cases import repair_cases
from reference.corpus.overlay_ring_cases import ring_cases
from reference.corpus.overlay_route_cases import route_cases
from reference.corpus.overlay_rule_cases import rule_cases
from reference.corpus.overlay_slots_cases import slots_cases
from spec.v1.trace import Generator, Trace


def overlay_cases(generator: Generator) -> Iterator[Trace]:
    yield from ring_cases(generator)
    yield from route_cases(generator)
    yield from join_cases(generator)
    yield from probe_cases(generator)
    yield from routed_attack_cases(generator)
    yield from refusal_cases(generator)
    yield from rule_cases(generator)
    yield from neighbourhood_cases(generator)
    yield from forget_cases(generator)
    yield from announce_cases(generator)
    yield from leafset_cases(generator)
    yield from maintenance_cases(generator)
    yield from slots_cases(generator)
    yield from repair_cases(generator)
    yield from pending_cases(generator)
    yield from forwarding_cases(generator)
