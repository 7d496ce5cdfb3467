"""The SLA node's normative observable state (``SlaState``)."""

from typing import TYPE_CHECKING, Any

from reference.sla.data import Negotiation, SlaData
from spec.v1.sla import state as S
from spec.v1.sla.commands import MarketPrice

if TYPE_CHECKING:
    from reference.node import Node


def _streaks(held: Negotiation, control: str) -> tuple[int, ...]:
    """An agreement's runs per guarantee (all 0 before its first report); none before."""
    if control not in ("pending", "observed") or held.terms is None:
        return ()
    return held.streaks or (0,) * len(held.terms.guarantees)


def observe(node: "Node[Any]") -> S.SlaState:
    data = node.state.data
    assert isinstance(data, SlaData)
    return S.SlaState(
        services=tuple(data.services.values()),
        negotiations=tuple(
            S.NegotiationState(
                neg=neg,
                state=data.controls[neg],  # type: ignore[arg-type]
                role=held.role,  # type: ignore[arg-type]
                peer=held.peer,
                round=held.round,
                deadline=held.deadline,
                requirements=held.requirements,
                offer=held.offer,
                acceptance=held.acceptance,
                reports=held.reports,
                used=held.used,
                charged=held.charged,
                streaks=_streaks(held, data.controls[neg]),
                pair=held.pair,
            )
            for neg, held in data.negotiations.items()
        ),
        records=tuple(
            S.Record(
                neg=r.neg,
                role=r.role,  # type: ignore[arg-type]
                peer=r.peer,
                outcome=r.outcome,  # type: ignore[arg-type]
                closed=r.closed,
                reports=r.reports,
                charged=r.charged,
                penalty=r.penalty,
                due=r.due,
                pair=r.pair,
                settled=r.settled,
            )
            for r in data.records
        ),
        rules=tuple(
            S.Rule(peer=peer, rule=rule)  # type: ignore[arg-type]
            for peer, rule in data.rules.items()
        ),
        prices=tuple(
            MarketPrice(service=service, price=price) for service, price in data.prices.items()
        ),
        view=data.view,
        index=tuple(
            S.IndexEntry(
                provider=e.description.provider,
                service=e.description.service,
                kind=e.description.kind,
                version=e.description.version,
                valid_until=e.description.valid_until,
                description=e.frame,
            )
            for e in data.index.values()
        ),
        searches=tuple(
            S.SearchState(ordinal=number, wanted=s.wanted, answered=s.answered, found=s.found)
            for number, s in data.searches.items()
        ),
        searched=data.searched,
    )
