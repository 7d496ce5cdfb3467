"""Pricing (interfaces D, E, L): the unit price a provider asks one consumer, from its fixed
tariff or the service's latest auction price, marked up by the consumer's standing
(``sla.md``, "Pricing")."""

from dataclasses import replace

from reference.sla.context import on
from reference.sla.data import SlaData, put
from reference.sla.reputation import standing
from spec.v1.sla.commands import MarketPrice, OfferService
from spec.v1.sla.constants import MAX_SERVICES

Result = tuple[SlaData, tuple[()]]

BASIS: int = 10_000


def base_price(data: SlaData, offer: OfferService) -> int:
    """The fixed tariff, or the latest auction price (the tariff until one is known)."""
    if offer.pricing == "market":
        return data.prices.get(offer.service, offer.unit_price)
    return offer.unit_price


def price_for(data: SlaData, offer: OfferService, consumer: bytes, now: int) -> int:
    """``ceil(base * (10,000 + newcomer_bp // (1 + standing)) / 10,000)``: rounded up, so no
    consumer pays less than the markup its standing earns."""
    markup = data.params.newcomer_bp // (1 + standing(data, consumer, now))
    return -(-base_price(data, offer) * (BASIS + markup) // BASIS)


def _price(payload: object) -> MarketPrice:
    args = on(payload).args
    assert isinstance(args, MarketPrice)
    return args


def prices_full(data: SlaData, payload: object) -> bool:
    """A price for a service not yet priced, when 64 are."""
    return _price(payload).service not in data.prices and len(data.prices) >= MAX_SERVICES


def set_price(data: SlaData, payload: object) -> Result:
    args = _price(payload)
    return replace(data, prices=put(data.prices, args.service, args.price)), ()  # type: ignore[arg-type]
