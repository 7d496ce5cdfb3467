"""Interface A: the services this node provides, as ``offer_service`` registers them."""

from dataclasses import replace

from reference.sla.context import on
from reference.sla.data import SlaData, put
from spec.v1.sla.commands import OfferService

Result = tuple[SlaData, tuple[()]]


def register(data: SlaData, payload: object) -> Result:
    args = on(payload).args
    assert isinstance(args, OfferService)
    services = put(data.services, args.service, args)
    return replace(data, services=services), ()  # type: ignore[arg-type]
