"""Barter (``sla.md``, "Barter"): an SLA whose terms carry the consumer's reciprocal leg.
When the SLA is made, each party also holds that leg as an agreement of its own, pending,
with the roles swapped, under :func:`~spec.v1.sla.messages.reciprocal_id`; the two legs
name each other as their pair."""

from reference.sla.data import Negotiation, SlaData, with_control, with_negotiation
from spec.v1.sla.messages import Leg, Requirements, Terms, reciprocal_id


def leg_terms(terms: Terms, leg: Leg) -> Terms:
    """The reciprocal leg's terms: the leg, with the SLA's provider as its consumer."""
    return Terms(
        neg=reciprocal_id(terms.neg, terms.provider),
        round=terms.round,
        provider=terms.consumer,
        consumer=terms.provider,
        service=leg.service,
        units=leg.units,
        unit_price=leg.unit_price,
        guarantees=leg.guarantees,
        start=leg.start,
        end=leg.end,
        barter=None,
    )


def leg_requirements(leg: Leg) -> Requirements:
    """What the reciprocal leg requires: the leg itself, at its own unit price."""
    return Requirements(
        service=leg.service,
        units=leg.units,
        max_price=leg.unit_price,
        guarantees=leg.guarantees,
        start=leg.start,
        end=leg.end,
        barter=None,
    )


def hold_reciprocal(data: SlaData, neg: bytes, mine: Negotiation) -> SlaData:
    """Hold the agreement ``mine`` (already agreed) and, for a barter, its reciprocal leg."""
    terms = mine.terms
    assert terms is not None
    leg = terms.barter
    if leg is None:
        return with_negotiation(data, neg, mine)
    back = leg_terms(terms, leg)
    reciprocal = mine._replace(
        role="provider" if mine.role == "consumer" else "consumer",
        requirements=leg_requirements(leg),
        terms=back,
        pair=neg,
    )
    data = with_negotiation(data, neg, mine._replace(pair=back.neg))
    data = with_negotiation(data, back.neg, reciprocal)
    return with_control(data, back.neg, "pending")
