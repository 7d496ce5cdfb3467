"""Whether a provider's offered service meets a round's requirements, and the first
check that fails (``sla.md``, "Answering a cfp")."""

from spec.v1.sla.commands import OfferService
from spec.v1.sla.messages import Bound, RefuseReason, Requirements


def shortfall(offer: OfferService | None, wanted: Requirements, price: int) -> RefuseReason | None:
    """``None`` when ``offer`` at unit ``price`` (Pricing's, for this consumer) meets
    ``wanted``; else the first failed check, in this order: the service is offered, the units
    fit, the price fits, a barter is taken if one is offered, every guarantee is met."""
    if offer is None:
        return "no_service"
    if wanted.units > offer.max_units:
        return "units"
    if price > wanted.max_price:
        return "price"
    if wanted.barter is not None and not offer.barter:
        return "barter"
    bounds = {bound.metric: bound for bound in offer.bounds}
    if not all(meets(bounds.get(g.metric), g) for g in wanted.guarantees):
        return "guarantee"
    return None


def meets(offered: Bound | None, required: Bound) -> bool:
    """The same metric, unit and comparison, and a bound at least as good."""
    if offered is None or offered.unit != required.unit or offered.op != required.op:
        return False
    if required.op == "ge":
        return offered.bound >= required.bound
    return offered.bound <= required.bound
